// Draws screens on the user's terminal (the host's own, or a native mate's):
// remembers what it drew last so each frame costs only its changes, shows a session
// larger than the terminal through a Viewport that follows the cursor, and lays
// notices (a line each) over the bottom rows when there is something to say, or just
// above the cursor when it is on those: never over the row the cursor is on (a
// shell's prompt on the last row stays whole), and not over the top row, whose lines
// go into the terminal's history as they scroll off. FramePacer bounds how often it draws.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

  void set_notice(std::string text) {
    notice_ = std::move(text);
    notices_.clear();
    if (!notice_.empty()) notices_.push_back(notice_);
  }
  // Several lines, oldest first; the first is notice().
  void set_notices(std::vector<std::string> lines) {
    notices_ = std::move(lines);
    notice_ = notices_.empty() ? std::string() : notices_.front();
  }
  const std::string& notice() const { return notice_; }
  const std::vector<std::string>& notices() const { return notices_; }
  // Which part of the session the last frame showed.
  const screen::Viewport& viewport() const { return viewport_; }

 private:
  // Writes what turns the terminal into `frame`, and remembers it.
  void present(screen::ScreenState frame);
  LocalTerminal& tty_;
  screen::Display display_;
  std::optional<screen::ScreenState> shown_;
  bool known_ = false;  // whether the terminal's screen shows shown_
  std::string notice_;
  std::vector<std::string> notices_;
  int notice_top_ = 0, notice_rows_ = 0;  // where the last frame's notices are
  screen::Viewport viewport_;
};

// Lays `lines` (oldest first) over `frame`, a line each in reverse video, on the
// bottom rows, or on the rows just above the cursor when it is on those; never over
// the cursor's row (fewer lines when the frame is too short). The rows used: first,
// count.
std::pair<int, int> overlay_notices(screen::ScreenState& frame, const std::vector<std::string>& lines);

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
