// Draws screens on the user's terminal: remembers what it drew last so each frame
// costs only its changes, fits frames of another size to the terminal, and lays a
// one-line notice over the bottom row when there is something to say.
#pragma once

#include <memory>
#include <string>

#include "src/local_terminal.h"
#include "statesync/screen/display.h"
#include "statesync/screen/screen_state.h"

namespace tandem {

class ScreenView {
 public:
  explicit ScreenView(LocalTerminal& tty) : tty_(tty), display_(tty.display_options()) {}

  // Draws `screen` at the terminal's current size.
  void draw(const screen::ScreenState& screen);
  // The terminal's contents are unknown (after a resize): the next frame is whole.
  void forget() { shown_.reset(); }

  void set_notice(std::string text) { notice_ = std::move(text); }
  const std::string& notice() const { return notice_; }

 private:
  LocalTerminal& tty_;
  screen::Display display_;
  std::unique_ptr<screen::ScreenState> shown_;
  std::string notice_;
};

}  // namespace tandem
