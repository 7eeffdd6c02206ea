// The terminal emulator, escape family by escape family, with the expected screens
// written out.
#include "statesync/screen/terminal.h"

#include <gtest/gtest.h>

#include "proto/screen.pb.h"
#include "tests/statesync/screen/screen_text.h"

namespace tandem::screen {
namespace {

using testing::run;
using testing::screen_lines;
using testing::screen_text;
using Lines = std::vector<std::string>;

CursorState at(int x, int y) { return CursorState{x, y, true, 0}; }

// ---- text, wrapping, C0 -----------------------------------------------------------

TEST(TerminalText, PrintsAndAdvances) {
  Terminal t = run(10, 3, "hello");
  EXPECT_EQ(screen_text(t.state()), "hello");
  EXPECT_EQ(t.state().cursor, at(5, 0));
}

TEST(TerminalText, WrapsAtTheRightEdgeOnlyWhenTheNextCharacterComes) {
  Terminal t = run(5, 3, "abcde");
  EXPECT_EQ(t.state().cursor, at(4, 0));  // pending wrap: still on the last column
  t.write("f");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abcde", "f", ""}));
  EXPECT_TRUE(t.state().fb.row(0).wrapped);
  EXPECT_FALSE(t.state().fb.row(1).wrapped);
}

TEST(TerminalText, CarriageReturnCancelsThePendingWrap) {
  Terminal t = run(5, 3, "abcde\rX");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"Xbcde", "", ""}));
}

TEST(TerminalText, WithoutAutowrapTheLastColumnIsOverwritten) {
  Terminal t = run(5, 2, "\x1b[?7labcdefg");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abcdg", ""}));
}

TEST(TerminalText, LineFeedAtTheBottomScrollsIntoScrollback) {
  Terminal t = run(10, 3, "1\r\n2\r\n3\r\n4\r\n5");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"3", "4", "5"}));
  ASSERT_EQ(t.state().scrollback.size(), 2u);
  EXPECT_EQ(t.state().scrollback.line(0)->text(), "1");
  EXPECT_EQ(t.state().scrollback.line(1)->text(), "2");
}

TEST(TerminalText, ScrollbackIsBounded) {
  Terminal t(10, 2, 3);
  for (int i = 0; i < 20; ++i) t.write(std::to_string(i) + "\r\n");
  EXPECT_EQ(t.state().scrollback.size(), 3u);
  EXPECT_EQ(t.state().scrollback.total(), 19u);
  EXPECT_EQ(t.state().scrollback.line(0)->text(), "16");
  EXPECT_EQ(t.state().scrollback.line(2)->text(), "18");
}

TEST(TerminalText, BackspaceTabAndBell) {
  Terminal t = run(20, 2, "abc\b\bX\tY\a\a");
  EXPECT_EQ(screen_text(t.state()), "aXc     Y");
  EXPECT_EQ(t.state().bell_count, 2u);
}

TEST(TerminalText, TabStopsCanBeSetAndCleared) {
  // All stops cleared, one set at column 4; then that one cleared too, so a tab goes to the edge.
  Terminal t = run(30, 2, "\x1b[3g\x1b[5G\x1bH\r\tA\x1b[5G\x1b[g\r\tB");
  EXPECT_EQ(screen_text(t.state()), std::string(4, ' ') + "A" + std::string(24, ' ') + "B");
}

TEST(TerminalText, ForwardAndBackwardTabulation) {
  Terminal t = run(40, 1, "\x1b[2IA\x1b[2ZB");
  EXPECT_EQ(screen_text(t.state()), std::string(8, ' ') + "B" + std::string(7, ' ') + "A");
}

TEST(TerminalText, WideCharactersTakeTwoCells) {
  Terminal t = run(10, 2, "\xe4\xb8\xad\xe6\x96\x87!");
  EXPECT_EQ(screen_text(t.state()), "\xe4\xb8\xad\xe6\x96\x87!");
  EXPECT_EQ(t.state().fb.row(0).cell(0).width, 2);
  EXPECT_EQ(t.state().fb.row(0).cell(1).width, 0);
  EXPECT_EQ(t.state().cursor, at(5, 0));
}

