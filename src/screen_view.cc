#include "src/screen_view.h"

#include <algorithm>
#include <tuple>

namespace tandem {
namespace {

void overlay_line(screen::ScreenState& frame, int y, std::string_view text) {
  const int cols = frame.cols();
  screen::Cell blank;
  blank.attrs = screen::attr::kInverse;
  auto row = std::make_shared<screen::Row>(cols, blank);
  // Printable ASCII only: a notice is ours, but may quote what others chose (names).
  int x = 1;
  for (size_t i = 0; i < text.size() && x < cols; ++i, ++x) {
    const unsigned char ch = static_cast<unsigned char>(text[i]);
    row->at(x).ch = ch >= 0x20 && ch < 0x7F ? ch : U'?';
  }
  frame.fb.set_row(y, std::move(row));
}

}  // namespace

std::pair<int, int> overlay_notices(screen::ScreenState& frame, const std::vector<std::string>& lines) {
  const int rows = frame.rows();
  const int cursor = frame.cursor.y;
  int n = int(std::min<size_t>(lines.size(), size_t(std::max(rows - 1, 0))));
  // The bottom rows, or the rows just above the cursor when it is on them. Not the top
  // row if it can be helped: what scrolls off the top lands in the terminal's history.
  int top = 0;
  for (; n > 0; --n) {
    if (cursor < rows - n) {
      top = rows - n;
      break;
    }
    if (cursor >= n) {
      top = cursor - n;
      break;
    }
  }
  const size_t first = lines.size() - size_t(n);  // the newest ones, when not all fit
  for (int i = 0; i < n; ++i) overlay_line(frame, top + i, lines[first + size_t(i)]);
  return {top, n};
}

void ScreenView::draw(const screen::ScreenState& screen) {
  const Size size = tty_.size();
  display_ = screen::Display(tty_.display_options());  // known once the terminal is open
  screen::ScreenState frame = viewport_.frame(screen, size.cols, size.rows);
  std::tie(notice_top_, notice_rows_) = overlay_notices(frame, notices_);
  present(std::move(frame));
}

void ScreenView::draw_still(screen::ScreenState frame) {
  if (shown_) {
    frame.scrollback = shown_->scrollback;  // held lines cleared, the count kept: nothing new
    frame.history = shown_->history;
    frame.modes = shown_->modes;  // the same buffer and key modes as the session's
  }
  notice_rows_ = 0;
  present(std::move(frame));
}

void ScreenView::present(screen::ScreenState frame) {
  std::string out;
  if (shown_ && !known_) {
    display_.repaint(*shown_, frame, out);
  } else {
    display_.append(shown_ ? &*shown_ : nullptr, frame, out);
  }
  tty_.write(out);
  shown_ = std::move(frame);
  shown_->scrollback.clear();  // only its count is needed next time
  known_ = true;
}

void ScreenView::leave() {
  if (!shown_) return;
  std::string out;
  if (notice_rows_ > 0 && known_) {
    for (int y = notice_top_; y < notice_top_ + notice_rows_; ++y) {
      out += "\x1b[m\x1b[" + std::to_string(y + 1) + "H\x1b[2K";  // the notice rows, blank
    }
    out += "\x1b[" + std::to_string(shown_->cursor.y + 1) + ";" + std::to_string(shown_->cursor.x + 1) + "H";
  }
  if (shown_->cursor.x > 0) out += "\r\n";
  tty_.write(out);
}

FramePacer::FramePacer(event_base* base, std::function<void()> draw)
    : draw_(std::move(draw)), timer_(base, [this] { draw_now(); }) {}

void FramePacer::request() {
  if (timer_.pending()) return;
  const uint64_t now = transport::now_ms();
  const uint64_t next = last_ms_ + uint64_t(kFrame.count());
  timer_.start(std::chrono::milliseconds(next > now ? next - now : 0));
}

void FramePacer::draw_now() {
  timer_.stop();
  draw_();
  last_ms_ = transport::now_ms();
}

}  // namespace tandem
