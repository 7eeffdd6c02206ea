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
  if (!(session.modes & mode::kAltScreen) && !session.history_held) {
    for (int y = 0; y < y_; ++y) view.scrollback.push(session.fb.row_ref(y));
    view.scrollback.set_total(count_history(session, y_));
    main_history_ = view.scrollback;
    main_history_id_ = session.history;
  } else if (main_history_ && main_history_id_ == session.history) {
    // A full-screen program, or a flood whose history is held back: as the normal
    // screen last left it until the history is whole again.
    view.scrollback = *main_history_;
  }
  return view;
}

uint64_t Viewport::count_history(const ScreenState& session, int above) {
  const uint64_t total = session.scrollback.total();
  if (session.history != session_history_ || total < session_total_) {  // another history
    session_history_ = session.history;
    view_total_ = total;
    counted_.clear();
  } else {
    // Lines the session pushed: those that were counted rows above the view (the same
    // rows, by generation) are in already; the others (the counted rows were cleared
    // or rewritten before they went) are new.
    const uint64_t pushed = total - session_total_;
    const size_t held = session.scrollback.size();
    size_t gone = 0;
    if (pushed <= held) {
      while (gone < counted_.size() && gone < pushed && session.scrollback.gen(held - size_t(pushed) + gone) == counted_[gone]) {
        ++gone;
      }
    }
    view_total_ += pushed - gone;
    if (gone < std::min<uint64_t>(pushed, counted_.size())) {
      counted_.clear();  // rewritten before they went: what follows them is too
    } else {
      counted_.erase(counted_.begin(), counted_.begin() + ptrdiff_t(gone));
    }
  }
  session_total_ = total;
  // Counted rows the program has rewritten since (a clear, a redraw) are lines of
  // their own: the counted ones stop at the first.
  size_t same = 0;
  while (same < counted_.size() && int(same) < session.rows() && counted_[same] == session.fb.row(int(same)).gen) {
    ++same;
  }
  counted_.resize(same);
  // Rows above the view not counted yet are new lines; counted rows the view moved
  // back over stay counted, so panning down again does not count them twice.
  for (int y = int(counted_.size()); y < above; ++y) {
    counted_.push_back(session.fb.row(y).gen);
    ++view_total_;
  }
  return view_total_;
}

std::string Viewport::describe() const {
  return "view " + std::to_string(view_cols_) + "x" + std::to_string(view_rows_) + " of " +
         std::to_string(session_cols_) + "x" + std::to_string(session_rows_);
}

}  // namespace tandem::screen
