#include "src/screen_view.h"

namespace tandem {

void ScreenView::draw(const screen::ScreenState& screen) {
  int cols, rows;
  tty_.size(cols, rows);
  screen::ScreenState frame = screen.fitted(cols, rows);
  if (!notice_.empty()) screen::overlay_notice(frame, notice_);
  std::string out;
  display_.append(shown_.get(), frame, out);
  tty_.write(out);
  shown_ = std::make_unique<screen::ScreenState>(std::move(frame));
}

}  // namespace tandem
