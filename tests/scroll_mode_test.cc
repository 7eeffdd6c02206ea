// tandem join's scroll mode: the session's history and screen a screenful at a time,
// paged and searched with the keys a terminal sends, drawn with a status line.
#include "src/scroll_mode.h"

#include <gtest/gtest.h>

#include "statesync/screen/display.h"
#include "statesync/screen/terminal.h"

namespace tandem {
namespace {

using screen::ScreenState;
using screen::Terminal;

// A 40x10 session after `seq 1 200` and a prompt.
ScreenState session() {
  Terminal t(40, 10, 1000);
  std::string out;
  for (int i = 1; i <= 200; ++i) out += std::to_string(i) + "\r\n";
  t.write(out + "$ ");
  return t.state();
}

std::vector<std::string> rows(const ScreenState& f) {
  std::vector<std::string> out;
  for (int y = 0; y < f.rows(); ++y) out.push_back(f.fb.row(y).text());
  return out;
}

TEST(ScrollMode, StartsAtTheBottomAndPagesUpAndDown) {
  ScrollMode m(session());
  EXPECT_EQ(m.lines(), 201u);  // 191 held lines, 9 on screen and the prompt
  const ScreenState& f = m.frame(40, 10);
  EXPECT_EQ(rows(f).front(), "193");
  EXPECT_EQ(rows(f)[8], "$");
  EXPECT_NE(rows(f)[9].find("scroll: lines 193-201 of 201"), std::string::npos) << rows(f)[9];
  EXPECT_TRUE(m.key("\x1b[5~"));  // PgUp
  EXPECT_EQ(rows(m.frame(40, 10)).front(), "184");
  EXPECT_TRUE(m.key("\x1bOA"));  // Up, in application cursor mode
  EXPECT_EQ(rows(m.frame(40, 10)).front(), "183");
  EXPECT_TRUE(m.key("g"));
  EXPECT_EQ(rows(m.frame(40, 10)).front(), "1");
  EXPECT_TRUE(m.key("k"));  // nothing above the oldest line
  EXPECT_EQ(m.top(), 0);
  EXPECT_TRUE(m.key("\x06\x06"));  // Ctrl-f twice
  EXPECT_EQ(rows(m.frame(40, 10)).front(), "19");
  EXPECT_TRUE(m.key("G"));
  EXPECT_EQ(rows(m.frame(40, 10)).front(), "193");
  EXPECT_FALSE(m.key("q"));
}

TEST(ScrollMode, SearchesTowardsOlderLinesAndBack) {
  ScrollMode m(session());
  m.frame(40, 10);
  EXPECT_TRUE(m.key("/12"));
  EXPECT_EQ(rows(m.frame(40, 10))[9].substr(0, 4), " /12");
  EXPECT_TRUE(m.key("\r"));  // the newest line with 12 above the view: 129
  const ScreenState& f = m.frame(40, 10);
  const std::vector<std::string> shown = rows(f);
  const auto at = std::find(shown.begin(), shown.end(), "129");
  ASSERT_NE(at, shown.end());
  // The match is shown in reverse video.
  const int y = int(at - shown.begin());
  EXPECT_TRUE(f.fb.row(y).cell(0).attrs & screen::attr::kInverse);
  EXPECT_TRUE(f.fb.row(y).cell(1).attrs & screen::attr::kInverse);
  EXPECT_FALSE(f.fb.row(y).cell(2).attrs & screen::attr::kInverse);
  EXPECT_TRUE(m.key("n"));  // the next older: 128
  std::vector<std::string> now = rows(m.frame(40, 10));
  EXPECT_NE(std::find(now.begin(), now.end(), "128"), now.end());
  EXPECT_TRUE(m.key("/nowhere\r"));
  EXPECT_NE(rows(m.frame(40, 10))[9].find("no older line has 'nowhere'"), std::string::npos);
  EXPECT_TRUE(m.key("/x\x1b"));  // Esc while typing drops the search, not the mode
  EXPECT_FALSE(m.key("\x1b"));   // then it leaves
}

TEST(ScrollMode, AnUnchangedViewIsTheSameFrameAndDrawsNothing) {
  ScrollMode m(session());
  screen::Display display;
  const ScreenState first = m.frame(40, 10);
  const ScreenState again = m.frame(40, 10);
  EXPECT_EQ(display.diff(first, again), "");
  // A page up redraws rows; the viewer then shows exactly the frame.
  Terminal viewer(40, 10);
  viewer.write(display.initial(first));
  m.key("\x02");
  const ScreenState paged = m.frame(40, 10);
  viewer.write(display.diff(first, paged));
  EXPECT_TRUE(same_display(viewer.state(), paged));
}

}  // namespace
}  // namespace tandem
