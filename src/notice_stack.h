// The host's notices: who joined and left, new links, a quiet relay. Several can be
// on at once (two mates joining together are both said), each for its own time, up
// to kMaxLines; older ones that no longer fit are counted on the oldest line shown.
// A notice of a kind (the relay's health, say) replaces the one of that kind before
// it. A notice may come in several forms, longest first, for terminals of different
// widths: the longest that fits is shown, so a narrow terminal gets fewer whole links
// rather than a token cut short. No clock: time comes in as arguments.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace tandem {

class NoticeStack {
 public:
  static constexpr size_t kMaxLines = 3;

  // Shows `text` until `until_ms`; `kind` (non-empty) replaces the notice of that kind.
  void push(std::string text, uint64_t until_ms, std::string kind = {});
  // The same, with `forms` one notice's texts from the longest to the shortest.
  void push(std::vector<std::string> forms, uint64_t until_ms, std::string kind = {});
  // Drops the notices whose time is over; whether anything went.
  bool expire(uint64_t now_ms);
  void clear();
  bool empty() const { return entries_.empty(); }
  // Oldest first, at most kMaxLines; each in the longest form that fits `cols` columns
  // (else its shortest).
  std::vector<std::string> lines(size_t cols = std::numeric_limits<size_t>::max()) const;
  // When the next notice goes, if any is on.
  std::optional<uint64_t> next_expiry() const;

 private:
  struct Entry {
    std::vector<std::string> forms;  // longest first; never empty
    std::string kind;
    uint64_t until_ms;
  };
  std::deque<Entry> entries_;
  size_t folded_ = 0;  // notices pushed out by newer ones since the stack was last empty
};

}  // namespace tandem
