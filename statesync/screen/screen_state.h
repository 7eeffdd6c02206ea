// Everything a viewer of a terminal needs to draw it: the visible framebuffer, the
// cursor, the mode bits a mate's terminal must mirror, the title, the clipboard
// (OSC 52) with a count of copies, the working directory (OSC 7), a bell counter and
// the lines that scrolled off the top.
//
// ScreenState is a value: copying it copies row and scrollback-chunk handles only.
// `diff_from(old)` describes how to turn `old` into this state as a protobuf message
// (changed rows as runs of cells, a detected scroll, new scrollback lines), and
// `apply(diff)` does that, rejecting malformed input without touching the state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "proto/decode_error.h"
#include "statesync/screen/cell_runs.h"
#include "statesync/screen/framebuffer.h"
#include "statesync/screen/scrollback.h"

namespace tandem::proto {
class ScreenDiff;
}

namespace tandem::screen {

// Mode bits that change how a terminal encodes input or presents itself.
namespace mode {
inline constexpr uint32_t kAppCursor = 1u << 0;       // DECCKM (?1)
inline constexpr uint32_t kAppKeypad = 1u << 1;       // DECKPAM (ESC =)
inline constexpr uint32_t kBracketedPaste = 1u << 2;  // ?2004
inline constexpr uint32_t kFocusEvents = 1u << 3;     // ?1004
inline constexpr uint32_t kReverseVideo = 1u << 4;    // DECSCNM (?5)
inline constexpr uint32_t kMouseX10 = 1u << 5;        // ?9
inline constexpr uint32_t kMouseNormal = 1u << 6;     // ?1000
inline constexpr uint32_t kMouseButton = 1u << 7;     // ?1002
inline constexpr uint32_t kMouseAny = 1u << 8;        // ?1003
inline constexpr uint32_t kMouseUtf8 = 1u << 9;       // ?1005
inline constexpr uint32_t kMouseSgr = 1u << 10;       // ?1006
inline constexpr uint32_t kMouseUrxvt = 1u << 11;     // ?1015
inline constexpr uint32_t kCursorBlink = 1u << 12;    // ?12
inline constexpr uint32_t kAltScreen = 1u << 13;      // ?47 / ?1047 / ?1049 (the visible buffer)
inline constexpr uint32_t kAll = (1u << 14) - 1;
// The modes a display reproduces on a viewer's terminal (it draws the alternate
// screen's content without switching the viewer's own buffer).
inline constexpr uint32_t kDisplayed = kAll & ~kAltScreen;
}  // namespace mode

struct CursorState {
  int x = 0;
  int y = 0;
  bool visible = true;
  uint8_t shape = 0;  // DECSCUSR: 0 default, 1-6 block/underline/bar, blinking or steady
  bool operator==(const CursorState&) const = default;
};

inline constexpr size_t kMaxTitleBytes = 4096;
inline constexpr size_t kMaxClipboardBytes = 256 * 1024;
inline constexpr size_t kMaxCwdBytes = 4096;

class ScreenState {
 public:
  explicit ScreenState(int cols = 80, int rows = 24, size_t scrollback_limit = kDefaultScrollbackLines);

  int cols() const { return fb.cols(); }
  int rows() const { return fb.rows(); }

  Framebuffer fb;
  Scrollback scrollback;
  CursorState cursor;
  uint32_t modes = 0;
  std::string title;
  std::string clipboard;  // the last OSC 52 payload, base64 as sent by the program
  uint32_t clipboard_seq = 0;  // copies so far: the same text copied twice is two copies
  // The screen may have moved past history lines that are held back (a flood's, sent
  // once it pauses): a view must not take its rows above for new lines meanwhile.
  bool history_held = false;
  std::string cwd;        // the last OSC 7 URI (file://host/path), printable ASCII
  uint32_t bell_count = 0;
  // Identifies a history of scrollback: states that share it share their lines.
  uint64_t history;

  // Describes how to turn `old` into this state. Works from any `old`, related or not.
  proto::ScreenDiff diff_from(const ScreenState& old) const;
  // Applies a diff made by diff_from(x) where x equals this state (or any diff, if it
  // is a full frame). On error the state is left as it was.
  [[nodiscard]] std::optional<DecodeError> apply(const proto::ScreenDiff& diff);
  // Parses a serialized ScreenDiff and applies it.
  [[nodiscard]] std::optional<DecodeError> apply_bytes(std::span<const uint8_t> bytes);

  // The same screen and history (their id too: a state that only changed its history's
  // id must still reach a receiver, or the receiver would take later lines for another's).
  bool operator==(const ScreenState& other) const;

  // For state synchronisation (statesync/ssp.h): the diff serialized, and subtract,
  // which a screen (not an append-only state) does not need.
  std::string diff_bytes_from(const ScreenState& old) const;
  void subtract(const ScreenState&) {}
  // A copy that keeps only the newest `lines` of scrollback (and the count of all):
  // what a host syncs when mates need no history.
  ScreenState with_scrollback(size_t lines) const;
  // This screen in a terminal of another size: cropped or padded from the top left,
  // the cursor kept inside (a viewer whose window differs from the session's).
  ScreenState fitted(int cols, int rows) const { return window(0, 0, cols, rows); }
  // The cols x rows part of this screen whose top left is (x0, y0), padded with
  // blanks where it reaches past the edge; a wide character cut by the window's
  // edge becomes a blank; the cursor is kept inside; the history is the whole one.
  ScreenState window(int x0, int y0, int cols, int rows) const;
};

// The screen every sync connection starts from, on both ends.
// `history`: how many scrollback lines the receiving end keeps (the sender's are its own).
inline ScreenState initial_screen(size_t history = 0) { return ScreenState(80, 24, history); }

// Whether a and b look the same on a terminal: cells (with underline colours and
// links), cursor, displayed modes, title.
bool same_display(const ScreenState& a, const ScreenState& b);

}  // namespace tandem::screen
