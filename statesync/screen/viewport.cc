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
  return session.window(x_, y_, cols, rows);
}

std::string Viewport::describe() const {
  return "view " + std::to_string(view_cols_) + "x" + std::to_string(view_rows_) + " of " +
         std::to_string(session_cols_) + "x" + std::to_string(session_rows_);
}

}  // namespace tandem::screen
