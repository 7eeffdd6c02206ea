// ScreenState diffs: old.apply(new.diff_from(old)) == new, from any old, and apply
// refuses malformed diffs without touching the state.
#include "statesync/screen/screen_state.h"

#include <gtest/gtest.h>

#include "proto/screen.pb.h"
#include "statesync/screen/terminal.h"
#include "tests/statesync/screen/random_screen.h"
#include "tests/statesync/screen/screen_text.h"

namespace tandem::screen {
namespace {

using testing::random_frame;
using testing::random_input;
using testing::screen_text;

// Sends the diff through its wire form, as the transport will.
std::optional<DecodeError> apply_over_wire(ScreenState& s, const proto::ScreenDiff& d) {
  std::string bytes = d.SerializeAsString();
  return s.apply_bytes(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

TEST(ScreenState, RandomEditSequencesSurviveDiffAndApply) {
  for (int seed = 0; seed < 150; ++seed) {
    std::mt19937 rng(seed);
    int cols = std::uniform_int_distribution<int>(2, 60)(rng);
    int rows = std::uniform_int_distribution<int>(2, 20)(rng);
    Terminal host(cols, rows, 40);
    std::vector<ScreenState> history{host.state()};
    ScreenState receiver = host.state();
    for (int step = 0; step < 10; ++step) {
      host.write(random_input(rng, 15, cols, rows));
      if (step == 5 && seed % 3 == 0) host.resize(cols + 3, rows - 1);
      const ScreenState& now = host.state();
      // From the previous state, as a receiver that keeps up.
      auto err = apply_over_wire(receiver, now.diff_from(receiver));
      ASSERT_FALSE(err) << err->what;
      ASSERT_TRUE(receiver == now) << "seed " << seed << " step " << step;
      // From an older state, as a receiver that missed some diffs.
      ScreenState stale = history[std::uniform_int_distribution<size_t>(0, history.size() - 1)(rng)];
      err = apply_over_wire(stale, now.diff_from(stale));
      ASSERT_FALSE(err) << err->what;
      ASSERT_TRUE(stale == now) << "stale, seed " << seed << " step " << step;
      history.push_back(now);
    }
  }
}

TEST(ScreenState, DiffFromAnEmptyOrUnrelatedStateIsAFullFrame) {
  std::mt19937 rng(42);
  ScreenState want = random_frame(rng, 30, 10);
  ScreenState empty;
  ASSERT_FALSE(empty.apply(want.diff_from(ScreenState())));
  EXPECT_TRUE(empty == want);
  ScreenState unrelated = random_frame(rng, 30, 10);
  ScreenState copy = unrelated;
  ASSERT_FALSE(copy.apply(want.diff_from(unrelated)));
  EXPECT_TRUE(copy == want);
}

TEST(ScreenState, UnchangedStateGivesAnEmptyDiff) {
  Terminal t(40, 10);
  t.write("some text\r\nmore");
  proto::ScreenDiff d = t.state().diff_from(t.state());
  EXPECT_EQ(d.row_updates_size(), 0);
  EXPECT_EQ(d.scrollback_size(), 0);
  EXPECT_FALSE(d.has_scroll());
  EXPECT_FALSE(d.has_title());
}

TEST(ScreenState, TypingOneCharacterSendsOneCell) {
  Terminal t(80, 24);
  for (int y = 0; y < 24; ++y) t.write("\x1b[" + std::to_string(y + 1) + "H" + std::string(80, 'x'));
  t.write("\x1b[5;5H");
  ScreenState before = t.state();
  t.write("y");
  proto::ScreenDiff d = t.state().diff_from(before);
  ASSERT_EQ(d.row_updates_size(), 1);
  ASSERT_EQ(d.row_updates(0).runs_size(), 1);
  EXPECT_EQ(d.row_updates(0).runs(0).chars_size(), 1);
  EXPECT_LT(d.ByteSizeLong(), 30u);
}

TEST(ScreenState, ScrollingIsSentAsAMoveAndScrollbackReusesRows) {
  Terminal t(80, 24);
  for (int i = 0; i < 40; ++i) t.write("line " + std::to_string(i) + "\r\n");
  ScreenState before = t.state();
  t.write("line 40\r\nline 41\r\n");
  proto::ScreenDiff d = t.state().diff_from(before);
  ASSERT_TRUE(d.has_scroll());
  EXPECT_EQ(d.scroll().count(), 2);
  EXPECT_LE(d.row_updates_size(), 2);
  ASSERT_EQ(d.scrollback_size(), 2);
  EXPECT_TRUE(d.scrollback(0).has_from_row());
  ScreenState copy = before;
  ASSERT_FALSE(copy.apply(d));
  EXPECT_TRUE(copy == t.state());
  EXPECT_EQ(copy.scrollback.line(copy.scrollback.size() - 1)->text(), "line 18");
}

// ---- malformed diffs ----------------------------------------------------------------

class Malformed : public ::testing::Test {
 protected:
  void SetUp() override {
    Terminal t(20, 5);
    t.write("hello\r\nworld\x1b]2;title\a");
    state = t.state();
    valid = state.diff_from(ScreenState(20, 5));
  }
  // Applies a broken copy of `valid`; the state must not change.
  void expect_rejected(const proto::ScreenDiff& d, const char* why) {
    ScreenState before = state;
    auto err = state.apply(d);
    EXPECT_TRUE(err.has_value()) << why;
    EXPECT_TRUE(state == before) << why;
    EXPECT_EQ(screen_text(state), "hello\nworld") << why;
  }
  ScreenState state;
  proto::ScreenDiff valid;
};

TEST_F(Malformed, BadSizes) {
  proto::ScreenDiff d = valid;
  d.set_cols(0);
  expect_rejected(d, "zero columns");
  d = valid;
  d.set_cols(100000);
  d.set_full(true);
  expect_rejected(d, "huge");
  d = valid;
  d.set_cols(21);
  d.set_full(false);
  expect_rejected(d, "size mismatch without full");
}

TEST_F(Malformed, RowsAndRunsOutOfBounds) {
  proto::ScreenDiff d = valid;
  d.mutable_row_updates(0)->set_y(5);
  expect_rejected(d, "row past the screen");
  d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_x(25);
  expect_rejected(d, "run past the row");
  d = valid;
  for (int i = 0; i < 30; ++i) d.mutable_row_updates(0)->mutable_runs(0)->add_chars('x');
  expect_rejected(d, "run overflows");
  d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_blanks(1000);
  expect_rejected(d, "blanks overflow");
  d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_wide(true);
  d.mutable_row_updates(0)->mutable_runs(0)->set_x(16);
  expect_rejected(d, "wide run overflows");
}

TEST_F(Malformed, ControlCharactersAndBadValues) {
  proto::ScreenDiff d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_chars(0, 0x1b);
  expect_rejected(d, "escape in a cell");
  d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_chars(0, 0x110000);
  expect_rejected(d, "beyond unicode");
  d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_chars(0, (1u << 30) | 0x301);
  expect_rejected(d, "mark with nothing to join");
  d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_fg(5u << 24);
  expect_rejected(d, "colour kind");
  d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_attrs(1u << 15);
  expect_rejected(d, "attribute bits");
  d = valid;
  d.set_title("evil\x1b]52;c;?\a");
  expect_rejected(d, "control bytes in the title");
  d = valid;
  d.set_modes(1u << 31);
  expect_rejected(d, "mode bits");
  d = valid;
  d.set_cursor_x(20);
  expect_rejected(d, "cursor off screen");
}

TEST_F(Malformed, UnderlineColoursLinksAndTheWorkingDirectory) {
  proto::ScreenDiff d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_underline_color(7u << 24);
  expect_rejected(d, "underline colour kind");
  d = valid;
  d.mutable_row_updates(0)->mutable_runs(0)->set_link(1);
  expect_rejected(d, "link index with no table");
  d = valid;
  proto::Hyperlink* one = d.add_links();
  one->set_uri("https://example.org/");
  one->set_id("a");
  d.mutable_row_updates(0)->mutable_runs(0)->set_link(2);
  expect_rejected(d, "link index past the table");
  for (const std::string& uri : {std::string(), std::string("https://x/\x1b]52;c;?\a"), std::string("http://\xc3\xa9"),
                                 "https://x/" + std::string(kMaxLinkUriBytes, 'a')}) {
    d = valid;
    d.add_links()->set_uri(uri);
    expect_rejected(d, "bad link URI");
  }
  for (const std::string& id : {std::string(), std::string("a;b"), std::string("a:b"), std::string("\a"),
                                std::string(kMaxLinkIdBytes + 1, 'i')}) {
    d = valid;
    proto::Hyperlink* h = d.add_links();
    h->set_uri("https://example.org/");
    h->set_id(id);
    expect_rejected(d, "bad link id");
  }
  d = valid;
  for (size_t i = 0; i <= kMaxDiffLinks; ++i) {
    proto::Hyperlink* h = d.add_links();
    h->set_uri("https://example.org/");
    h->set_id("i" + std::to_string(i));
  }
  expect_rejected(d, "too many links");
  d = valid;
  d.set_cwd("file://box/\x1b[2J");
  expect_rejected(d, "control bytes in the working directory");
  d = valid;
  d.set_cwd(std::string(kMaxCwdBytes + 1, 'a'));
  expect_rejected(d, "working directory too long");
}

TEST(ScreenStateExtras, UnderlineColoursLinksCopiesAndTheDirectorySurviveDiffAndApply) {
  Terminal host(30, 4);
  ScreenState receiver = host.state();
  host.write("\x1b]7;file://box/tmp\a\x1b]52;c;aGk=\a\x1b[4:3;58;2;9;8;7mul\x1b[m "
             "\x1b]8;id=a;https://example.org/\x1b\\link\x1b]8;;\x1b\\\r\n"
             "\x1b]8;;https://example.org/\x1b\\same uri\x1b]8;;\x1b\\");
  ASSERT_FALSE(receiver.apply(host.state().diff_from(receiver)));
  EXPECT_TRUE(receiver == host.state());
  EXPECT_EQ(receiver.cwd, "file://box/tmp");
  EXPECT_EQ(receiver.clipboard_seq, 1u);
  ASSERT_TRUE(receiver.fb.row(0).extra_at(3).link);
  EXPECT_EQ(receiver.fb.row(0).extra_at(3).link->id, "a");
  EXPECT_EQ(receiver.fb.row(0).extra_at(0).underline, rgb_color(9, 8, 7));
  // The same text copied again is a copy the receiver learns of.
  const ScreenState before = host.state();
  host.write("\x1b]52;c;aGk=\a");
  proto::ScreenDiff d = host.state().diff_from(before);
  EXPECT_FALSE(d.has_clipboard());
  ASSERT_FALSE(receiver.apply(d));
  EXPECT_EQ(receiver.clipboard_seq, 2u);
  EXPECT_TRUE(receiver == host.state());
}

TEST_F(Malformed, ScrollAndScrollback) {
  proto::ScreenDiff d = state.diff_from(state);
  d.mutable_scroll()->set_top(3);
  d.mutable_scroll()->set_bottom(2);
  d.mutable_scroll()->set_count(1);
  expect_rejected(d, "inverted scroll region");
  d = state.diff_from(state);
  d.mutable_scroll()->set_bottom(4);
  d.mutable_scroll()->set_count(-6);
  expect_rejected(d, "scroll larger than the region");
  d = state.diff_from(state);
  d.add_scrollback()->set_from_row(9);
  d.set_scrollback_total(1);
  expect_rejected(d, "copy of a missing row");
  d = state.diff_from(state);
  d.add_scrollback()->set_cols(5);
  d.set_scrollback_total(0);
  expect_rejected(d, "total goes back");
  // Another history without a reset is no error: the scrollback starts afresh from it
  // (a refused diff would stall every later one).
  d = state.diff_from(state);
  d.set_history(d.history() + 1);
  d.add_scrollback()->set_cols(5);
  d.set_scrollback_total(7);
  ScreenState other = state;
  EXPECT_FALSE(other.apply(d).has_value());
  EXPECT_EQ(other.history, d.history());
  EXPECT_EQ(other.scrollback.total(), 7u);
}

TEST_F(Malformed, GarbageBytes) {
  ScreenState before = state;
  const uint8_t junk[] = {0xff, 0xff, 0xff, 0x01, 0x02};
  EXPECT_TRUE(state.apply_bytes(junk).has_value());
  EXPECT_TRUE(state == before);
}

}  // namespace
}  // namespace tandem::screen

namespace tandem::screen {
namespace {

// A flood with history on (issue 12): a host sends its newest state, with its last
// 1,000 history lines, diffed from whichever older state the relay acknowledged;
// every diff applies to the relay's copy of that older state.
TEST(ScreenStateHistory, FloodDiffsFromAnyAcknowledgedStateApply) {
  Terminal host(80, 24);
  std::vector<ScreenState> sent{initial_screen()};
  std::vector<ScreenState> got{initial_screen(kDefaultHistoryLines)};
  std::mt19937 rng(3);
  int n = 1;
  for (int step = 0; step < 200; ++step) {
    std::string out;
    const int lines = std::uniform_int_distribution<int>(0, 3000)(rng);
    for (int i = 0; i < lines; ++i, ++n) out += std::to_string(n) + "\r\n";
    host.write(out);
    const ScreenState now = host.state().with_scrollback(kDefaultHistoryLines);
    const size_t base = std::uniform_int_distribution<size_t>(got.size() > 4 ? got.size() - 4 : 0, got.size() - 1)(rng);
    const std::string bytes = now.diff_bytes_from(sent[base]);
    ScreenState next = got[base];
    const std::optional<DecodeError> e =
        next.apply_bytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ASSERT_FALSE(e) << "step " << step << " from " << base << ": " << e->what;
    ASSERT_TRUE(same_display(next, now)) << "step " << step;
    sent.push_back(now);
    got.push_back(std::move(next));
  }
  // A relay whose copy got another history id (a diff without lines once carried
  // none): the next diff with lines still applies, and its history is the host's.
  ScreenState odd = got.back();
  odd.history ^= 1;
  host.write("one more\r\n" + std::string(30, '\n'));
  const ScreenState now = host.state().with_scrollback(kDefaultHistoryLines);
  const std::string bytes = now.diff_bytes_from(sent.back());
  ASSERT_FALSE(odd.apply_bytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
  EXPECT_EQ(odd.history, now.history);
  EXPECT_TRUE(same_display(odd, now));
}

}  // namespace
}  // namespace tandem::screen
