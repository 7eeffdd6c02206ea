// The display: the fewest VT bytes that turn a terminal showing one frame into one
// showing the next.
//
// Used wherever a screen meets a real terminal: the host's own, a native mate's, a
// plain-ssh mate's channel, later a browser's xterm.js. It moves the cursor by the
// cheapest of absolute and relative moves, erases runs of blanks, changes SGR by the
// shortest transition, and replays a scroll (SU/SD, in a region if need be) when the
// new frame is the old one scrolled. The guarantee, tested with random frames: a
// terminal (our Terminal included) fed initial(A) and then diff(A, B) shows exactly B.
#pragma once

#include <string>

#include "statesync/screen/screen_state.h"

namespace tandem::screen {

struct DisplayOptions {
  bool erase_chars = true;  // the terminal knows ECH (CSI n X)
  bool scroll = true;       // replay scrolls with DECSTBM and SU/SD
  bool title = true;        // set the window title with OSC 2
};

class Display {
 public:
  explicit Display(DisplayOptions options = {}) : options_(options) {}

  // Draws `to` on a terminal in any state (resetting what it must first).
  std::string initial(const ScreenState& to) const;
  // Turns a terminal that shows `from`, as drawn by this display, into one showing `to`.
  std::string diff(const ScreenState& from, const ScreenState& to) const;
  // Appends the bytes for from -> to to `out`; a null `from` means initial.
  void append(const ScreenState* from, const ScreenState& to, std::string& out) const;

 private:
  DisplayOptions options_;
};

// Lays a one-line notice over the bottom row of `frame`, in reverse video: for
// messages to one viewer that must not touch the session's own screen.
void overlay_notice(ScreenState& frame, std::string_view text);

}  // namespace tandem::screen
