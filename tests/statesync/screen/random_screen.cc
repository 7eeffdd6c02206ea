#include "tests/statesync/screen/random_screen.h"

#include <array>

namespace tandem::screen::testing {
namespace {

int pick(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
bool chance(std::mt19937& rng, int percent) { return pick(rng, 0, 99) < percent; }

Color random_color(std::mt19937& rng) {
  switch (pick(rng, 0, 3)) {
    case 0: return kDefaultColor;
    case 1: return indexed_color(uint8_t(pick(rng, 0, 15)));
    case 2: return indexed_color(uint8_t(pick(rng, 0, 255)));
    default: return rgb_color(uint8_t(pick(rng, 0, 255)), uint8_t(pick(rng, 0, 255)), uint8_t(pick(rng, 0, 255)));
  }
}

uint16_t random_attrs(std::mt19937& rng) {
  if (chance(rng, 50)) return 0;
  uint16_t a = uint16_t(pick(rng, 0, attr::kAll)) & ~attr::kUnderlineMask;
  return uint16_t(a | attr::underline(pick(rng, 0, attr::kMaxUnderline)));
}

constexpr std::array<char32_t, 12> kNarrow = {U'a', U'Z', U'0', U'~', U' ', U'\u00e9', U'\u2500',
                                              U'\u03c0', U'\u00a0', U'#', U'\u2588', U'\u00fc'};
constexpr std::array<char32_t, 4> kWide = {U'\u4e2d', U'\u6587', U'\U0001F600', U'\uac00'};
constexpr std::array<char32_t, 3> kMarks = {U'\u0301', U'\u0308', U'\u20dd'};

}  // namespace

ScreenState random_frame(std::mt19937& rng, int cols, int rows) {
  ScreenState s(cols, rows);
  for (int y = 0; y < rows; ++y) {
    if (chance(rng, 15)) continue;  // some rows stay blank
    Row& row = s.fb.mut_row(y);
    int end = chance(rng, 30) ? pick(rng, 0, cols) : cols;
    for (int x = 0; x < end;) {
      Cell c{kNarrow[size_t(pick(rng, 0, kNarrow.size() - 1))], random_color(rng), random_color(rng),
             random_attrs(rng), 1, 0};
      if (chance(rng, 20)) c = Cell::blank(random_color(rng));
      if (chance(rng, 10) && x + 1 < cols) {
        c.ch = kWide[size_t(pick(rng, 0, kWide.size() - 1))];
        c.width = 2;
        row.at(x) = c;
        c.ch = 0;
        c.width = 0;
        row.at(x + 1) = c;
        x += 2;
        continue;
      }
      row.at(x) = c;
      if (chance(rng, 5) && c.ch != U' ') row.add_mark(x, kMarks[size_t(pick(rng, 0, kMarks.size() - 1))]);
      ++x;
    }
    if (end < cols && chance(rng, 50)) {
      row.break_wide(end, cols);
      row.fill(end, cols, Cell::blank(random_color(rng)));
    }
  }
  s.cursor = CursorState{pick(rng, 0, cols - 1), pick(rng, 0, rows - 1), chance(rng, 80), uint8_t(pick(rng, 0, 6))};
  s.modes = uint32_t(pick(rng, 0, int(mode::kAll))) & mode::kDisplayed;
  s.title = chance(rng, 50) ? "" : "title " + std::to_string(pick(rng, 0, 1000));
  return s;
}

std::string random_input(std::mt19937& rng, int ops, int cols, int rows) {
  std::string out;
  auto num = [&](int lo, int hi) { return std::to_string(pick(rng, lo, hi)); };
  for (int i = 0; i < ops; ++i) {
    switch (pick(rng, 0, 31)) {
      case 0: case 1: case 2: case 3: case 4: case 5: {
        int n = pick(rng, 1, cols + 5);
        for (int k = 0; k < n; ++k) out.push_back(char(pick(rng, 0x21, 0x7e)));
        break;
      }
      case 6: out += "\r\n"; break;
      case 7: out += "\n"; break;
      case 8: out += "\x1b[" + num(1, rows + 1) + ";" + num(1, cols + 1) + "H"; break;
      case 9: {
        static const char* kSgr[] = {"0", "1", "2", "3", "4", "4:3", "7", "9", "22", "31", "42", "38;5;200",
                                     "48;2;10;20;30", "38:2::1:2:3", "97", "104", "39;49", "53",
                                     "58;5;99", "58:2::1:2:3", "59", "4:5;58;2;200;0;0"};
        out += "\x1b[" + std::string(kSgr[pick(rng, 0, 21)]) + "m";
        break;
      }
      case 10: out += "\x1b[" + num(0, 2) + "K"; break;
      case 11: out += "\x1b[" + num(0, 2) + "J"; break;
      case 12: out += "\x1b[" + num(1, 4) + "@"; break;
      case 13: out += "\x1b[" + num(1, 4) + "P"; break;
      case 14: out += "\x1b[" + num(1, 3) + (chance(rng, 50) ? "L" : "M"); break;
      case 15: out += "\x1b[" + num(1, 3) + (chance(rng, 50) ? "S" : "T"); break;
      case 16: out += "\x1b[" + num(1, rows) + ";" + num(1, rows) + "r"; break;
      case 17: out += "\x1b[r"; break;
      case 18: out += "\xe4\xb8\xad\xf0\x9f\x98\x80"; break;
      case 19: out += "e\xcc\x81"; break;
      case 20: out += chance(rng, 50) ? "\x1b[?1049h" : "\x1b[?1049l"; break;
      case 21: {
        static const char* kModes[] = {"1", "25", "2004", "1000", "1002", "1006", "1004", "12", "5", "7"};
        out += std::string("\x1b[?") + kModes[pick(rng, 0, 9)] + (chance(rng, 50) ? "h" : "l");
        break;
      }
      case 22: out += "\x1b]2;title " + num(0, 99) + "\a"; break;
      case 23: out += "\t"; break;
      case 24: out += "\x1bM"; break;
      case 25: out += "\x1b[" + num(1, 9) + "X"; break;
      case 26: out += chance(rng, 50) ? "\x1b(0lqk" : "\x1b(B"; break;
      case 27: out += "\x1b[" + num(0, 6) + " q"; break;
      case 28: out += chance(rng, 50) ? "\x1b" "7" : "\x1b" "8"; break;
      case 29:  // a hyperlink starts (with or without an id) or ends
        out += chance(rng, 40) ? "\x1b]8;;\x1b\\" : "\x1b]8;" + std::string(chance(rng, 50) ? "id=x" + num(0, 3) : "") +
                                                         ";https://example.org/" + num(0, 9) + "\x1b\\";
        break;
      case 30: out += "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\b\b"; break;  // ZWJ family
      default: out += chance(rng, 10) ? "\x1b" "c" : "\b\x1b[A"; break;
    }
  }
  return out;
}

}  // namespace tandem::screen::testing
