// The display: the fewest VT bytes that turn a terminal showing one frame into one
// showing the next.
//
// Used wherever a screen meets a real terminal: the host's own, a native mate's, a
// plain-ssh mate's channel, later a browser's xterm.js. It moves the cursor by the
// cheapest of absolute and relative moves, erases runs of blanks, changes SGR by the
// shortest transition, and replays a scroll when the new frame is the old one scrolled.
//
// History reaches the viewer's own scrollback, as if the program ran there: lines that
// scrolled off the session's top are written into it (a scroll of the whole screen by
// line feeds at the bottom; anything else, a flood or a view of the session's middle,
// by printing the lines and pushing them off), a fresh viewer gets every held line
// first, and nothing else ever enters it: other scrolls are replayed with DL/IL, the
// alternate screen is mirrored (a full-screen program's scrolling stays out, and
// leaving it brings the viewer's screen back), and the screen is never erased whole
// (tmux would push an erased screen into its history; a fresh viewer's own screen is
// pushed up into its scrollback instead, so the host's links stay there).
//
// It writes for the viewer's terminal (DisplayOptions, from its TERM): colours are
// brought down to what it has (true colour to the nearest of 256, then of 16),
// underline styles and colours and hyperlinks only where it shows them; what the
// program sent for the user's terminal (the clipboard when it copies, the working
// directory) only to viewers whose options say so.
//
// The guarantee, tested with random frames: a terminal (our Terminal included) fed
// initial(A) and then diff(A, B) shows exactly B, and its scrollback holds A's and
// B's history lines in order, each once.
#pragma once

#include <string>

#include "statesync/screen/screen_state.h"

namespace tandem::screen {

inline constexpr int kTrueColor = 1 << 24;

struct DisplayOptions {
  bool erase_chars = true;  // the terminal knows ECH (CSI n X)
  bool scroll = true;       // replay scrolls with DECSTBM and SU/SD
  bool title = true;        // set the window title with OSC 2
  bool history = true;      // write the session's history into the viewer's scrollback
  bool alt_screen = true;   // mirror the alternate screen (?1049)
  int colors = kTrueColor;  // kTrueColor, 256, 16 or 8: others are brought down to these
  bool styled_underline = true;  // double, curly, dotted, dashed (SGR 4:n); else plain
  bool underline_color = true;   // SGR 58
  bool hyperlinks = true;        // OSC 8
  bool clipboard = false;        // OSC 52 each time the program copies (a trust question)
  bool cwd = false;              // OSC 7: where the program is
  bool blank_viewer = false;     // a fresh viewer starts blank (a page reset its terminal): nothing to push up
};

// `c` as the nearest colour a terminal of `colors` colours has (kTrueColor: itself).
Color reduce_color(Color c, int colors);

class Display {
 public:
  explicit Display(DisplayOptions options = {}) : options_(options) {}

  // Draws `to` on a terminal in any state (resetting what it must first).
  std::string initial(const ScreenState& to) const;
  // Turns a terminal that shows `from`, as drawn by this display, into one showing `to`.
  std::string diff(const ScreenState& from, const ScreenState& to) const;
  // Appends the bytes for from -> to to `out`; a null `from` means initial.
  void append(const ScreenState* from, const ScreenState& to, std::string& out) const;
  // Draws `to` on a terminal whose screen is unknown (it was resized) but whose
  // scrollback already holds `from`'s history: nothing is written twice.
  void repaint(const ScreenState& from, const ScreenState& to, std::string& out) const;

 private:
  // `from`: what the viewer's screen shows, or null if unknown. `had`: the state whose
  // history (and buffer) the viewer already has, or null for a fresh viewer.
  void render(const ScreenState* from, const ScreenState* had, const ScreenState& to, std::string& out) const;

  DisplayOptions options_;
};

// Where overlay_notice() puts its line: the bottom row (where `tandem join` reads a
// link's last words, "[tandem: ...]"), or off the cursor: the bottom row, or the one
// above when the cursor is on it, so a viewer's prompt and typing stay in sight; or
// beside the cursor: the row above it (below, on the top row), which every view that
// follows the cursor shows, however much smaller than the session it is.
enum class NoticeRow { kBottom, kOffTheCursor, kBesideTheCursor };
// Lays a one-line notice over `frame`, in reverse video: for messages to one viewer
// that must not touch the session's own screen. The row it used.
int overlay_notice(ScreenState& frame, std::string_view text, NoticeRow where = NoticeRow::kBottom);

}  // namespace tandem::screen
