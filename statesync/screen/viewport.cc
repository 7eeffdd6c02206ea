#include "statesync/screen/viewport.h"

#include <algorithm>

namespace tandem::screen {
namespace {

// One axis: the origin moves only when the cursor would leave [origin, origin + view).
// With `home`, it returns to 0 whenever the cursor fits there: a view sees frames, not
// every cursor move, so the carriage return that would have panned tmux back to the
// left edge may fall between two frames and leave a new prompt cut off on the left.
int pan(int origin, int cursor, int view, int session, bool home) {
  if (view >= session) return 0;
  if (home && cursor < view) return 0;
  if (cursor < origin) origin = cursor;
  if (cursor >= origin + view) origin = cursor - view + 1;
  return std::clamp(origin, 0, session - view);
}

}  // namespace

ScreenState Viewport::frame(const ScreenState& session, int cols, int rows) {
  x_ = pan(x_, session.cursor.x, cols, session.cols(), /*home=*/true);
  y_ = pan(y_, session.cursor.y, rows, session.rows(), /*home=*/false);
  partial_ = cols < session.cols() || rows < session.rows();
  view_cols_ = cols;
  view_rows_ = rows;
  session_cols_ = session.cols();
  session_rows_ = session.rows();
  ScreenState view = session.window(x_, y_, cols, rows);
  // A shorter view of a shell: the rows above it are where a terminal of its height
  // would have scrolled them, its scrollback. A full-screen program's rows are not:
  // while it runs, the history stays as the normal screen last left it, and what the
  // shell's screen scrolled meanwhile comes when it is back, each line once.
  if (!(session.modes & mode::kAltScreen)) {
    for (int y = 0; y < y_; ++y) view.scrollback.push(session.fb.row_ref(y));
    main_history_ = view.scrollback;
    main_history_id_ = session.history;
  } else if (main_history_ && main_history_id_ == session.history) {
    view.scrollback = *main_history_;
  }
  return view;
}

std::string Viewport::describe() const {
  return "view " + std::to_string(view_cols_) + "x" + std::to_string(view_rows_) + " of " +
         std::to_string(session_cols_) + "x" + std::to_string(session_rows_);
}

}  // namespace tandem::screen
