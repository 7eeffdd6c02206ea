// HostState: the host's screen and its controls (--approve answers, kicks, new
// tokens) in one synchronised state, readable by a relay that knows only screens.
#include "statesync/host_state.h"

#include <gtest/gtest.h>

#include "proto/sync.pb.h"
#include "statesync/screen/screen_state.h"
#include "statesync/screen/terminal.h"

namespace tandem::statesync {
namespace {

using State = HostState<screen::ScreenState>;

std::span<const uint8_t> as_bytes(const std::string& s) {
  return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

screen::ScreenState screen_with(std::string_view text) {
  screen::Terminal t(40, 5, 0);
  t.write(text);
  return t.state();
}

HostControls some_controls() {
  HostControls c;
  c.decisions = {Decision{0x1234567890abcdef, true}, Decision{42, false}};
  c.kicks = {Kick{1, "127.0.0.1:5000", Via::kSsh}, Kick{2, "10.0.0.1:6000", Via::kNative}};
  c.rotation = 3;
  c.rotation_kicks_all = true;
  return c;
}

TEST(HostState, ControlsTravelWithTheScreen) {
  const State before{screen_with("hello"), {}};
  const State after{screen_with("hello world"), some_controls()};
  State receiver = before;
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(after.diff_bytes_from(before))));
  EXPECT_TRUE(receiver == after);
}

TEST(HostState, ControlsAreSentOnlyWhenTheyChangeAndOtherwiseKept) {
  const State with{screen_with("a"), some_controls()};
  const State next{screen_with("ab"), some_controls()};
  const std::string diff = next.diff_bytes_from(with);
  std::optional<HostControls> carried;
  ASSERT_FALSE(HostControls::decode(as_bytes(diff), &carried));
  EXPECT_FALSE(carried);  // unchanged: not on the wire
  State receiver = with;
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(diff)));
  EXPECT_TRUE(receiver == next);
  // Applying it again (a duplicate datagram) changes nothing.
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(diff)));
  EXPECT_TRUE(receiver == next);
  // Back to no controls at all is a change, and is carried.
  const State none{screen_with("ab"), {}};
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(none.diff_bytes_from(next))));
  EXPECT_EQ(receiver.controls, HostControls{});
}

// A relay of an older release reads the host's diff as a screen diff.
TEST(HostState, ARelayThatKnowsOnlyScreensSkipsTheControls) {
  const State before{screen_with("x"), {}};
  const State after{screen_with("x and y"), some_controls()};
  screen::ScreenState old_relay = before.screen;
  ASSERT_FALSE(old_relay.apply_bytes(as_bytes(after.diff_bytes_from(before))));
  EXPECT_TRUE(old_relay == after.screen);
}

// The controls are found without parsing the screen's fields into a copy; the
// result is what protobuf itself reads, a field sent in two pieces too.
TEST(HostState, ControlsAreReadAsProtobufReadsThem) {
  const screen::ScreenState a = screen_with("a"), b = screen_with("b");
  HostControls first, second;
  first.decisions = {Decision{9, true}};
  second.rotation = 2;
  const std::string diff = b.diff_bytes_from(a) + first.encode() + second.encode();
  proto::HostDiff whole;
  ASSERT_TRUE(whole.ParseFromString(diff));
  std::optional<HostControls> got;
  ASSERT_FALSE(HostControls::decode(as_bytes(diff), &got));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->decisions, first.decisions);
  EXPECT_EQ(got->rotation, whole.controls().rotation());
  EXPECT_EQ(got->decisions.size(), size_t(whole.controls().decisions_size()));
}

// A host of an older release sends screen diffs alone: no controls, nothing to do.
TEST(HostState, AHostThatKnowsOnlyScreensIsReadAsOneWithNoControls) {
  const screen::ScreenState a = screen_with("a"), b = screen_with("b");
  State receiver{a, {}};
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(b.diff_bytes_from(a))));
  EXPECT_TRUE(receiver.screen == b);
  EXPECT_EQ(receiver.controls, HostControls{});
}

TEST(HostState, ControlsOverTheirBoundsOrMalformedAreRefusedAndChangeNothing) {
  const State base{screen_with("keep"), some_controls()};
  HostControls too_many;
  for (uint64_t t = 1; t <= kMaxDecisions + 1; ++t) too_many.decisions.push_back(Decision{t, true});
  HostControls many_kicks;
  for (uint64_t k = 1; k <= kMaxKicks + 1; ++k) many_kicks.kicks.push_back(Kick{k, "a:1", Via::kSsh});
  HostControls no_who;
  no_who.kicks.push_back(Kick{1, "", Via::kSsh});
  HostControls long_who;
  long_who.kicks.push_back(Kick{1, std::string(300, 'a'), Via::kSsh});
  for (const HostControls& bad : {too_many, many_kicks, no_who, long_who}) {
    State receiver = base;
    const State sent{screen_with("changed"), bad};
    EXPECT_TRUE(receiver.apply_bytes(as_bytes(sent.diff_bytes_from(base))));
    EXPECT_TRUE(receiver == base);
  }
  // A kick by a kind of mate there is no such thing as.
  proto::HostDiff d;
  proto::Kick* k = d.mutable_controls()->add_kicks();
  k->set_who("a:1");
  k->set_via(proto::Via(7));
  State receiver = base;
  const std::string diff = base.screen.diff_bytes_from(base.screen) + d.SerializeAsString();
  EXPECT_TRUE(receiver.apply_bytes(as_bytes(diff)));
  EXPECT_TRUE(receiver == base);
  // A good screen with bad controls, or bad screen bytes with good controls: neither half lands.
  const uint8_t junk[] = {0xff, 0x00, 0x13};
  EXPECT_TRUE(receiver.apply_bytes(junk));
  EXPECT_TRUE(receiver == base);
}

}  // namespace
}  // namespace tandem::statesync
