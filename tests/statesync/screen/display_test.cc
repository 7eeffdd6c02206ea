// The display: a terminal fed initial(A) then diff(A, B) shows exactly B, and the
// bytes it takes are few.
#include "statesync/screen/display.h"

#include <gtest/gtest.h>

#include "statesync/screen/terminal.h"
#include "tests/statesync/screen/random_screen.h"
#include "tests/statesync/screen/screen_text.h"

namespace tandem::screen {
namespace {

using testing::random_frame;
using testing::random_input;
using testing::screen_text;

// Describes the first difference between two screens, for failure messages.
std::string first_difference(const ScreenState& got, const ScreenState& want) {
  if (got.cursor != want.cursor) {
    return "cursor " + std::to_string(got.cursor.x) + "," + std::to_string(got.cursor.y) + " want " +
           std::to_string(want.cursor.x) + "," + std::to_string(want.cursor.y);
  }
  if ((got.modes ^ want.modes) & mode::kDisplayed) return "modes";
  if (got.title != want.title) return "title '" + got.title + "' want '" + want.title + "'";
  for (int y = 0; y < want.rows(); ++y) {
    for (int x = 0; x < want.cols(); ++x) {
      if (!same_cell(got.fb.row(y), want.fb.row(y), x)) {
        const Cell& g = got.fb.row(y).cell(x);
        const Cell& w = want.fb.row(y).cell(x);
        char buf[200];
        std::snprintf(buf, sizeof buf, "cell %d,%d: got U+%X fg %x bg %x attrs %x w%d, want U+%X fg %x bg %x attrs %x w%d",
                      x, y, unsigned(g.ch), g.fg, g.bg, g.attrs, g.width, unsigned(w.ch), w.fg, w.bg, w.attrs, w.width);
        return buf;
      }
    }
  }
  return "none";
}

void expect_shows(const Terminal& t, const ScreenState& want, const std::string& context) {
  EXPECT_TRUE(same_display(t.state(), want)) << context << ": " << first_difference(t.state(), want);
}

TEST(Display, RandomFramesRoundTrip) {
  Display display;
  for (int seed = 0; seed < 300; ++seed) {
    std::mt19937 rng(seed);
    int cols = std::uniform_int_distribution<int>(1, 40)(rng);
    int rows = std::uniform_int_distribution<int>(1, 12)(rng);
    ScreenState a = random_frame(rng, cols, rows);
    ScreenState b = random_frame(rng, cols, rows);
    Terminal viewer(cols, rows);
    viewer.write(display.initial(a));
    expect_shows(viewer, a, "initial, seed " + std::to_string(seed));
    viewer.write(display.diff(a, b));
    expect_shows(viewer, b, "diff, seed " + std::to_string(seed));
  }
}

TEST(Display, RandomProgramOutputRoundTrips) {
  Display display;
  for (int seed = 0; seed < 200; ++seed) {
    std::mt19937 rng(seed);
    int cols = std::uniform_int_distribution<int>(2, 50)(rng);
    int rows = std::uniform_int_distribution<int>(2, 15)(rng);
    Terminal host(cols, rows);
    Terminal viewer(cols, rows);
    ScreenState shown = host.state();
    viewer.write(display.initial(shown));
    for (int step = 0; step < 8; ++step) {
      host.write(random_input(rng, 12, cols, rows));
      viewer.write(display.diff(shown, host.state()));
      shown = host.state();
      expect_shows(viewer, shown, "seed " + std::to_string(seed) + " step " + std::to_string(step));
      if (HasFailure()) return;
    }
  }
}

TEST(Display, ViewerInAnyStateIsResetByInitial) {
  Display display;
  std::mt19937 rng(7);
  ScreenState want = random_frame(rng, 30, 8);
  Terminal viewer(30, 8);
  viewer.write("\x1b[4h\x1b[?6h\x1b[3;5r\x1b(0\x1b[31;1mgarbage\x1b[?7l\x1b[?2004h");
  viewer.write(display.initial(want));
  expect_shows(viewer, want, "after garbage");
}

// The history a terminal holds from line `from` on, a row's text each. (A viewer of
// the same width holds the same rows; whether a row is marked as soft-wrapped is not
// compared: a row the display painted, not printed through, is not marked.)
std::vector<std::string> history_lines(const ScreenState& s, size_t from = 0) {
  std::vector<std::string> lines;
  for (size_t i = from; i < s.scrollback.size(); ++i) lines.push_back(s.scrollback.line(i)->text());
  return lines;
}

// What programs print between two frames: numbered lines (a few, or a flood of more
// than a screen), long lines that wrap, a status line under a scroll region, a
// full-screen program on the alternate screen, typing on the prompt.
std::string program_burst(std::mt19937& rng, int& n) {
  std::string out;
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0:
    case 1: {
      const int lines = std::uniform_int_distribution<int>(1, 40)(rng);
      for (int i = 0; i < lines; ++i, ++n) out += "\x1b[3" + std::to_string(n % 8) + "mline " + std::to_string(n) + "\x1b[m\r\n";
      break;
    }
    case 2:
      out += "long " + std::to_string(n++) + " " + std::string(std::uniform_int_distribution<int>(10, 70)(rng), 'w') +
             "\xe4\xb8\xad end\r\n";
      break;
    case 3:  // a status line on the last row; lines scroll above it
      out += "\x1b[1;5r\x1b[5;1H";
      for (int i = 0; i < 3; ++i) out += "\nregion " + std::to_string(n++);
      out += "\x1b[r\x1b[6;1Hstatus\x1b[5;1H\r\n";
      break;
    case 4:  // a full-screen program: its screen and scrolling stay out of the history
      out += "\x1b[?1049h\x1b[H\x1b[2Jvim " + std::to_string(n) + "\x1b[6;1H\n\n\nscrolled";
      if (std::uniform_int_distribution<int>(0, 1)(rng)) out += "\x1b[?1049l";
      break;
    default:
      out += "\x1b[?1049l$ typing";
      break;
  }
  return out;
}

TEST(Display, EveryHistoryLineReachesTheViewersScrollbackOnceAndInOrder) {
  Display display;
  for (int seed = 0; seed < 60; ++seed) {
    std::mt19937 rng(seed);
    Terminal session(24, 6);
    ScreenState shown = session.state();
    Terminal viewer(24, 6);
    viewer.write(display.initial(shown));
    const size_t own = viewer.state().scrollback.size();  // the viewer's own screen, pushed up
    int n = 0;
    for (int frame = 0; frame < 30; ++frame) {
      session.write(program_burst(rng, n));
      viewer.write(display.diff(shown, session.state()));
      shown = session.state();
      expect_shows(viewer, shown, "seed " + std::to_string(seed) + " frame " + std::to_string(frame));
    }
    ASSERT_EQ(history_lines(viewer.state(), own), history_lines(session.state())) << "seed " << seed;
  }
}

TEST(Display, AFreshViewerGetsTheHeldHistoryAndAResizeRepaintsWithoutRepeatingIt) {
  Display display;
  Terminal session(24, 6);
  for (int i = 0; i < 50; ++i) session.write("line " + std::to_string(i) + "\r\n");
  Terminal viewer(24, 6);
  viewer.write("$ ssh ...\r\n");
  viewer.write(display.initial(session.state()));
  std::vector<std::string> got = history_lines(viewer.state());
  ASSERT_GE(got.size(), 51u);
  EXPECT_EQ(got[0], "$ ssh ...");  // the viewer's own screen went up, not away
  got.erase(got.begin(), got.end() - 45);
  EXPECT_EQ(got, history_lines(session.state()));
  // The viewer's terminal changes size: its screen is repainted, its history kept as is.
  const ScreenState before = session.state();
  session.resize(30, 8);
  session.write("after\r\n");
  viewer.resize(30, 8);
  const size_t held = viewer.state().scrollback.size();
  std::string out;
  display.repaint(before, session.state(), out);
  viewer.write(out);
  expect_shows(viewer, session.state(), "repainted");
  const std::vector<std::string> now = history_lines(viewer.state(), held);
  const std::vector<std::string> want = history_lines(session.state());
  const size_t added = session.state().scrollback.total() - before.scrollback.total();
  EXPECT_EQ(now, std::vector<std::string>(want.end() - long(added), want.end()));
}

ScreenState full_screen(Terminal& t) {
  for (int y = 0; y < t.rows(); ++y) {
    t.write("\x1b[" + std::to_string(y + 1) + "H\x1b[3" + std::to_string(y % 8) + "m");
    for (int x = 0; x < t.cols(); ++x) t.write(std::string(1, char('a' + (x + y) % 26)));
  }
  t.write("\x1b[m\x1b[12;1H$ ");
  return t.state();
}

TEST(Display, TypingOneCharacterCostsOneByte) {
  Display display;
  Terminal t(80, 24);
  ScreenState before = full_screen(t);
  t.write("x");
  EXPECT_EQ(display.diff(before, t.state()), "x");
}

TEST(Display, TypingInColourCostsTheColourChange) {
  Display display;
  Terminal t(80, 24);
  ScreenState before = full_screen(t);
  t.write("\x1b[32mx\x1b[m");
  EXPECT_EQ(display.diff(before, t.state()), "\x1b[32mx\x1b[m");
}

TEST(Display, MovingTheCursorUsesTheShortestForm) {
  Display display;
  Terminal t(80, 24);
  ScreenState before = full_screen(t);  // cursor at column 2 of row 11
  t.write("\x1b[D");
  EXPECT_EQ(display.diff(before, t.state()), "\b");
  ScreenState b2 = t.state();
  t.write("\r");
  EXPECT_EQ(display.diff(b2, t.state()), "\r");
  ScreenState b3 = t.state();
  t.write("\x1b[1;1H");
  EXPECT_EQ(display.diff(b3, t.state()), "\x1b[H");
}

TEST(Display, ScrolledScreenIsReplayedAsAScroll) {
  Display display;
  Terminal t(80, 24);
  for (int i = 0; i < 30; ++i) t.write("line " + std::to_string(i) + "\r\n");
  ScreenState before = t.state();
  t.write("line 30\r\n");
  std::string bytes = display.diff(before, t.state());
  // A line feed at the bottom, so the line also enters the viewer's scrollback.
  EXPECT_EQ(bytes.substr(0, 2), "\r\n") << bytes;
  EXPECT_LT(bytes.size(), 24u) << bytes;
  Terminal viewer(80, 24);
  viewer.write(display.initial(before));
  viewer.write(bytes);
  expect_shows(viewer, t.state(), "scrolled");
}

TEST(Display, ScrollInsideARegionUsesMargins) {
  Display display;
  Terminal t(40, 10);
  for (int i = 0; i < 10; ++i) t.write("\x1b[" + std::to_string(i + 1) + "Hrow " + std::to_string(i));
  ScreenState before = t.state();
  t.write("\x1b[2;9r\x1b[9;1H\n\x1b[r\x1b[9;1Hnew");  // scrolls rows 2-9; a title and a status line stay
  std::string bytes = display.diff(before, t.state());
  EXPECT_NE(bytes.find("\x1b[2;9r"), std::string::npos) << bytes;
  EXPECT_LT(bytes.size(), 30u) << bytes;
  Terminal viewer(40, 10);
  viewer.write(display.initial(before));
  const uint64_t pushed = viewer.state().scrollback.total();  // the viewer's own screen went up
  viewer.write(bytes);
  expect_shows(viewer, t.state(), "region scroll");
  EXPECT_EQ(screen_text(viewer.state()).substr(0, 11), "row 0\nrow 2");
  EXPECT_EQ(viewer.state().scrollback.total(), pushed);  // a scroll below the top is no history
}

TEST(Display, ARegionFromTheTopScrollsItsLinesIntoTheViewersScrollback) {
  // A status line at the bottom (apt, a progress bar): the lines leaving the top are
  // history, as in a plain terminal; the status line is repainted, not the screen.
  Display display;
  Terminal t(40, 10);
  for (int i = 0; i < 10; ++i) t.write("\x1b[" + std::to_string(i + 1) + "Hrow " + std::to_string(i));
  ScreenState before = t.state();
  t.write("\x1b[1;9r\x1b[9;1H\n\x1b[r\x1b[9;1Hnew");
  ASSERT_EQ(t.state().scrollback.total(), 1u);
  std::string bytes = display.diff(before, t.state());
  EXPECT_LT(bytes.size(), 40u) << bytes;
  Terminal viewer(40, 10);
  viewer.write(display.initial(before));
  const size_t pushed = viewer.state().scrollback.size();
  viewer.write(bytes);
  expect_shows(viewer, t.state(), "region scroll");
  ASSERT_EQ(viewer.state().scrollback.size(), pushed + 1);
  EXPECT_EQ(viewer.state().scrollback.line(pushed)->text(), "row 0");
}

TEST(Display, ModesTitleAndCursorAreMirrored) {
  Display display;
  Terminal t(20, 5);
  ScreenState before = t.state();
  t.write("\x1b[?2004h\x1b[?1000;1006h\x1b[?1h\x1b=\x1b]2;hello\a\x1b[?25l\x1b[6 q");
  std::string bytes = display.diff(before, t.state());
  Terminal viewer(20, 5);
  viewer.write(display.initial(before));
  viewer.write(bytes);
  expect_shows(viewer, t.state(), "modes");
  EXPECT_NE(bytes.find("\x1b]2;hello\a"), std::string::npos);
  ScreenState on = t.state();
  t.write("\x1b[?2004l\x1b[?1000l\x1b>\x1b[?25h");
  viewer.write(display.diff(on, t.state()));
  expect_shows(viewer, t.state(), "modes off");
}

TEST(Display, ResizedFrameIsDrawnAfresh) {
  Display display;
  Terminal t(20, 5);
  t.write("hello");
  ScreenState small = t.state();
  t.resize(30, 8);
  t.write(" world");
  Terminal viewer(30, 8);
  viewer.write(display.diff(small, t.state()));
  expect_shows(viewer, t.state(), "resized");
}

TEST(Display, ErasedTailUsesEraseToEndOfLine) {
  Display display;
  Terminal t(80, 3);
  t.write("a long line of text that will be erased");
  ScreenState before = t.state();
  t.write("\x1b[3G\x1b[K");
  EXPECT_EQ(display.diff(before, t.state()), "\x1b[3G\x1b[K");
}

// ---- what the viewer's terminal can show ------------------------------------------

ScreenState after(int cols, int rows, std::string_view bytes) {
  Terminal t(cols, rows);
  t.write(bytes);
  return t.state();
}

TEST(DisplayCopies, TheClipboardGoesOutEachTimeTheProgramCopiesEvenTheSameText) {
  DisplayOptions options;
  options.clipboard = true;
  Display display(options);
  Terminal host(20, 3);
  const ScreenState a = host.state();
  host.write("\x1b]52;c;aGk=\a");
  const ScreenState b = host.state();
  host.write("\x1b]52;c;aGk=\a");
  const ScreenState c = host.state();
  EXPECT_NE(display.diff(a, b).find("\x1b]52;c;aGk=\a"), std::string::npos);
  EXPECT_NE(display.diff(b, c).find("\x1b]52;c;aGk=\a"), std::string::npos);
  EXPECT_EQ(display.diff(c, c).find("\x1b]52"), std::string::npos);
  // Not to a fresh viewer (it did not see the copy), nor where the options say no.
  EXPECT_EQ(display.initial(c).find("\x1b]52"), std::string::npos);
  EXPECT_EQ(Display().diff(a, b).find("\x1b]52"), std::string::npos);
}

TEST(DisplayCopies, TheWorkingDirectoryGoesOutWhenItChanges) {
  DisplayOptions options;
  options.cwd = true;
  const ScreenState a = after(20, 3, "\x1b]7;file://box/tmp\a");
  const ScreenState b = after(20, 3, "\x1b]7;file://box/home\a");
  EXPECT_NE(Display(options).diff(a, b).find("\x1b]7;file://box/home\x1b\\"), std::string::npos);
  EXPECT_EQ(Display(options).diff(b, b).find("\x1b]7"), std::string::npos);
  EXPECT_EQ(Display().diff(a, b).find("\x1b]7"), std::string::npos);
}

TEST(DisplayColours, AreBroughtDownToWhatTheTerminalHas) {
  EXPECT_EQ(reduce_color(rgb_color(255, 0, 0), kTrueColor), rgb_color(255, 0, 0));
  EXPECT_EQ(reduce_color(rgb_color(255, 0, 0), 256), indexed_color(196));
  EXPECT_EQ(reduce_color(rgb_color(128, 128, 128), 256), indexed_color(244));
  EXPECT_EQ(reduce_color(rgb_color(255, 0, 0), 16), indexed_color(9));
  EXPECT_EQ(reduce_color(indexed_color(196), 16), indexed_color(9));
  EXPECT_EQ(reduce_color(indexed_color(21), 16), indexed_color(4));
  EXPECT_EQ(reduce_color(indexed_color(9), 8), indexed_color(1));
  EXPECT_EQ(reduce_color(kDefaultColor, 8), kDefaultColor);

  const ScreenState s = after(30, 2, "\x1b[38;2;255;0;0;48;2;0;0;238mtrue\x1b[38;5;196mindexed\x1b[4:3;58;2;1;2;3mcurly");
  DisplayOptions o256;
  o256.colors = 256;
  o256.styled_underline = false;
  o256.underline_color = false;
  const std::string bytes = Display(o256).initial(s);
  EXPECT_EQ(bytes.find("38;2;"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.find("48;2;"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.find("58;"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.find("4:3"), std::string::npos) << bytes;
  Terminal viewer(30, 2);
  viewer.write(bytes);
  const Row& row = viewer.state().fb.row(0);
  EXPECT_EQ(row.cell(0).fg, indexed_color(196));
  EXPECT_EQ(row.cell(0).bg, indexed_color(21));
  EXPECT_EQ(attr::underline_style(row.cell(11).attrs), 1);
  EXPECT_EQ(screen_text(viewer.state()), "trueindexedcurly");

  DisplayOptions o16 = o256;
  o16.colors = 16;
  const std::string basic = Display(o16).initial(s);
  EXPECT_EQ(basic.find("38;5;"), std::string::npos) << basic;
  EXPECT_EQ(basic.find("48;5;"), std::string::npos) << basic;
  Terminal viewer16(30, 2);
  viewer16.write(basic);
  EXPECT_EQ(viewer16.state().fb.row(0).cell(0).fg, indexed_color(9));
  EXPECT_EQ(viewer16.state().fb.row(0).cell(0).bg, indexed_color(4));
}

TEST(DisplayExtras, UnderlineColoursAndHyperlinksReachATerminalThatShowsThem) {
  const ScreenState a = after(30, 2, "");
  const ScreenState b = after(30, 2,
                              "\x1b[4;58;5;99mul\x1b[m \x1b]8;id=d;https://example.org/\x1b\\link\x1b]8;;\x1b\\ "
                              "\x1b]8;;https://x.org/\x1b\\x\x1b]8;;\x1b\\");
  const std::string bytes = Display().diff(a, b);
  EXPECT_NE(bytes.find("58;5;99"), std::string::npos) << bytes;
  EXPECT_NE(bytes.find("\x1b]8;id=d;https://example.org/\x1b\\link\x1b]8;;\x1b\\"), std::string::npos) << bytes;
  Terminal viewer(30, 2);
  viewer.write(Display().initial(a));
  viewer.write(bytes);
  expect_shows(viewer, b, "extras");
  // Changing only a link's target redraws the cells.
  const ScreenState c = after(30, 2,
                              "\x1b[4;58;5;99mul\x1b[m \x1b]8;id=d;https://example.org/other\x1b\\link\x1b]8;;\x1b\\ "
                              "\x1b]8;;https://x.org/\x1b\\x\x1b]8;;\x1b\\");
  viewer.write(Display().diff(b, c));
  expect_shows(viewer, c, "changed link");

  DisplayOptions plain;
  plain.underline_color = false;
  plain.hyperlinks = false;
  const std::string none = Display(plain).diff(a, b);
  EXPECT_EQ(none.find("58;"), std::string::npos) << none;
  EXPECT_EQ(none.find("\x1b]8"), std::string::npos) << none;
}

// A ZWJ family backspaced over and overwritten: the display never sends a joiner that
// a viewer's terminal could use to draw two cells' characters in one place, and the
// viewer shows exactly what the emulator has.
TEST(DisplayExtras, AZwjSequenceRedrawnWithBackspacesLeavesNoStaleCells) {
  Display display;
  Terminal host(12, 2);
  Terminal viewer(12, 2);
  ScreenState shown = host.state();
  viewer.write(display.initial(shown));
  for (std::string_view step : {"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7", "\b\b",
                                "X", "\r\x1b[K\xf0\x9f\x91\xa9\xe2\x80\x8d", "\xf0\x9f\x91\xa7", "\b\bab"}) {
    host.write(step);
    const std::string bytes = display.diff(shown, host.state());
    EXPECT_EQ(bytes.find("\xe2\x80\x8d"), std::string::npos) << "step " << ::testing::PrintToString(step);
    viewer.write(bytes);
    shown = host.state();
    expect_shows(viewer, shown, "after a step");
  }
  EXPECT_EQ(screen_text(viewer.state()), "\xf0\x9f\x91\xa9" "ab");
}

TEST(OverlayNotice, OffTheCursorLiesOnTheBottomRowOrJustAboveTheCursorWhenItIsThere) {
  constexpr NoticeRow kOff = NoticeRow::kOffTheCursor;
  Terminal t(40, 5);
  t.write("one\r\ntwo");
  ScreenState s = t.state();
  EXPECT_EQ(overlay_notice(s, "tandem: read-write", kOff), 4);
  EXPECT_EQ(s.fb.row(4).text().substr(0, 19), " tandem: read-write");
  t.write("\r\n\r\n\r\n$ typed");  // the prompt on the bottom row
  s = t.state();
  ASSERT_EQ(s.cursor.y, 4);
  EXPECT_EQ(overlay_notice(s, "tandem: read-write", kOff), 3);
  EXPECT_EQ(s.fb.row(4).text().substr(0, 7), "$ typed");
  EXPECT_EQ(s.fb.row(3).text().substr(0, 19), " tandem: read-write");
  Terminal one_row(40, 1);  // nowhere else to go
  s = one_row.state();
  EXPECT_EQ(overlay_notice(s, "tandem", kOff), 0);
}

TEST(OverlayNotice, LastWordsAlwaysLieOnTheBottomRowWhereTandemJoinReadsThem) {
  Terminal t(40, 3);
  t.write("\r\n\r\n$ ");
  ScreenState s = t.state();
  ASSERT_EQ(s.cursor.y, 2);
  EXPECT_EQ(overlay_notice(s, "[tandem: the host removed you]"), 2);
}

}  // namespace
}  // namespace tandem::screen
