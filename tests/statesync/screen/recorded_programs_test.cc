// Real program output (recorded in tmux, see tests/fixtures/README.md) fed to the
// emulator must give the screen tmux showed: text and cursor. The same output cut
// at arbitrary points must also survive the display and the screen diff.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "proto/screen.pb.h"
#include "statesync/screen/display.h"
#include "statesync/screen/terminal.h"
#include "tests/statesync/screen/screen_text.h"

namespace tandem::screen {
namespace {

struct Fixture {
  std::string typescript;
  int cols = 0, rows = 0;
  CursorState cursor;
  std::vector<std::string> lines;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Fixture load(const std::string& name) {
  Fixture f;
  std::string dir = TANDEM_FIXTURES;
  f.typescript = read_file(dir + "/" + name + ".typescript");
  std::istringstream screen(read_file(dir + "/" + name + ".screen"));
  std::string line;
  std::getline(screen, line);
  std::sscanf(line.c_str(), "size %dx%d", &f.cols, &f.rows);
  std::getline(screen, line);
  std::sscanf(line.c_str(), "cursor %d,%d", &f.cursor.x, &f.cursor.y);
  while (std::getline(screen, line)) f.lines.push_back(line);
  return f;
}

class RecordedProgram : public ::testing::TestWithParam<const char*> {};

TEST_P(RecordedProgram, ShowsWhatTmuxShowed) {
  Fixture f = load(GetParam());
  ASSERT_FALSE(f.typescript.empty());
  ASSERT_EQ(int(f.lines.size()), f.rows);
  Terminal t(f.cols, f.rows);
  t.write(f.typescript);
  EXPECT_EQ(testing::screen_lines(t.state()), f.lines);
  EXPECT_EQ(t.state().cursor.x, f.cursor.x);
  EXPECT_EQ(t.state().cursor.y, f.cursor.y);
}

TEST_P(RecordedProgram, AnyChunkingGivesTheSameScreen) {
  Fixture f = load(GetParam());
  Terminal whole(f.cols, f.rows);
  whole.write(f.typescript);
  std::mt19937 rng(1);
  for (int round = 0; round < 5; ++round) {
    Terminal pieces(f.cols, f.rows);
    for (size_t off = 0; off < f.typescript.size();) {
      size_t n = std::uniform_int_distribution<size_t>(1, round == 0 ? 1 : 64)(rng);
      pieces.write(std::string_view(f.typescript).substr(off, n));
      off += n;
    }
    ScreenState got = pieces.state();
    got.history = whole.state().history;  // each emulator's history has an id of its own
    EXPECT_TRUE(got == whole.state()) << "round " << round;
  }
}

TEST_P(RecordedProgram, DisplayAndDiffFollowTheProgram) {
  Fixture f = load(GetParam());
  Display display;
  Terminal host(f.cols, f.rows);
  Terminal viewer(f.cols, f.rows);
  ScreenState shown = host.state();
  ScreenState receiver = host.state();
  viewer.write(display.initial(shown));
  std::mt19937 rng(2);
  size_t wire_bytes = 0;
  for (size_t off = 0; off < f.typescript.size();) {
    size_t n = std::uniform_int_distribution<size_t>(1, 400)(rng);
    host.write(std::string_view(f.typescript).substr(off, n));
    off += n;
    viewer.write(display.diff(shown, host.state()));
    shown = host.state();
    ASSERT_TRUE(same_display(viewer.state(), shown)) << "at byte " << off;
    proto::ScreenDiff d = host.state().diff_from(receiver);
    wire_bytes += d.ByteSizeLong();
    ASSERT_FALSE(receiver.apply(d));
    ASSERT_TRUE(receiver == host.state()) << "at byte " << off;
  }
  EXPECT_EQ(testing::screen_lines(viewer.state()), f.lines);
  RecordProperty("screen_diff_bytes", std::to_string(wire_bytes));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RecordedProgram, ::testing::ValuesIn(testing::kRecordedPrograms),
                         [](const auto& info) { return testing::test_name(info.param); });

}  // namespace
}  // namespace tandem::screen