TEST(TerminalText, WideCharacterThatDoesNotFitWrapsWhole) {
  Terminal t = run(5, 2, "abcd\xe4\xb8\xad");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abcd", "\xe4\xb8\xad"}));
}

TEST(TerminalText, OverwritingHalfAWideCharacterBlanksTheOtherHalf) {
  Terminal t = run(10, 1, "\xe4\xb8\xad\xe6\x96\x87\x1b[2GX");
  EXPECT_EQ(screen_text(t.state()), " X\xe6\x96\x87");
}

TEST(TerminalText, CombiningMarksJoinThePreviousCell) {
  Terminal t = run(10, 1, "e\xcc\x81x");
  EXPECT_EQ(screen_text(t.state()), "e\xcc\x81x");
  EXPECT_EQ(t.state().cursor, at(2, 0));
}

TEST(TerminalText, EmojiAreWide) {
  Terminal t = run(10, 1, "\xf0\x9f\x98\x80x");
  EXPECT_EQ(t.state().cursor, at(3, 0));
}

TEST(TerminalText, InvalidUtf8ShowsReplacementCharacter) {
  Terminal t = run(10, 1, "a\xffz");
  EXPECT_EQ(screen_text(t.state()), "a\xef\xbf\xbdz");
}

TEST(TerminalText, DecLineDrawing) {
  Terminal t = run(10, 1, "\x1b(0lqk\x1b(Bq");
  EXPECT_EQ(screen_text(t.state()), "\xe2\x94\x8c\xe2\x94\x80\xe2\x94\x90q");
}

TEST(TerminalText, ShiftOutSelectsG1) {
  Terminal t = run(10, 1, "\x1b)0\x0eq\x0fq");
  EXPECT_EQ(screen_text(t.state()), "\xe2\x94\x80q");
}

TEST(TerminalText, RepeatPrecedingCharacter) {
  Terminal t = run(10, 1, "ab\x1b[3b");
  EXPECT_EQ(screen_text(t.state()), "abbbb");
}

TEST(TerminalText, InsertModeShiftsTheRest) {
  Terminal t = run(10, 1, "abc\r\x1b[4hXY\x1b[4lZ");
  EXPECT_EQ(screen_text(t.state()), "XYZbc");
}

// ---- cursor movement --------------------------------------------------------------

TEST(TerminalCursor, AbsoluteMoves) {
  Terminal t(20, 10);
  t.write("\x1b[5;7H");
  EXPECT_EQ(t.state().cursor, at(6, 4));
  t.write("\x1b[H");
  EXPECT_EQ(t.state().cursor, at(0, 0));
  t.write("\x1b[3;4f");
  EXPECT_EQ(t.state().cursor, at(3, 2));
  t.write("\x1b[9G");
  EXPECT_EQ(t.state().cursor, at(8, 2));
  t.write("\x1b[6d");
  EXPECT_EQ(t.state().cursor, at(8, 5));
  t.write("\x1b[2`");
  EXPECT_EQ(t.state().cursor, at(1, 5));
  t.write("\x1b[99;99H");
  EXPECT_EQ(t.state().cursor, at(19, 9));
}

TEST(TerminalCursor, RelativeMovesStopAtTheEdges) {
  Terminal t(20, 10);
  t.write("\x1b[5;5H\x1b[2A");
  EXPECT_EQ(t.state().cursor, at(4, 2));
  t.write("\x1b[3B");
  EXPECT_EQ(t.state().cursor, at(4, 5));
  t.write("\x1b[4C");
  EXPECT_EQ(t.state().cursor, at(8, 5));
  t.write("\x1b[D");
  EXPECT_EQ(t.state().cursor, at(7, 5));
  t.write("\x1b[2E");
  EXPECT_EQ(t.state().cursor, at(0, 7));
  t.write("\x1b[5C\x1b[3F");
  EXPECT_EQ(t.state().cursor, at(0, 4));
  t.write("\x1b[99A\x1b[99D");
  EXPECT_EQ(t.state().cursor, at(0, 0));
  t.write("\x1b[99B\x1b[99C");
  EXPECT_EQ(t.state().cursor, at(19, 9));
  t.write("\x1b[3;3H\x1b[2a\x1b[2e");
  EXPECT_EQ(t.state().cursor, at(4, 4));
}

