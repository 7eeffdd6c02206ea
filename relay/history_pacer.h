// How often a mate's history is written while the host floods. In a flood (more
// lines pushed into history since the mate last got history than its screen has
// rows), frames show the screen at once but hold the history back until the flood
// pauses (a busy host sends a frame every 20-40 ms), or a while after it was first
// held. Each time then carries at most the session's history, so a flood costs a
// mate about that much once, not once for every frame the host sends while it lasts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "statesync/screen/screen_state.h"
#include "transport/event_loop.h"

namespace tandem::relay {

class HistoryPacer {
 public:
  static constexpr auto kPause = std::chrono::milliseconds(150);
  static constexpr uint64_t kHoldAtMostMs = 2000;

  // `again` is called when held history is due: it shows the session's newest frame.
  HistoryPacer(event_base* base, std::function<void()> again);

  // Before `next` is shown to a mate that was last shown `last` (none: nothing yet):
  // while a flood goes on, gives `next` the history of `last` instead.
  void pace(const screen::ScreenState* last, screen::ScreenState& next);

 private:
  transport::Timer timer_;
  bool paused_ = false;     // the timer fired: the flood paused, or was held long enough
  uint64_t since_ms_ = 0;   // when history was first held back for this flood
};

}  // namespace tandem::relay
