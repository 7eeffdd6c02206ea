// tandem join's scroll mode (Ctrl-^ then [), as tmux's copy mode, for terminals whose
// own scrollback cannot be used: the session's history and screen as one list of
// lines, taken when the mode starts (new output does not move the view), shown a
// screenful at a time with a status line, and searched with /. Keys typed in it go
// to the mode, never to the session; the session goes on meanwhile.
//
// Keys: Up/k and Down/j a line; PgUp/Ctrl-b and PgDn/Ctrl-f/Space a page; Ctrl-u and
// Ctrl-d half a page; Home/g the oldest line, End/G the newest; / then text and Enter
// searches towards older lines, n the next older match, N the next newer; q or Esc
// leaves.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "statesync/screen/screen_state.h"

namespace tandem {

class ScrollMode {
 public:
  // Starts at the bottom: the newest lines of `session` (its held history, then its screen).
  explicit ScrollMode(const screen::ScreenState& session);

  // Takes what was typed; false once it asked to leave the mode.
  bool key(std::string_view keys);
  // The view on a terminal of cols x rows: the lines, and the status line at the bottom.
  // The same view gives the same rows, so redrawing it costs nothing.
  const screen::ScreenState& frame(int cols, int rows);

  // For tests: the first line shown (0 is the oldest) and the number of lines.
  long top() const { return top_; }
  size_t lines() const { return lines_.size(); }
  const std::string& message() const { return message_; }

 private:
  int body() const { return rows_ > 1 ? rows_ - 1 : 1; }
  void move(long by);
  void find(bool older);
  // Handles one key at the front of `keys` and says how many bytes it took.
  size_t take(std::string_view keys, bool& leave);

  std::vector<screen::RowRef> lines_;
  long top_ = 0;
  int rows_ = 24;
  bool typing_ = false;   // after /: the pattern is being typed
  std::string typed_, pattern_;
  long match_ = -1;       // the line of the last match, and its column
  int match_x_ = 0;
  std::string message_;   // said on the status line until the next key
  bool at_bottom_ = true; // until the first frame knows how many rows there are

  // The last frame and what it showed, so that an unchanged view is not rebuilt.
  screen::ScreenState frame_;
  struct Shown {
    long top = -1;
    int cols = 0, rows = 0;
    long match = -1;
    std::string status;
    bool operator==(const Shown&) const = default;
  } shown_;
};

}  // namespace tandem