TEST(TerminalCursor, SaveAndRestoreIncludesThePen) {
  Terminal t(20, 5);
  t.write("\x1b[3;4H\x1b[1;31m\x1b" "7\x1b[H\x1b[m\x1b" "8X");
  EXPECT_EQ(t.state().cursor, at(4, 2));
  const Cell& c = t.state().fb.row(2).cell(3);
  EXPECT_EQ(c.ch, U'X');
  EXPECT_EQ(c.fg, indexed_color(1));
  EXPECT_TRUE(c.attrs & attr::kBold);
  t.write("\x1b[5;5H\x1b[s\x1b[H\x1b[u");
  EXPECT_EQ(t.state().cursor, at(4, 4));
}

TEST(TerminalCursor, IndexNextLineReverseIndex) {
  Terminal t = run(10, 3, "a\x1b" "Db\x1b" "Ec\x1b[H\x1bMtop");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"top", "a", " b"}));
}

TEST(TerminalCursor, VisibilityAndShape) {
  Terminal t = run(10, 3, "\x1b[?25l\x1b[5 q");
  EXPECT_FALSE(t.state().cursor.visible);
  EXPECT_EQ(t.state().cursor.shape, 5);
  t.write("\x1b[?25h\x1b[0 q");
  EXPECT_TRUE(t.state().cursor.visible);
  EXPECT_EQ(t.state().cursor.shape, 0);
}

// ---- erasing and editing ----------------------------------------------------------

Terminal filled(int cols, int rows) {
  Terminal t(cols, rows);
  for (int y = 0; y < rows; ++y) {
    t.write("\x1b[" + std::to_string(y + 1) + "H");
    for (int x = 0; x < cols; ++x) t.write(std::string(1, char('a' + y)));
  }
  return t;
}

TEST(TerminalErase, EraseInDisplay) {
  Terminal t = filled(4, 3);
  t.write("\x1b[2;3H\x1b[J");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"aaaa", "bb", ""}));
  t = filled(4, 3);
  t.write("\x1b[2;3H\x1b[1J");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"", "   b", "cccc"}));
  t = filled(4, 3);
  t.write("\x1b[2J");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"", "", ""}));
}

TEST(TerminalErase, EraseInLine) {
  Terminal t = filled(5, 3);
  t.write("\x1b[1;3H\x1b[K\x1b[2;3H\x1b[1K\x1b[3;3H\x1b[2K");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"aa", "   bb", ""}));
}

TEST(TerminalErase, ErasedCellsTakeTheBackgroundColour) {
  Terminal t = run(5, 1, "abc\x1b[44m\x1b[2G\x1b[K");
  EXPECT_EQ(t.state().fb.row(0).cell(0).bg, kDefaultColor);
  EXPECT_EQ(t.state().fb.row(0).cell(1), Cell::blank(indexed_color(4)));
  EXPECT_EQ(t.state().fb.row(0).cell(4), Cell::blank(indexed_color(4)));
}

TEST(TerminalErase, EraseCharacters) {
  Terminal t = filled(6, 1);
  t.write("\x1b[2G\x1b[3X");
  EXPECT_EQ(screen_text(t.state()), "a   aa");
  EXPECT_EQ(t.state().cursor, at(1, 0));
}

TEST(TerminalErase, InsertAndDeleteCharacters) {
  Terminal t = run(6, 1, "abcdef\x1b[2G\x1b[2@");
  EXPECT_EQ(screen_text(t.state()), "a  bcd");
  t.write("\x1b[3P");
  EXPECT_EQ(screen_text(t.state()), "acd");
}

