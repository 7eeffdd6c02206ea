// How long to wait before asking a silent relay again: `first`, doubling after each
// attempt up to `max`, and back to `first` once the relay answered. Bounded whatever
// happens, so a client never hammers a relay that is down nor waits for ever on one
// that is back.
#pragma once

#include <algorithm>
#include <cstdint>

namespace tandem {

class Backoff {
 public:
  constexpr Backoff(uint64_t first_ms, uint64_t max_ms) : first_ms_(first_ms), max_ms_(std::max(first_ms, max_ms)) {}

  // The wait before the next attempt; each call doubles the one after (up to max).
  uint64_t next_ms() {
    const uint64_t wait = next_ms_ ? next_ms_ : first_ms_;
    next_ms_ = std::min(wait * 2, max_ms_);
    return wait;
  }
  // The relay answered: the next silence starts again at `first`.
  void reset() { next_ms_ = 0; }

 private:
  uint64_t first_ms_, max_ms_;
  uint64_t next_ms_ = 0;
};

}  // namespace tandem
