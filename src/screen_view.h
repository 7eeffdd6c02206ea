// Draws screens on the user's terminal (the host's own, or a native mate's):
// remembers what it drew last so each frame costs only its changes, shows a session
// larger than the terminal through a Viewport that follows the cursor, and lays a
// one-line notice over the bottom row when there is something to say. FramePacer
// bounds how often it draws.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "src/local_terminal.h"
#include "statesync/screen/display.h"
#include "statesync/screen/screen_state.h"
#include "statesync/screen/viewport.h"
#include "transport/event_loop.h"

namespace tandem {

class ScreenView {
 public:
  explicit ScreenView(LocalTerminal& tty) : tty_(tty), display_(tty.display_options()) {}

  // Draws `screen` at the terminal's current size.
  void draw(const screen::ScreenState& screen);
  // Draws a frame of the terminal's size that is not the session (the scroll mode):
  // no viewport, no notice, and no history written; the session's next frame is
  // drawn as a change from it.
  void draw_still(screen::ScreenState frame);
  // The terminal's screen is unknown (after a resize): the next frame repaints it
  // all, but its scrollback keeps the history it got and gets no line twice.
  void forget() { known_ = false; }

  // The session is over on this terminal: the notice goes and the cursor moves to a
  // fresh line, so that what is printed next overwrites nothing.
  void leave();

  void set_notice(std::string text) { notice_ = std::move(text); }
  const std::string& notice() const { return notice_; }
  // Which part of the session the last frame showed.
  const screen::Viewport& viewport() const { return viewport_; }

 private:
  LocalTerminal& tty_;
  screen::Display display_;
  std::optional<screen::ScreenState> shown_;
  bool known_ = false;  // whether the terminal's screen shows shown_
  std::string notice_;
  screen::Viewport viewport_;
};

// Draws at most every kFrameMs: a burst of changes costs one frame, and the first
// change after a pause is drawn at once.
class FramePacer {
 public:
  static constexpr auto kFrame = std::chrono::milliseconds(8);  // ~120 frames a second

  FramePacer(event_base* base, std::function<void()> draw);
  // Something changed: draw as soon as the pace allows.
  void request();
  // Draws now (the pace is kept from here).
  void draw_now();

 private:
  std::function<void()> draw_;
  transport::Timer timer_;
  uint64_t last_ms_ = 0;
};

}  // namespace tandem