TEST(TerminalErase, InsertAndDeleteLines) {
  Terminal t = filled(3, 4);
  t.write("\x1b[2;2H\x1b[L");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"aaa", "", "bbb", "ccc"}));
  EXPECT_EQ(t.state().cursor, at(0, 1));
  t.write("\x1b[2M");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"aaa", "ccc", "", ""}));
}

TEST(TerminalErase, ScrollUpAndDown) {
  Terminal t = filled(3, 4);
  t.write("\x1b[S");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"bbb", "ccc", "ddd", ""}));
  t.write("\x1b[2T");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"", "", "bbb", "ccc"}));
}

TEST(TerminalErase, ScrollRegionConfinesScrolling) {
  Terminal t = filled(3, 5);
  t.write("\x1b[2;4r");
  EXPECT_EQ(t.state().cursor, at(0, 0));
  t.write("\x1b[4;1H\n");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"aaa", "ccc", "ddd", "", "eee"}));
  EXPECT_EQ(t.state().scrollback.size(), 0u);  // a region below the top keeps no scrollback
  t.write("\x1b[2;1H\x1bM");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"aaa", "", "ccc", "ddd", "eee"}));
}

TEST(TerminalErase, OriginModeMakesPositionsRelativeToTheRegion) {
  Terminal t(10, 6);
  t.write("\x1b[3;5r\x1b[?6h\x1b[1;1HX\x1b[9;1HY");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"", "", "X", "", "Y", ""}));
  t.write("\x1b[6n");
  EXPECT_EQ(t.take_answerback(), "\x1b[3;2R");
}

TEST(TerminalErase, AlignmentTestFillsWithE) {
  Terminal t = run(3, 2, "\x1b#8");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"EEE", "EEE"}));
}

// ---- SGR --------------------------------------------------------------------------

Cell cell_after(std::string_view sgr) {
  Terminal t = run(5, 1, std::string(sgr) + "x");
  return t.state().fb.row(0).cell(0);
}

TEST(TerminalSgr, Attributes) {
  Cell c = cell_after("\x1b[1;2;3;4;5;7;8;9;53m");
  EXPECT_EQ(c.attrs, attr::kBold | attr::kDim | attr::kItalic | attr::underline(1) | attr::kBlink | attr::kInverse |
                         attr::kInvisible | attr::kStrike | attr::kOverline);
  EXPECT_EQ(cell_after("\x1b[1;3;4;7m\x1b[22;23;24;27m").attrs, 0);
  EXPECT_EQ(cell_after("\x1b[1;4;31m\x1b[0m").pen(), Pen{});
  EXPECT_EQ(cell_after("\x1b[1m\x1b[m").pen(), Pen{});
}

TEST(TerminalSgr, UnderlineStyles) {
  EXPECT_EQ(attr::underline_style(cell_after("\x1b[4:3m").attrs), 3);
  EXPECT_EQ(attr::underline_style(cell_after("\x1b[21m").attrs), 2);
  EXPECT_EQ(attr::underline_style(cell_after("\x1b[4:3m\x1b[4:0m").attrs), 0);
}

TEST(TerminalSgr, SixteenColours) {
  EXPECT_EQ(cell_after("\x1b[31;42m").fg, indexed_color(1));
  EXPECT_EQ(cell_after("\x1b[31;42m").bg, indexed_color(2));
  EXPECT_EQ(cell_after("\x1b[97;104m").fg, indexed_color(15));
  EXPECT_EQ(cell_after("\x1b[97;104m").bg, indexed_color(12));
  EXPECT_EQ(cell_after("\x1b[31;42m\x1b[39;49m").pen(), Pen{});
}

