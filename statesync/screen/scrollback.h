// Lines that scrolled off the top of the screen, oldest first, bounded by a limit of
// lines and a budget of stored cells (kCellsPerLine a line on average), so that a
// host printing very wide lines cannot make a session's history cost more than
// ordinary ones would.
//
// Lines are immutable once pushed. They are held in shared chunks, so copying a
// Scrollback (as every snapshot of a screen state does) copies a few dozen chunk
// handles rather than every line, and pushing onto a copy clones only the last chunk.
//
// A scrollback that packs (what a relay or a mate holds, not the host's emulator,
// whose floods must stay fast) keeps all but its newest chunk packed: each line as
// its runs of cells in a few dozen bytes, made a row again when it is read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

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
  // Cells stored by the held lines.
  size_t cells() const { return cells_; }
  // Lines ever pushed, including those already dropped for the limit.
  uint64_t total() const { return total_; }

  RowRef line(size_t i) const;     // 0 is the oldest held line
  uint64_t gen(size_t i) const;     // its generation, without making a packed line a row

  // Whether chunks that are no longer the newest are packed (the flag is copied).
  void set_packing(bool on) { packing_ = on; }

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
  struct Chunk {
    std::array<RowRef, kChunkLines> rows;
    size_t count = 0;
  };
  struct Packed {
    std::string bytes;
    std::array<uint32_t, kChunkLines + 1> offsets{};
    std::array<uint64_t, kChunkLines> gens{};
    size_t count = 0;
    size_t cost(size_t j) const { return (offsets[j + 1] - offsets[j] + sizeof(Cell) - 1) / sizeof(Cell); }
  };
  // A chunk: its rows, or the same lines packed.
  struct Slot {
    std::shared_ptr<Chunk> rows;
    std::shared_ptr<const Packed> packed;
    size_t count() const { return packed ? packed->count : rows->count; }
    size_t cost(size_t j) const { return packed ? packed->cost(j) : rows->rows[j]->stored_cells(); }
  };
  RowRef drop_oldest();
  void pack(size_t chunk);

  std::deque<Slot> chunks_;
  size_t skip_ = 0;  // lines already dropped from the front chunk
  size_t size_ = 0;
  size_t cells_ = 0;
  size_t limit_;
  uint64_t total_ = 0;
  bool packing_ = false;
};

}  // namespace tandem::screen
