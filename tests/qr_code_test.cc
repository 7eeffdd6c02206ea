// A link as a QR code on a terminal: the code's size, its quiet zone, its finder
// patterns, and only the characters a terminal draws it with.
#include "src/qr_code.h"

#include <gtest/gtest.h>

#include <set>

namespace tandem {
namespace {

// The code's lines with its four characters spelled '.', '^', ',' and '#' (none,
// upper, lower, both dark).
std::vector<std::string> spelled(const QrCode& code) {
  std::vector<std::string> out;
  for (const std::u32string& line : code.half_block_lines()) {
    std::string s;
    for (char32_t c : line) {
      s += c == U' ' ? '.' : c == U'\u2580' ? '^' : c == U'\u2584' ? ',' : c == U'\u2588' ? '#' : '?';
    }
    out.push_back(s);
  }
  return out;
}

TEST(QrCode, AShortTextIsAVersionOneCodeInItsQuietZone) {
  std::optional<QrCode> code = QrCode::encode("HELLO", nullptr);
  ASSERT_TRUE(code);
  EXPECT_EQ(code->size(), 21);  // version 1
  // 21 modules and 4 of quiet zone each side: 29 columns, 29 rows in 15 lines.
  const std::vector<std::string> want = {
      ".............................", ".............................", "....#^^^^^#.#,,#..#^^^^^#....",
      "....#.###.#.,.#.#.#.###.#....", "....#.^^^.#....#,.#.^^^.#....", "....^^^^^^^.#.^,#.^^^^^^^....",
      "....^,#^,#^#.#,##,#..#,^^....", "....#.,,^.^,.^.#..,,,,.#^....", ".....^.^^^^^#,,,^.,^..#.#....",
      "....#^^^^^#.#.,^^..#,,,,.....", "....#.###.#.,.,,^^#^##,#^....", "....#.^^^.#.^^,.^,^#,.^.,....",
      "....^^^^^^^.^.^..^.^.........", ".............................", ".............................",
  };
  EXPECT_EQ(spelled(*code), want);
}

TEST(QrCode, FinderPatternsSitInThreeCorners) {
  std::optional<QrCode> code = QrCode::encode("ssh://abcdefghijklmnopqrstuvwxyz234567@192.168.1.20:2222", nullptr);
  ASSERT_TRUE(code);
  const int n = code->size();
  EXPECT_EQ((n - 17) % 4, 0) << n;  // 17 + 4 x version
  for (auto [x0, y0] : {std::pair{0, 0}, {n - 7, 0}, {0, n - 7}}) {
    for (int i = 0; i < 7; ++i) {
      EXPECT_TRUE(code->dark(x0 + i, y0) && code->dark(x0 + i, y0 + 6) && code->dark(x0, y0 + i) &&
                  code->dark(x0 + 6, y0 + i));
    }
    EXPECT_FALSE(code->dark(x0 + 1, y0 + 1));
    EXPECT_TRUE(code->dark(x0 + 3, y0 + 3));
  }
  EXPECT_FALSE(code->dark(-1, 0));  // the quiet zone
  EXPECT_FALSE(code->dark(n, n));
}

TEST(QrCode, TheTerminalTextHasOnlyHalfBlocksColoursAndNewlines) {
  std::optional<QrCode> code = QrCode::encode("tandem://tok@h:2222#SHA256:abcdefgh", nullptr);
  ASSERT_TRUE(code);
  const std::string text = code->terminal_text();
  const std::string start = "\x1b[30;107m", end = "\x1b[m\n";
  const std::set<std::string> allowed = {" ", "\u2580", "\u2584", "\u2588"};
  size_t lines = 0, at = 0;
  while (at < text.size()) {
    ASSERT_EQ(text.compare(at, start.size(), start), 0) << "line " << lines;
    at += start.size();
    const size_t stop = text.find(end, at);
    ASSERT_NE(stop, std::string::npos);
    size_t columns = 0;
    while (at < stop) {
      const size_t len = text[at] == ' ' ? 1 : 3;
      EXPECT_TRUE(allowed.count(text.substr(at, len))) << "line " << lines << " at " << at;
      at += len;
      ++columns;
    }
    EXPECT_EQ(columns, size_t(code->size() + 2 * QrCode::kQuietZone));
    at = stop + end.size();
    ++lines;
  }
  EXPECT_EQ(lines, size_t(code->size() + 2 * QrCode::kQuietZone + 1) / 2);
}

TEST(QrCode, TooLongATextIsRefusedInWords) {
  std::string error;
  EXPECT_FALSE(QrCode::encode(std::string(4000, 'x'), &error));
  EXPECT_NE(error.find("too long for a QR code"), std::string::npos) << error;
}

}  // namespace
}  // namespace tandem