TEST(TerminalSgr, IndexedAndTrueColourInBothForms) {
  EXPECT_EQ(cell_after("\x1b[38;5;208m").fg, indexed_color(208));
  EXPECT_EQ(cell_after("\x1b[48:5:17m").bg, indexed_color(17));
  EXPECT_EQ(cell_after("\x1b[38;2;10;20;30m").fg, rgb_color(10, 20, 30));
  EXPECT_EQ(cell_after("\x1b[38:2::10:20:30m").fg, rgb_color(10, 20, 30));
  EXPECT_EQ(cell_after("\x1b[48:2:10:20:30m").bg, rgb_color(10, 20, 30));
  // Colours followed by more attributes in the same sequence.
  Cell c = cell_after("\x1b[38;2;1;2;3;1;48;5;9;4m");
  EXPECT_EQ(c.fg, rgb_color(1, 2, 3));
  EXPECT_EQ(c.bg, indexed_color(9));
  EXPECT_EQ(c.attrs, attr::kBold | attr::underline(1));
}

TEST(TerminalSgr, UnderlineColourIsKeptApartFromTheText) {
  Cell c = cell_after("\x1b[58:2::1:2:3;1m");
  EXPECT_EQ(c.attrs, attr::kBold);
  EXPECT_EQ(c.fg, kDefaultColor);
  Terminal t = run(10, 1, "\x1b[4:3;58:2::1:2:3ma\x1b[58;5;99mb\x1b[58;2;4;5;6mc\x1b[59md\x1b[58;5;1m\x1b[me");
  const Row& row = t.state().fb.row(0);
  EXPECT_EQ(row.extra_at(0).underline, rgb_color(1, 2, 3));
  EXPECT_EQ(row.extra_at(1).underline, indexed_color(99));
  EXPECT_EQ(row.extra_at(2).underline, rgb_color(4, 5, 6));
  EXPECT_EQ(row.extra_at(3).underline, kDefaultColor);
  EXPECT_EQ(row.extra_at(4).underline, kDefaultColor);  // SGR 0 ends it
  EXPECT_EQ(row.cell(3).extra, 0);
}

TEST(TerminalSgr, ManyUnderlineColoursOnOneRowStayBounded) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "\x1b[58;5;" + std::to_string(i) + "mx";
  Terminal t = run(200, 1, text);
  const Row& row = t.state().fb.row(0);
  EXPECT_EQ(row.extra_at(0).underline, indexed_color(0));
  EXPECT_EQ(row.cell(199).ch, U'x');  // past the row's table: kept as plain text
}

TEST(TerminalOsc, HyperlinksMarkTheirCellsWithAnId) {
  Terminal t = run(20, 1,
                   "a\x1b]8;id=doc;https://example.org/a\x1b\\link\x1b]8;;\x1b\\b"
                   "\x1b]8;;file:///tmp\ax\x1b]8;;\a");
  const Row& row = t.state().fb.row(0);
  EXPECT_FALSE(row.extra_at(0).link);
  ASSERT_TRUE(row.extra_at(1).link);
  EXPECT_EQ(row.extra_at(1).link->uri, "https://example.org/a");
  EXPECT_EQ(row.extra_at(1).link->id, "doc");
  EXPECT_EQ(row.extra_at(4).link, row.extra_at(1).link);
  EXPECT_FALSE(row.extra_at(5).link);
  ASSERT_TRUE(row.extra_at(6).link);  // no id given: one of its own
  EXPECT_EQ(row.extra_at(6).link->uri, "file:///tmp");
  EXPECT_FALSE(row.extra_at(6).link->id.empty());
}

TEST(TerminalOsc, HyperlinksThatAreTooLongOrNotPrintableAreNotKept) {
  Terminal t = run(10, 1, "\x1b]8;;https://x/" + std::string(kMaxLinkUriBytes, 'a') + "\aa\x1b]8;;http://\xc3\xa9\ab");
  EXPECT_FALSE(t.state().fb.row(0).extra_at(0).link);
  EXPECT_FALSE(t.state().fb.row(0).extra_at(1).link);
}

TEST(TerminalOsc, WorkingDirectoryIsKeptWhenClean) {
  EXPECT_EQ(run(10, 1, "\x1b]7;file://box/home/me\a").state().cwd, "file://box/home/me");
  EXPECT_EQ(run(10, 1, "\x1b]7;file://box/" + std::string(kMaxCwdBytes, 'a') + "\a").state().cwd, "");
}

