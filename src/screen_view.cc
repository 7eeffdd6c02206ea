#include "src/screen_view.h"

namespace tandem {

void ScreenView::draw(const screen::ScreenState& screen) {
  const Size size = tty_.size();
  display_ = screen::Display(tty_.display_options());  // known once the terminal is open
  screen::ScreenState frame = viewport_.frame(screen, size.cols, size.rows);
  if (!notice_.empty()) screen::overlay_notice(frame, notice_);
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

void ScreenView::draw_still(screen::ScreenState frame) {
  if (shown_) {
    frame.scrollback = shown_->scrollback;  // held lines cleared, the count kept: nothing new
    frame.history = shown_->history;
    frame.modes = shown_->modes;  // the same buffer and key modes as the session's
  }
  std::string out;
  if (shown_ && !known_) {
    display_.repaint(*shown_, frame, out);
  } else {
    display_.append(shown_ ? &*shown_ : nullptr, frame, out);
  }
  tty_.write(out);
  shown_ = std::move(frame);
  known_ = true;
}

void ScreenView::leave() {
  if (!shown_) return;
  std::string out;
  if (!notice_.empty() && known_) {
    const int bottom = shown_->rows() - 1;
    out += "\x1b[m\x1b[" + std::to_string(bottom + 1) + "H\x1b[2K";  // the notice row, blank
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
