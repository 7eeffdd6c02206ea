#include "src/screen_view.h"

namespace tandem {

void ScreenView::draw(const screen::ScreenState& screen) {
  const Size size = tty_.size();
  screen::ScreenState frame = viewport_.frame(screen, size.cols, size.rows);
  if (!notice_.empty()) screen::overlay_notice(frame, notice_);
  std::string out;
  display_.append(shown_ ? &*shown_ : nullptr, frame, out);
  tty_.write(out);
  shown_ = std::move(frame);
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
