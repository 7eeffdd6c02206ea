// Panels on the host's own terminal: where they lie over the frame, how long links
// wrap, and what a QR code that does not fit becomes.
#include "src/host/panel.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

Links example_links() {
  Links l;
  l.ssh_rw = "ssh -p 2222 rwtoken@192.168.1.20";
  l.join_rw = "tandem://rwtoken@192.168.1.20:2222#SHA256:Uwbd0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
  l.ssh_ro = "ssh -p 2222 rotoken@192.168.1.20";
  l.join_ro = "tandem://rotoken@192.168.1.20:2222#SHA256:Uwbd0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
  return l;
}

std::string row_text(const screen::ScreenState& s, int y) { return s.fb.row(y).text(); }

TEST(Panel, EveryLinkShowsAboveTheBottomRowWrappedToTheWidth) {
  screen::ScreenState frame(60, 24);
  Panel panel(links_panel(example_links()));
  panel.lay_over(frame);
  std::string all;
  int first = -1;
  for (int y = 0; y < 24; ++y) {
    const std::string t = row_text(frame, y);
    if (first < 0 && t.find("tandem: the session's links") != std::string::npos) first = y;
    if (first >= 0) all += t + "\n";
  }
  ASSERT_GE(first, 0);
  EXPECT_EQ(row_text(frame, 23), "");  // the notice's row
  EXPECT_NE(all.find("read-write: ssh -p 2222 rwtoken@192.168.1.20"), std::string::npos) << all;
  EXPECT_NE(all.find("read-only:  ssh -p 2222 rotoken@192.168.1.20"), std::string::npos) << all;
  // The long links are cut into pieces no wider than the frame, which put back together
  // (whitespace dropped, as `tandem join` does) are the links.
  std::string joined;
  for (char c : all) {
    if (c != ' ' && c != '\n') joined += c;
  }
  EXPECT_NE(joined.find("tandemjoin" + example_links().join_rw), std::string::npos) << all;
  for (int y = 0; y < 24; ++y) EXPECT_LE(row_text(frame, y).size(), 60u);
}

TEST(Panel, TheSameRowsServeEveryFrameOfOneWidth) {
  Panel panel(links_panel(example_links()));
  screen::ScreenState a(80, 24), b(80, 24);
  panel.lay_over(a);
  panel.lay_over(b);
  EXPECT_EQ(a.fb.row(22).gen, b.fb.row(22).gen);  // the display skips them
}

TEST(Panel, AQrCodeThatFitsIsDrawnDarkOnLight) {
  std::optional<QrCode> code = QrCode::encode("ssh://rotoken@192.168.1.20:2222", nullptr);
  ASSERT_TRUE(code);
  const int height = code->size() + 2 * QrCode::kQuietZone;
  screen::ScreenState frame(80, 40);
  Panel panel(code_panel(*code, "read-only", "ssh://rotoken@192.168.1.20:2222", 80, 40));
  panel.lay_over(frame);
  EXPECT_EQ(row_text(frame, 38), "   ssh://rotoken@192.168.1.20:2222");
  const int top = 38 - (height + 1) / 2;  // the code's first line
  EXPECT_NE(row_text(frame, top - 1).find("tandem: read-only link as a QR code, shown to you alone"),
            std::string::npos);
  const screen::Cell& corner = frame.fb.row(top + 2).cell(1 + QrCode::kQuietZone);
  EXPECT_EQ(corner.ch, U'\u2588');  // the finder pattern's corner, both halves dark
  EXPECT_EQ(corner.fg, screen::indexed_color(0));
  EXPECT_EQ(corner.bg, screen::indexed_color(15));
}

TEST(Panel, AQrCodeThatDoesNotFitSaysSo) {
  std::optional<QrCode> code = QrCode::encode("ssh://rotoken@192.168.1.20:2222", nullptr);
  ASSERT_TRUE(code);
  std::vector<PanelLine> lines = code_panel(*code, "read-only", "ssh://rotoken@192.168.1.20:2222", 80, 20);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(lines[1].code);
  std::string text(lines[1].text.begin(), lines[1].text.end());
  EXPECT_NE(text.find("too small for the QR code"), std::string::npos) << text;
}

TEST(Panel, TheApprovalPromptSaysOnlyThePrefixKeyAnswersIt) {
  MateInfo mate{.who = "127.0.0.1:4242", .role = Role::kReadWrite, .via = Via::kNative, .name = "alice"};
  std::vector<PanelLine> lines = approval_panel(mate, 1);
  ASSERT_EQ(lines.size(), 2u);
  std::string hint(lines[1].text.begin(), lines[1].text.end());
  EXPECT_NE(hint.find("Ctrl-^ then y to admit, Ctrl-^ then n to refuse"), std::string::npos) << hint;
  EXPECT_NE(hint.find("other keys are typed as usual"), std::string::npos) << hint;
  EXPECT_NE(hint.find("1 more waiting"), std::string::npos) << hint;
}

TEST(Panel, ThePromptKeepsOffTheRowTheHostTypesOn) {
  MateInfo mate{.who = "127.0.0.1:4242", .role = Role::kReadOnly, .via = Via::kSsh};
  auto prompt_rows = [&](int cursor_y) {
    screen::ScreenState frame(120, 24);
    frame.cursor.y = cursor_y;
    Panel panel(approval_panel(mate, 0));
    panel.lay_over(frame);
    std::vector<int> rows;
    for (int y = 0; y < 24; ++y) {
      if (!row_text(frame, y).empty()) rows.push_back(y);
    }
    return rows;
  };
  EXPECT_EQ(prompt_rows(5), (std::vector<int>{21, 22}));   // above the bottom row, as every panel
  EXPECT_EQ(prompt_rows(23), (std::vector<int>{21, 22}));  // the cursor on the bottom row is not under it
  EXPECT_EQ(prompt_rows(22), (std::vector<int>{0, 1}));    // it would be: the prompt goes to the top
  EXPECT_EQ(prompt_rows(21), (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace tandem
