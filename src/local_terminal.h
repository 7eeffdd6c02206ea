// The user's own terminal, where the host (or a native mate) draws its session: raw
// mode, its size, and a guaranteed restore on every way out. The session is drawn on
// the normal screen, so the terminal's own scrollback gets the session's history.
#pragma once

#include <termios.h>

#include <string>

#include "proto/size.h"
#include "statesync/screen/display.h"

namespace tandem {

class LocalTerminal {
 public:
  // Takes over stdin/stdout; false with `error` if stdin is not a terminal.
  bool open(std::string* error);
  ~LocalTerminal() { restore(); }

  // The terminal's size now (80x24 when it will not say).
  Size size() const;
  // What the display may use on this terminal (from terminfo, $TERM and $COLORTERM):
  // set by open().
  screen::DisplayOptions display_options() const { return options_; }
  // Writes all of `bytes` to stdout.
  void write(std::string_view bytes) const;
  // Leaves raw mode (and an alternate screen a program left), resetting every mode a session may
  // have turned on. Safe to call more than once, and from a signal handler.
  void restore();

 private:
  bool active_ = false;
  termios saved_{};
  screen::DisplayOptions options_;
};

}  // namespace tandem
