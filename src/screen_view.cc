#include "src/screen_view.h"

namespace tandem {

void ScreenView::draw(const screen::ScreenState& screen) {
  int cols, rows;
  tty_.size(cols, rows);
  screen::ScreenState frame = screen.fitted(cols, rows);
  if (!notice_.empty()) {
    // The notice takes the bottom row of this frame only, in reverse video.
    auto row = std::make_shared<screen::Row>(cols, screen::Cell{U' ', 0, 0, screen::attr::kInverse, 1, 0});
    const std::string text = " " + notice_;
    for (size_t i = 0; i < text.size() && int(i) < cols; ++i) {
      unsigned char ch = static_cast<unsigned char>(text[i]);
      row->at(int(i)).ch = ch >= 0x20 && ch < 0x7F ? ch : U'?';
    }
    frame.fb.set_row(rows - 1, std::move(row));
  }
  std::string out;
  display_.append(shown_.get(), frame, out);
  tty_.write(out);
  shown_ = std::make_unique<screen::ScreenState>(std::move(frame));
}

}  // namespace tandem
