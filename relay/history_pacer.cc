#include "relay/history_pacer.h"

namespace tandem::relay {

HistoryPacer::HistoryPacer(event_base* base, std::function<void()> again)
    : timer_(base, [this, again = std::move(again)] {
        paused_ = true;
        again();
      }) {}

void HistoryPacer::pace(const screen::ScreenState* last, screen::ScreenState& next) {
  const bool paused = paused_;
  paused_ = false;
  const uint64_t had = last ? last->scrollback.total() : 0;
  if (last && last->history == next.history && next.scrollback.total() > had + uint64_t(next.rows())) {
    const uint64_t now = transport::now_ms();
    if (since_ms_ == 0) since_ms_ = now;
    if (!paused && now - since_ms_ < kHoldAtMostMs) {
      next.scrollback = last->scrollback;  // the next frame with history brings these lines too
      next.history_held = true;
      timer_.start(kPause);                // again with every host frame: fires once the flood pauses
      return;
    }
  }
  if (next.scrollback.total() != had) {  // history goes now
    timer_.stop();
    since_ms_ = 0;
  }
}

}  // namespace tandem::relay
