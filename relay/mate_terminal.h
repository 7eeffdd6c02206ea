// What one mate's terminal shows, and the bytes that move it on to the session's
// next frame: the display's diff from the last frame drawn there; a repaint after a
// resize (its screen is then unknown, its scrollback is not); and a flood's history
// written at the HistoryPacer's pace. Plain-ssh and browser mates draw with it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "relay/history_pacer.h"
#include "statesync/screen/display.h"

namespace tandem::relay {

class MateTerminal {
 public:
  // `again`: held history is due; draw the session's newest frame.
  MateTerminal(event_base* base, screen::DisplayOptions options, std::function<void()> again)
      : display_(options), pacer_(base, std::move(again)) {}

  // The bytes that turn the terminal into one showing `frame` (maybe none).
  std::string draw(screen::ScreenState frame) {
    if (known_) pacer_.pace(shown_ ? &*shown_ : nullptr, frame);  // a repaint writes history whole
    std::string out;
    if (shown_ && !known_) {
      display_.repaint(*shown_, frame, out);
    } else {
      display_.append(shown_ ? &*shown_ : nullptr, frame, out);
    }
    shown_ = std::move(frame);
    shown_->scrollback.clear();  // only its count is needed next time; a stalled mate holds no history
    known_ = true;
    return out;
  }
  // Its size changed: the next draw repaints (its scrollback keeps its history).
  void resized() { known_ = false; }

 private:
  screen::Display display_;
  std::optional<screen::ScreenState> shown_;  // what the terminal shows
  bool known_ = false;                         // false after a resize: repaint
  HistoryPacer pacer_;
};

}  // namespace tandem::relay
