// Lines that scrolled off the top of the screen, oldest first, bounded by a limit of
// lines and a budget of stored cells (kCellsPerLine a line on average), so that a
// host printing very wide lines cannot make a session's history cost more than
// ordinary ones would.
//
// Lines are immutable once pushed. They are held in shared chunks, so copying a
// Scrollback (as every snapshot of a screen state does) copies a few dozen chunk
// handles rather than every line. Each copy knows how many lines of its last chunk
// are its own; pushing appends to that chunk in place while nobody has appended past
// them (a newer state pushing onto an older one's lines), and clones it otherwise, so
// a stream of states shares one last chunk.
//
// Chunks can be packed (a relay does it to a session whose screen has been still for
// a while, so that floods stay fast): each line as its runs of cells, the chunk's
// lines deflated together, a few bytes a line; a line is made a row again when it is
// read. A chunk is packed in place, so every copy sharing it (older states, what mates
// were sent) lets its rows go; the cell budget counts a line as it was pushed, packed
// or not, so copies agree. Pushing onto a packed last chunk unpacks it (for that copy).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "statesync/screen/row.h"

namespace tandem::screen {

inline constexpr size_t kDefaultScrollbackLines = 10000;  // the host's own emulator keeps this many
inline constexpr size_t kDefaultHistoryLines = 1000;      // a session holds this many for late joiners
inline constexpr size_t kMaxHistoryLines = 10000;
inline constexpr size_t kCellsPerLine = 128;  // the cell budget: this many a line of the limit

class Scrollback {
 public:
  explicit Scrollback(size_t limit = kDefaultScrollbackLines) : limit_(limit) {}

  size_t size() const { return size_; }
  size_t limit() const { return limit_; }
  // Cells stored by the held lines (as pushed).
  size_t cells() const { return cells_; }
  // Lines ever pushed, including those already dropped for the limit.
  uint64_t total() const { return total_; }

  RowRef line(size_t i) const;     // 0 is the oldest held line
  uint64_t gen(size_t i) const;     // its generation, without making a packed line a row

  // Packs every chunk not packed yet (or only the full ones before the last, which no
  // line is appended to any more), for every copy sharing it; whether it packed any.
  bool pack(bool last_too = true);

  // Appends a line and returns the (last) one dropped for the limits, if any, so that the
  // caller may reuse its storage when nobody else holds it.
  RowRef push(RowRef row);
  void set_limit(size_t limit);
  // Drops all but the newest n lines (the limit stays; the total keeps counting).
  void keep_newest(size_t n);
  void clear();
  // Forgets held lines but keeps counting: used when lines are known to be lost.
  void set_total(uint64_t total) { total_ = total; }

  bool operator==(const Scrollback& other) const;

 private:
  static constexpr size_t kChunkLines = 128;
  // The same lines packed: what a chunk becomes in place, for every copy sharing it.
  // A relay holds little else per idle session, so this is kept small: where each
  // line starts is found again when the chunk is inflated, and the generations are
  // kept as steps from the smallest (lines pushed close together have close ones).
  struct Packed {
    std::string bytes;  // each line as its length (a varint) and bytes, deflated if that is smaller
    bool deflated = false;
    uint32_t size = 0;  // of the bytes inflated
    uint64_t first_gen = 0;
    std::vector<uint32_t> gen_steps;  // each line's generation past first_gen
    std::vector<uint64_t> gens;       // instead of the steps, when one does not fit in 32 bits
    uint64_t gen(size_t k) const { return gens.empty() ? first_gen + gen_steps[k] : gens[k]; }
  };
  struct Chunk {
    std::vector<RowRef> rows;                   // empty once packed
    std::array<uint16_t, kChunkLines> costs{};  // each line's cells when pushed (<= its width): its budget
    size_t count = 0;                           // lines appended, by any copy
    std::shared_ptr<const Packed> packed;
  };
  RowRef drop_oldest();
  static void pack(Chunk& chunk);
  // The first n lines of a chunk, made rows again or shared: a last chunk of our own.
  static std::shared_ptr<Chunk> unpacked(const Chunk& chunk, size_t n);
  static std::shared_ptr<Chunk> first_lines(const Chunk& chunk, size_t n);
  // Lines of chunk i that are ours: all of them but in the last.
  size_t held(size_t i) const { return i + 1 == chunks_.size() ? last_count_ : kChunkLines; }
  // Line k of a packed chunk, as pack_line() made it.
  static std::string_view packed_line(const std::shared_ptr<const Packed>& packed, size_t k);

  // A vector, not a deque: an empty one allocates nothing, and every copy of a screen
  // state has one. At most a few dozen chunks; the front goes every 128 lines.
  std::vector<std::shared_ptr<Chunk>> chunks_;
  size_t skip_ = 0;        // lines already dropped from the front chunk
  size_t last_count_ = 0;  // lines of the last chunk that are ours
  size_t size_ = 0;
  size_t cells_ = 0;
  size_t limit_;
  uint64_t total_ = 0;
};

}  // namespace tandem::screen