TEST(TerminalOsc, EveryCopyCountsEvenOfTheSameText) {
  Terminal t = run(10, 1, "\x1b]52;c;aGk=\a");
  EXPECT_EQ(t.state().clipboard_seq, 1u);
  t.write("\x1b]52;c;aGk=\a");
  EXPECT_EQ(t.state().clipboard_seq, 2u);
  EXPECT_EQ(t.state().clipboard, "aGk=");
  t.write("\x1b]52;c;?\a");
  EXPECT_EQ(t.state().clipboard_seq, 2u);  // a query copies nothing
}

// 👩‍👩‍👧 is three wide emoji joined by ZWJs: the program counts six columns (wcwidth),
// terminals that draw the family as one glyph take two. Backspacing over it and
// overwriting must leave cells every viewer agrees on: no joiner is kept before a
// character that takes cells of its own.
TEST(TerminalText, ZeroWidthJoinerBeforeAWideCharacterIsNotKept) {
  Terminal t = run(10, 1, "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\b\bX");
  const Row& row = t.state().fb.row(0);
  EXPECT_EQ(row.text_at(0), std::u32string(U"\U0001F469"));
  EXPECT_EQ(row.text_at(2), std::u32string(U"\U0001F469"));
  EXPECT_EQ(row.cell(4).ch, U'X');
  EXPECT_EQ(row.cell(5).ch, U' ');
  EXPECT_EQ(t.state().cursor.x, 5);
  // A joiner followed by a mark stays with it.
  Terminal m = run(10, 1, "e\xe2\x80\x8d\xcc\x81");
  EXPECT_EQ(m.state().fb.row(0).text_at(0), std::u32string(U"e\u200D\u0301"));
}

TEST(TerminalSgr, BadColoursAreIgnored) {
  EXPECT_EQ(cell_after("\x1b[38;5;300m").fg, kDefaultColor);
  EXPECT_EQ(cell_after("\x1b[48;2;1;2;999m").bg, kDefaultColor);
}

// ---- modes, screens, replies ------------------------------------------------------

TEST(TerminalModes, PrivateModesSetAndReset) {
  Terminal t = run(10, 2, "\x1b[?1;2004;1000;1006;1004h\x1b=");
  uint32_t want = mode::kAppCursor | mode::kBracketedPaste | mode::kMouseNormal | mode::kMouseSgr |
                  mode::kFocusEvents | mode::kAppKeypad;
  EXPECT_EQ(t.state().modes, want);
  t.write("\x1b[?1000l\x1b[?1002h\x1b[?1003h\x1b[?1005h\x1b[?12h\x1b[?5h\x1b>");
  want = (want & ~(mode::kMouseNormal | mode::kAppKeypad)) | mode::kMouseButton | mode::kMouseAny |
         mode::kMouseUtf8 | mode::kCursorBlink | mode::kReverseVideo;
  EXPECT_EQ(t.state().modes, want);
}

TEST(TerminalModes, AlternateScreenKeepsTheMainScreen) {
  Terminal t = run(10, 3, "main\x1b[?1049h\x1b[Halt");
  EXPECT_EQ(screen_text(t.state()), "alt");
  EXPECT_TRUE(t.state().modes & mode::kAltScreen);
  t.write("\x1b[?1049l");
  EXPECT_EQ(screen_text(t.state()), "main");
  EXPECT_EQ(t.state().cursor, at(4, 0));
  EXPECT_FALSE(t.state().modes & mode::kAltScreen);
}

TEST(TerminalModes, AlternateScreenDoesNotFillScrollback) {
  Terminal t = run(10, 2, "\x1b[?1049h1\r\n2\r\n3\r\n4");
  EXPECT_EQ(t.state().scrollback.size(), 0u);
}

TEST(TerminalModes, Mode47And1047SwitchScreens) {
  Terminal t = run(10, 2, "m\x1b[?47ha\x1b[?47l");
  EXPECT_EQ(screen_text(t.state()), "m");
  t.write("\x1b[?1047h");
  EXPECT_EQ(screen_text(t.state()), " a");  // 47 keeps the alternate screen's contents
  t.write("\x1b[?1047l\x1b[?1047h");
  EXPECT_EQ(screen_text(t.state()), "");  // leaving 1047 cleared it
}

