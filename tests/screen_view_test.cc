// Where notices go over a frame: the bottom rows, or just above the cursor when it is
// on those; never over the row the cursor is on.
#include "src/screen_view.h"

#include <gtest/gtest.h>

#include "statesync/screen/terminal.h"

namespace tandem {
namespace {

std::string row_text(const screen::ScreenState& s, int y) {
  std::string out;
  for (int x = 0; x < s.cols(); ++x) out += char(s.fb.row(y).cell(x).ch);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

screen::ScreenState with_cursor_on(int row) {
  screen::Terminal t(40, 10, 0);
  for (int i = 0; i < row; ++i) t.write("\r\n");
  t.write("$ ");
  return t.state();
}

TEST(OverlayNotices, GoOverTheBottomRowsWhenTheCursorIsHigher) {
  screen::ScreenState s = with_cursor_on(2);
  const auto [top, n] = overlay_notices(s, {"one", "two"});
  EXPECT_EQ(top, 8);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(row_text(s, 8), " one");
  EXPECT_EQ(row_text(s, 9), " two");
  EXPECT_EQ(row_text(s, 2), "$");
}

TEST(OverlayNotices, GoJustAboveTheCursorWhenItIsOnTheBottomRows) {
  screen::ScreenState s = with_cursor_on(9);
  const auto [top, n] = overlay_notices(s, {"one", "two", "three"});
  EXPECT_EQ(top, 6);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(row_text(s, 6), " one");
  EXPECT_EQ(row_text(s, 8), " three");
  EXPECT_EQ(row_text(s, 9), "$");  // the program's last row, where the cursor is, is whole
  EXPECT_EQ(row_text(s, 0), "");   // the top row, bound for the terminal's history, is the program's
}

TEST(OverlayNotices, NeverCoverTheCursorRowOnAShortFrame) {
  for (int rows = 1; rows <= 6; ++rows) {
    for (int cursor = 0; cursor < rows; ++cursor) {
      screen::Terminal t(20, rows, 0);
      for (int i = 0; i < cursor; ++i) t.write("\r\n");
      t.write("$");
      screen::ScreenState s = t.state();
      const auto [top, n] = overlay_notices(s, {"a", "b", "c"});
      EXPECT_TRUE(cursor < top || cursor >= top + n) << rows << " rows, cursor on " << cursor;
      EXPECT_EQ(row_text(s, cursor), "$");
    }
  }
}

TEST(OverlayNotices, UntrustedTextIsShownPrintable) {
  screen::ScreenState s = with_cursor_on(0);
  overlay_notices(s, {"a\x1b[2Jb"});
  EXPECT_EQ(row_text(s, 9), " a?[2Jb");
}

}  // namespace
}  // namespace tandem
