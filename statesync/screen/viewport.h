// The part of a session's screen that a view of another size shows. A view smaller
// than the session follows the cursor as tmux 3 pans: the origin moves only as far as
// keeps the cursor inside, so the typing is always in sight and the view does not
// jump about; sideways, it also returns to the left edge whenever the cursor fits
// there, so a prompt and the lines a program prints are seen from their start. A
// view larger than the session shows all of it, and its edge. A view's history is the
// session's, followed, on the normal screen, by the rows above the view.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "statesync/screen/screen_state.h"

namespace tandem::screen {

class Viewport {
 public:
  // The frame for a view of cols x rows onto `session`, after moving the origin.
  ScreenState frame(const ScreenState& session, int cols, int rows);

  int x() const { return x_; }
  int y() const { return y_; }
  // Whether the last frame showed only part of the session.
  bool partial() const { return partial_; }
  // "view 80x24 of 120x40", for a partial view.
  std::string describe() const;

 private:
  // Counts what a shorter view's history holds: rows above the view count once, when
  // they first are (or are new there), however the view pans or the program rewrites
  // them; lines that scroll off the session's top without ever being above the view
  // count as they go.
  uint64_t count_history(const ScreenState& session, int above);

  int x_ = 0, y_ = 0;
  uint64_t view_total_ = 0;      // lines the view's history has had
  uint64_t session_total_ = 0;   // the session's count at the last frame
  uint64_t session_history_ = 0;  // and its history's id
  std::vector<uint64_t> counted_;  // generations of the session's top rows counted into the view's history
  // The history of the last frame on the normal screen (the session's and the rows
  // above the view), kept while a full-screen program runs.
  std::optional<Scrollback> main_history_;
  uint64_t main_history_id_ = 0;
  bool partial_ = false;
  int view_cols_ = 0, view_rows_ = 0, session_cols_ = 0, session_rows_ = 0;
};

}  // namespace tandem::screen