TEST(TerminalModes, Mode1048SavesTheCursor) {
  Terminal t = run(10, 3, "\x1b[2;3H\x1b[?1048h\x1b[H\x1b[?1048l");
  EXPECT_EQ(t.state().cursor, at(2, 1));
}

TEST(TerminalModes, ReplaysToStatusAndAttributeQueries) {
  Terminal t = run(10, 3, "\x1b[2;5H\x1b[6n\x1b[5n\x1b[c\x1b[>c");
  EXPECT_EQ(t.take_answerback(), "\x1b[2;5R\x1b[0n\x1b[?62;22c\x1b[>1;10;0c");
  EXPECT_EQ(t.take_answerback(), "");
}

TEST(TerminalModes, TitleAndClipboard) {
  Terminal t = run(10, 1, "\x1b]0;first\a\x1b]2;second\x1b\\\x1b]52;c;aGVsbG8=\a\x1b]52;c;?\a");
  EXPECT_EQ(t.state().title, "second");
  EXPECT_EQ(t.state().clipboard, "aGVsbG8=");
  EXPECT_EQ(t.take_answerback(), "");  // clipboard queries are never answered
}

// A title with control bytes in it (found by emulator_fuzz): they are dropped, so the
// screen's diff still applies on the other side.
TEST(TerminalModes, TitleLosesControlBytes) {
  Terminal t = run(10, 1, std::string("\x1b]2;a\x7f" "b\x01" "c\x00" "d\a", 13));
  EXPECT_EQ(t.state().title, "abcd");
  ScreenState receiver(10, 1, 0);
  std::string wire = t.state().diff_bytes_from(receiver);
  EXPECT_FALSE(receiver.apply_bytes(std::span(reinterpret_cast<const uint8_t*>(wire.data()), wire.size())));
  EXPECT_EQ(receiver.title, "abcd");
}

TEST(TerminalModes, FullResetClearsEverything) {
  Terminal t = run(10, 3, "\x1b[31mabc\x1b[?1h\x1b]2;t\a\x1b[2;3r\x1b" "c");
  EXPECT_EQ(screen_text(t.state()), "");
  EXPECT_EQ(t.state().modes, 0u);
  EXPECT_EQ(t.state().title, "");
  EXPECT_EQ(t.state().cursor, at(0, 0));
  t.write("\x1b[3;1H\n");  // the region is gone: this scrolls the whole screen
  EXPECT_EQ(t.state().cursor, at(0, 2));
}

TEST(TerminalModes, SoftResetRestoresDefaults) {
  Terminal t = run(10, 3, "\x1b[?25l\x1b[4h\x1b[?1h\x1b[!pab\rX");
  EXPECT_TRUE(t.state().cursor.visible);
  EXPECT_EQ(screen_text(t.state()), "Xb");
  EXPECT_FALSE(t.state().modes & mode::kAppCursor);
}

// ---- resize -----------------------------------------------------------------------

TEST(TerminalResize, GrowingPadsAndShrinkingTruncates) {
  Terminal t = run(6, 2, "abcdef\r\nxy");
  t.resize(3, 2);
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abc", "xy"}));
  t.resize(8, 4);
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abc", "xy", "", ""}));
  EXPECT_EQ(t.state().cursor, at(2, 1));
}

TEST(TerminalResize, ShrinkingRowsKeepsTheCursorLine) {
  Terminal t = run(5, 4, "1\r\n2\r\n3\r\n4");
  t.resize(5, 2);
  EXPECT_EQ(screen_lines(t.state()), (Lines{"3", "4"}));
  EXPECT_EQ(t.state().cursor, at(1, 1));
  EXPECT_EQ(t.state().scrollback.size(), 2u);
}

