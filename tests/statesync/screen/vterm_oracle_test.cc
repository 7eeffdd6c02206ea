// libvterm as an independent oracle: the recorded programs' output fed to both
// emulators gives the same characters everywhere, and the same colours and
// attributes on every printed (non-blank) cell. Erased cells are compared by text
// only, as terminals disagree on which pen attributes an erase keeps.
#include <gtest/gtest.h>
#include <vterm.h>

#include <fstream>
#include <iterator>

#include "statesync/screen/terminal.h"
#include "tests/statesync/screen/screen_text.h"

namespace tandem::screen {
namespace {

Color from_vterm(const VTermColor& c) {
  if (VTERM_COLOR_IS_DEFAULT_FG(&c) || VTERM_COLOR_IS_DEFAULT_BG(&c)) return kDefaultColor;
  if (VTERM_COLOR_IS_INDEXED(&c)) return indexed_color(c.indexed.idx);
  return rgb_color(c.rgb.red, c.rgb.green, c.rgb.blue);
}

uint16_t attrs_from_vterm(const VTermScreenCellAttrs& a) {
  uint16_t out = 0;
  if (a.bold) out |= attr::kBold;
  if (a.italic) out |= attr::kItalic;
  if (a.blink) out |= attr::kBlink;
  if (a.reverse) out |= attr::kInverse;
  if (a.strike) out |= attr::kStrike;
  out |= attr::underline(int(a.underline));
  return out;
}

class VtermOracle : public ::testing::TestWithParam<const char*> {};

TEST_P(VtermOracle, AgreesOnEveryCell) {
  std::ifstream in(std::string(TANDEM_FIXTURES) + "/" + GetParam() + ".typescript", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  const int cols = 80, rows = 24;

  VTerm* vt = vterm_new(rows, cols);
  vterm_set_utf8(vt, 1);
  VTermScreen* vs = vterm_obtain_screen(vt);
  vterm_screen_enable_altscreen(vs, 1);
  vterm_screen_reset(vs, 1);
  vterm_input_write(vt, bytes.data(), bytes.size());

  Terminal ours(cols, rows);
  ours.write(bytes);
  const ScreenState& s = ours.state();
  int compared = 0;
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      VTermScreenCell vc;
      vterm_screen_get_cell(vs, VTermPos{y, x}, &vc);
      const Cell& c = s.fb.row(y).cell(x);
      if (c.width == 0) continue;  // the right half of a wide character
      std::u32string want;
      for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && vc.chars[i]; ++i) want.push_back(vc.chars[i]);
      if (want.empty()) want.push_back(U' ');
      std::u32string got(s.fb.row(y).text_at(x));
      ASSERT_EQ(got, want) << "text at " << x << "," << y;
      ASSERT_EQ(int(c.width), int(vc.width)) << "width at " << x << "," << y;
      if (got == U" ") continue;
      ASSERT_EQ(c.fg, from_vterm(vc.fg)) << "fg at " << x << "," << y;
      ASSERT_EQ(c.bg, from_vterm(vc.bg)) << "bg at " << x << "," << y;
      ASSERT_EQ(c.attrs & ~(attr::kDim | attr::kInvisible | attr::kOverline), attrs_from_vterm(vc.attrs))
          << "attributes at " << x << "," << y;
      ++compared;
    }
  }
  EXPECT_GT(compared, 0);
  VTermPos cursor;
  vterm_state_get_cursorpos(vterm_obtain_state(vt), &cursor);
  EXPECT_EQ(s.cursor.x, cursor.col);
  EXPECT_EQ(s.cursor.y, cursor.row);
  vterm_free(vt);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, VtermOracle, ::testing::ValuesIn(testing::kRecordedPrograms),
                         [](const auto& info) { return testing::test_name(info.param); });

}  // namespace
}  // namespace tandem::screen
