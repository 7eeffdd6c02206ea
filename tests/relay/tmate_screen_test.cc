// What a tmate host's panes look like to tandem mates: the active window, borders
// between panes, the status line, copy mode's output view.
#include <gtest/gtest.h>

#include "relay/tmate/tmate_screen.h"

namespace tandem::relay {
namespace {

using namespace tmate::out;

std::string text(const screen::ScreenState& s, int y) {
  std::string out;
  const screen::Row& row = s.fb.row(y);
  for (int x = 0; x < row.cols(); ++x) {
    const char32_t c = row.cell(x).ch;
    if (row.cell(x).width == 0) continue;
    if (c < 0x80) {
      out += char(c);
    } else if (c == U'│') {
      out += '|';
    } else if (c == U'─') {
      out += '-';
    } else {
      out += '?';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

TEST(TmateScreen, OnePaneIsTheWholeScreenWithItsHistoryAndAStatusLine) {
  TmateScreen t(100);
  t.layout(SyncLayout{20, 4, {{0, "bash", {{7, 20, 4, 0, 0}}, 7}}, 0});
  t.pty_data(7, "one\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix");
  screen::ScreenState s = t.compose();
  EXPECT_EQ(s.cols(), 20);
  EXPECT_EQ(s.rows(), 5);
  EXPECT_EQ(text(s, 0), "three");
  EXPECT_EQ(text(s, 3), "six");
  EXPECT_EQ(text(s, 4), "[tmate] 0:bash*");
  EXPECT_EQ(s.scrollback.size(), 2u);  // one and two, for mates to scroll back to
  EXPECT_EQ(s.cursor.y, 3);
  EXPECT_EQ(s.cursor.x, 3);
  EXPECT_EQ(s.history, t.compose().history);  // the same history each time
}

TEST(TmateScreen, SplitPanesShowSideBySideWithABorder) {
  TmateScreen t(100);
  t.layout(SyncLayout{21, 3, {{0, "bash", {{1, 10, 3, 0, 0}, {2, 10, 3, 11, 0}}, 2}, {1, "vim", {{3, 21, 3, 0, 0}}, 3}}, 0});
  t.pty_data(1, "left");
  t.pty_data(2, "right");
  t.pty_data(3, "other window");
  screen::ScreenState s = t.compose();
  EXPECT_EQ(text(s, 0), "left      |right");
  EXPECT_EQ(text(s, 3), "[tmate] 0:bash* 1:vim");
  EXPECT_EQ(s.cursor.x, 11 + 5);  // the active pane's cursor
  t.layout(SyncLayout{21, 3, {{0, "bash", {{1, 10, 3, 0, 0}, {2, 10, 3, 11, 0}}, 2}, {1, "vim", {{3, 21, 3, 0, 0}}, 3}}, 1});
  EXPECT_EQ(text(t.compose(), 0), "other window");
}

TEST(TmateScreen, StackedPanesHaveALineBetween) {
  TmateScreen t(0);
  t.layout(SyncLayout{8, 5, {{0, "sh", {{1, 8, 2, 0, 0}, {2, 8, 2, 0, 3}}, 1}}, 0});
  t.pty_data(1, "top");
  t.pty_data(2, "bottom");
  screen::ScreenState s = t.compose();
  EXPECT_EQ(text(s, 0), "top");
  EXPECT_EQ(text(s, 2), "--------");
  EXPECT_EQ(text(s, 3), "bottom");
}

TEST(TmateScreen, CopyModesOutputViewShowsTmatesMessagesUntilItEnds) {
  TmateScreen t(0);
  t.layout(SyncLayout{40, 3, {{0, "bash", {{0, 40, 3, 0, 0}}, 0}}, 0});
  t.pty_data(0, "$ ");
  t.write_copy_mode(0, "Tip: run tmate -F");
  t.write_copy_mode(0, "ssh session: ssh x@y");
  screen::ScreenState s = t.compose();
  EXPECT_EQ(text(s, 0).substr(0, 17), "Tip: run tmate -F");
  EXPECT_EQ(text(s, 1), "ssh session: ssh x@y");
  SyncCopyMode off;
  off.pane = 0;
  t.copy_mode(off);
  EXPECT_EQ(text(t.compose(), 0), "$");
}

TEST(TmateScreen, InCopyModeMatesSeeWhereTheHostLooks) {
  TmateScreen t(100);
  t.layout(SyncLayout{20, 3, {{0, "bash", {{0, 20, 3, 0, 0}}, 0}}, 0});
  t.pty_data(0, "1\r\n2\r\n3\r\n4\r\n5\r\n6");
  SyncCopyMode copy;
  copy.pane = 0;
  copy.on = true;
  copy.oy = 2;  // two lines up: 2, 3 from history, then 4 of the screen
  t.copy_mode(copy);
  screen::ScreenState s = t.compose();
  EXPECT_EQ(text(s, 0).substr(0, 1), "2");
  EXPECT_NE(text(s, 0).find("[2/3]"), std::string::npos);
  EXPECT_EQ(text(s, 1), "3");
  EXPECT_EQ(text(s, 2), "4");
  copy.on = false;
  t.copy_mode(copy);
  EXPECT_EQ(text(t.compose(), 0), "4");
}

TEST(TmateScreen, ASnapshotBringsBackThePaneWithItsColoursAndWideCharacters) {
  TmateScreen t(100);
  t.layout(SyncLayout{10, 2, {{0, "bash", {{0, 10, 2, 0, 0}}, 0}}, 0});
  SnapshotPane p;
  p.id = 0;
  p.cx = 2;
  p.cy = 1;
  p.lines.push_back({"old", {0x0808, 0x0808, 0x0808}});
  // "red" in red (fg 1), then a wide character (its second cell is padding, flag 4).
  p.lines.push_back({"red\xe6\xbc\xa2", {0x0801, 0x0801, 0x0801, 0x0808, 0x04000808}});
  p.lines.push_back({"", {}});
  t.snapshot(Snapshot{{p}});
  screen::ScreenState s = t.compose();
  EXPECT_EQ(text(s, 0), "red?");
  EXPECT_EQ(s.fb.row(0).cell(0).fg, screen::indexed_color(1));
  EXPECT_EQ(s.fb.row(0).cell(3).ch, U'漢');
  EXPECT_EQ(s.scrollback.size(), 1u);
  EXPECT_EQ(s.cursor.x, 2);
  EXPECT_EQ(s.cursor.y, 1);
}

TEST(TmateScreen, SurvivesLayoutsOfAnySize) {
  TmateScreen t(10);
  t.layout(SyncLayout{0, 0, {{0, "", {{5, 0, 0, 9999, 9999}}, 5}}, 0});
  t.pty_data(5, "x");
  t.compose();
  t.layout(SyncLayout{3, 2, {{0, "w", {{5, 90, 90, 1, 1}}, 77}}, 4});
  t.pty_data(6, "unknown pane");
  EXPECT_EQ(t.compose().rows(), 3);
}

}  // namespace
}  // namespace tandem::relay
