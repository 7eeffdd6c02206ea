#include "transport/replay_window.h"

namespace tandem::transport {

bool ReplayWindow::fresh(uint64_t seq) const {
  if (seq >= top_) return true;
  if (top_ - seq > kWindow - 64) return false;  // the word holding it may have been reused
  return !bit(seq);
}

void ReplayWindow::accept(uint64_t seq) {
  if (seq >= top_) {
    // The words the window slides onto still hold bits from kWindow numbers ago.
    uint64_t from = top_ == 0 ? 0 : (top_ - 1) / 64 + 1;
    uint64_t to = seq / 64;
    if (to + 1 - from >= kWords) {
      bits_.fill(0);
    } else {
      for (uint64_t w = from; w <= to; ++w) bits_[w % kWords] = 0;
    }
    top_ = seq + 1;
  }
  bits_[(seq / 64) % kWords] |= uint64_t{1} << (seq % 64);
}

}  // namespace tandem::transport