TEST(TerminalResize, CuttingAWideCharacterLeavesABlank) {
  Terminal t = run(4, 1, "a\xe4\xb8\xad");
  t.resize(2, 1);
  EXPECT_EQ(screen_text(t.state()), "a");
  EXPECT_EQ(t.state().fb.row(0).cell(1).width, 1);
}

TEST(TerminalResize, AbsurdSizesAreClamped) {
  Terminal t(100000, 100000);
  EXPECT_LE(size_t(t.cols()) * size_t(t.rows()), kMaxCells);
  t.resize(0, -5);
  EXPECT_EQ(t.cols(), 1);
  EXPECT_EQ(t.rows(), 1);
  t.write("hello\r\nworld");
  EXPECT_EQ(t.state().cursor, at(0, 0));
}

}  // namespace
}  // namespace tandem::screen

// ---- rewrapping on a change of width (set_reflow, as tmux) --------------------------

namespace tandem::screen {
namespace {

TEST(TerminalReflow, ANarrowerScreenRewrapsLinesAndKeepsTheCursorOnItsCharacter) {
  Terminal t(10, 4, 100);
  t.set_reflow(true);
  t.write("abcdefghij\r\n$ 0123456789xy");  // the second line wraps once
  EXPECT_EQ(t.state().cursor.x, 4);
  t.resize(5, 4);
  // abcde fghij | $ 012 34567 89xy: the cursor keeps its row (2), as tmux keeps it,
  // so what is above goes to the history.
  EXPECT_EQ(screen_lines(t.state()), (Lines{"$ 012", "34567", "89xy", ""}));
  EXPECT_EQ(t.state().scrollback.size(), 2u);
  EXPECT_TRUE(t.state().fb.row(0).wrapped);
  EXPECT_FALSE(t.state().fb.row(2).wrapped);
  EXPECT_EQ(t.state().cursor.y, 2);
  EXPECT_EQ(t.state().cursor.x, 4);
  t.write("z!");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"$ 012", "34567", "89xyz", "!"}));
}

TEST(TerminalReflow, NarrowerThenWiderAgainBringsTheLineBackWhole) {
  Terminal t(20, 3, 100);
  t.set_reflow(true);
  t.write("AAAAABBBBBCCCCCDDDDD\r\n$ ");  // the prompt on row 1
  t.resize(10, 3);
  EXPECT_EQ(screen_lines(t.state()), (Lines{"CCCCCDDDDD", "$", ""}));  // AAAAABBBBB went up
  t.resize(20, 3);
  EXPECT_EQ(screen_lines(t.state()), (Lines{"AAAAABBBBBCCCCCDDDDD", "$", ""}));
  EXPECT_EQ(t.state().scrollback.size(), 0u);
  EXPECT_EQ(t.state().cursor.y, 1);
}

TEST(TerminalReflow, AWiderScreenJoinsWhatWrapped) {
  Terminal t(5, 4, 100);
  t.set_reflow(true);
  t.write("abcdefgh\r\n$ ");
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abcde", "fgh", "$", ""}));
  t.resize(10, 4);
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abcdefgh", "$", "", ""}));
  EXPECT_EQ(t.state().cursor.x, 2);
  EXPECT_EQ(t.state().cursor.y, 1);
  t.write("ok");
  EXPECT_EQ(screen_lines(t.state())[1], "$ ok");
}

TEST(TerminalReflow, WhatNoLongerFitsScrollsIntoHistory) {
  Terminal t(8, 3, 100);
  t.set_reflow(true);
  t.write("12345678\r\nabcdefgh\r\n$ ");
  t.resize(4, 3);
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abcd", "efgh", "$"}));
  EXPECT_EQ(t.state().scrollback.size(), 2u);  // 1234, 5678
  EXPECT_EQ(t.state().cursor.y, 2);
}

TEST(TerminalReflow, OffItCutsAsBefore) {
  Terminal t(10, 2, 100);
  t.write("abcdefghij");
  t.resize(5, 2);
  EXPECT_EQ(screen_lines(t.state()), (Lines{"abcde", ""}));
}

}  // namespace
}  // namespace tandem::screen
