// A view smaller than the session follows the cursor as tmux 3 pans (issue 12, point
// 1): the origin moves only when the cursor would leave the view; a larger view shows
// the whole session and its edge. Windows keep characters whole.
#include "statesync/screen/viewport.h"

#include <gtest/gtest.h>

#include "statesync/screen/display.h"
#include "tests/statesync/screen/screen_text.h"

namespace tandem::screen {
namespace {

using testing::run;
using testing::screen_lines;

// A 40x10 session that printed `n` numbered lines: the cursor is on the last row.
Terminal numbered(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += "line " + std::to_string(i) + "\r\n";
  out += "$ ";
  return run(40, 10, out);
}

TEST(Viewport, ASmallerViewShowsWhereTheCursorIs) {
  Terminal t = numbered(30);
  Viewport v;
  const ScreenState f = v.frame(t.state(), 40, 4);
  EXPECT_TRUE(v.partial());
  EXPECT_EQ(v.describe(), "view 40x4 of 40x10");
  EXPECT_EQ(screen_lines(f), (std::vector<std::string>{"line 28", "line 29", "line 30", "$"}));
  EXPECT_EQ(f.cursor.y, 3);
  EXPECT_EQ(f.cursor.x, 2);
}

TEST(Viewport, TheViewMovesOnlyWhenTheCursorWouldLeaveIt) {
  Terminal t = numbered(30);
  Viewport v;
  v.frame(t.state(), 40, 4);
  EXPECT_EQ(v.y(), 6);
  t.write("\x1b[8;1H");  // the cursor goes up, still inside the view (rows 6-9)
  v.frame(t.state(), 40, 4);
  EXPECT_EQ(v.y(), 6);
  t.write("\x1b[2;1H");  // above it: the view follows, just far enough
  v.frame(t.state(), 40, 4);
  EXPECT_EQ(v.y(), 1);
  t.write("\x1b[4;1H");
  v.frame(t.state(), 40, 4);
  EXPECT_EQ(v.y(), 1);
}

TEST(Viewport, ANarrowerViewPansSidewaysAndKeepsWideCharactersWhole) {
  Terminal t = run(40, 3, std::string(30, '.') + "\xe4\xb8\xad\xe6\x96\x87 end");  // 中文 at columns 30-33
  Viewport v;
  const ScreenState f = v.frame(t.state(), 10, 3);
  EXPECT_EQ(v.x(), 29);  // the cursor (column 38) is inside, at the view's right edge
  EXPECT_EQ(screen_lines(f)[0], ".\xe4\xb8\xad\xe6\x96\x87 end");
  EXPECT_EQ(f.cursor.x, 9);
  // A window that cuts a wide character shows a blank for the half it has.
  const ScreenState cut = t.state().window(31, 0, 4, 3);
  EXPECT_EQ(screen_lines(cut)[0], " \xe6\x96\x87");
  // Whatever the window, the display draws it faithfully.
  Terminal viewer(10, 3);
  viewer.write(Display().initial(f));
  EXPECT_TRUE(same_display(viewer.state(), f));
}

TEST(Viewport, SidewaysTheViewReturnsToTheLeftEdgeWhenTheCursorFitsThere) {
  // A long command line pans the view right; the next frame already shows the output
  // and a new prompt (the carriage returns fell between frames): it is seen whole.
  Terminal t = run(40, 4, "$ " + std::string(30, 'x'));
  Viewport v;
  v.frame(t.state(), 20, 4);
  EXPECT_EQ(v.x(), 13);
  t.write("\r\nfrom-2-host\r\n$ ");
  const ScreenState f = v.frame(t.state(), 20, 4);
  EXPECT_EQ(v.x(), 0);
  EXPECT_EQ(screen_lines(f)[1], "from-2-host");
  // Past the view's width the tmux rule holds: no jump while the cursor stays inside.
  t.write(std::string(25, 'y'));  // column 27
  v.frame(t.state(), 20, 4);
  EXPECT_EQ(v.x(), 8);
  t.write("\b\b\b");  // column 24: still inside [8, 28)
  v.frame(t.state(), 20, 4);
  EXPECT_EQ(v.x(), 8);
}

TEST(Viewport, AShorterViewsHistoryEndsWithTheRowsAboveIt) {
  Terminal t = numbered(30);  // 21 lines in the scrollback, "line 22".."line 30" and "$" on screen
  Viewport v;
  ScreenState f = v.frame(t.state(), 40, 4);
  ASSERT_EQ(f.scrollback.total(), t.state().scrollback.total() + 6);
  EXPECT_EQ(f.scrollback.line(f.scrollback.size() - 1)->text(), "line 27");
  // A full-screen program: the rows above stay counted, so that leaving it adds none.
  const uint64_t before = f.scrollback.total();
  t.write("\x1b[?1049h\x1b[Hvim");
  EXPECT_EQ(v.frame(t.state(), 40, 4).scrollback.total(), before);
  t.write("\x1b[?1049l");
  EXPECT_EQ(v.frame(t.state(), 40, 4).scrollback.total(), before);
}

// What a shorter view's terminal keeps in its scrollback, drawn frame by frame.
std::vector<std::string> viewer_history(Terminal& session, Viewport& v, Display& d, Terminal& viewer,
                                        std::optional<ScreenState>& shown, int rows) {
  ScreenState f = v.frame(session.state(), 40, rows);
  std::string out;
  d.append(shown ? &*shown : nullptr, f, out);
  viewer.write(out);
  shown = f;
  shown->scrollback.clear();
  std::vector<std::string> lines;
  const ScreenState seen = viewer.state();
  for (size_t i = 0; i < seen.scrollback.size(); ++i) lines.push_back(seen.scrollback.line(i)->text());
  for (const std::string& line : screen_lines(seen)) lines.push_back(line);
  return lines;
}

TEST(Viewport, RowsAboveTheViewThatAreWrittenAnewReachItsHistory) {
  // `clear; seq` on a taller session whose cursor was at the bottom: the rows above the
  // view are new lines though the view did not move (found by a user: a mate lost the
  // first lines), and moving back over counted rows does not count them twice.
  Terminal t = numbered(30);
  Terminal viewer(40, 4, 1000);
  Viewport v;
  Display d;
  std::optional<ScreenState> shown;
  viewer_history(t, v, d, viewer, shown, 4);
  std::string out = "\x1b[H\x1b[2J";
  for (int i = 301; i <= 308; ++i) out += std::to_string(i) + "\r\n";
  t.write(out + "$ ");
  std::vector<std::string> seen = viewer_history(t, v, d, viewer, shown, 4);
  std::vector<std::string> numbers;
  for (const std::string& line : seen) {
    if (line.size() == 3 && line[0] == '3') numbers.push_back(line);
  }
  EXPECT_EQ(numbers, (std::vector<std::string>{"301", "302", "303", "304", "305", "306", "307", "308"}));
  // Up to the top and back down: nothing new, nothing twice.
  t.write("\x1b[H");
  viewer_history(t, v, d, viewer, shown, 4);
  t.write("\x1b[10;3H");
  seen = viewer_history(t, v, d, viewer, shown, 4);
  numbers.clear();
  for (const std::string& line : seen) {
    if (line.size() == 3 && line[0] == '3') numbers.push_back(line);
  }
  EXPECT_EQ(numbers, (std::vector<std::string>{"301", "302", "303", "304", "305", "306", "307", "308"}));
  // Cleared, then enough lines to scroll the session: the lines pushed are new, not the
  // counted rows the clear erased.
  out = "\x1b[H\x1b[2J";
  for (int i = 401; i <= 420; ++i) out += std::to_string(i) + "\r\n";
  t.write(out + "$ ");
  seen = viewer_history(t, v, d, viewer, shown, 4);
  numbers.clear();
  for (const std::string& line : seen) {
    if (line.size() == 3 && line[0] == '4') numbers.push_back(line);
  }
  std::vector<std::string> want;
  for (int i = 401; i <= 420; ++i) want.push_back(std::to_string(i));
  EXPECT_EQ(numbers, want);
}

TEST(Viewport, ALargerViewShowsTheWholeSessionAndItsEdge) {
  Terminal t = numbered(30);
  Viewport v;
  const ScreenState f = v.frame(t.state(), 60, 20);
  EXPECT_FALSE(v.partial());
  EXPECT_EQ(v.x(), 0);
  EXPECT_EQ(v.y(), 0);
  EXPECT_EQ(f.rows(), 20);
  EXPECT_EQ(screen_lines(f)[9], "$");
  EXPECT_EQ(screen_lines(f)[10], "");
}

}  // namespace
}  // namespace tandem::screen
