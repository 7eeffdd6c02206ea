// InputState: an append-only log whose diffs can be applied any number of times.
#include "statesync/input_state.h"

#include <gtest/gtest.h>

namespace tandem::statesync {
namespace {

std::span<const uint8_t> as_bytes(const std::string& s) {
  return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(InputState, DiffCarriesTheEventsAfterThePrefix) {
  InputState sender, receiver;
  sender.push(Keys{"ls\r"});
  sender.push(Resize{{100, 30}});
  sender.push(MateEvent{true, Role::kReadWrite, Via::kNative, "alice"});
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(sender.diff_bytes_from(receiver))));
  ASSERT_EQ(receiver.end(), 3u);
  EXPECT_EQ(receiver.at(0), InputEvent(Keys{"ls\r"}));
  EXPECT_EQ(receiver.at(1), InputEvent(Resize{{100, 30}}));
  EXPECT_EQ(receiver.at(2), InputEvent(MateEvent{true, Role::kReadWrite, Via::kNative, "alice"}));
  EXPECT_TRUE(receiver == sender);
}

TEST(InputState, ApplyingTwiceOrLateChangesNothing) {
  InputState sender, receiver;
  sender.push(Keys{"a"});
  std::string first = sender.diff_bytes_from(InputState());
  sender.push(Keys{"b"});
  std::string both = sender.diff_bytes_from(InputState());
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(both)));
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(both)));
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(first)));
  EXPECT_EQ(receiver.end(), 2u);
}

TEST(InputState, AGapIsRefused) {
  InputState sender, partial, receiver;
  sender.push(Keys{"a"});
  partial = sender;
  sender.push(Keys{"b"});
  std::string from_partial = sender.diff_bytes_from(partial);
  auto err = receiver.apply_bytes(as_bytes(from_partial));
  ASSERT_TRUE(err);
  EXPECT_EQ(receiver.end(), 0u);
}

TEST(InputState, SubtractDropsWhatThePrefixHas) {
  InputState s;
  for (int i = 0; i < 10; ++i) s.push(Keys{std::string(1, char('0' + i))});
  InputState acked = s;
  s.push(Keys{"x"});
  s.subtract(acked);
  EXPECT_EQ(s.begin(), 10u);
  EXPECT_EQ(s.end(), 11u);
  InputState receiver = acked;
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(s.diff_bytes_from(acked))));
  EXPECT_EQ(receiver.at(10), InputEvent(Keys{"x"}));
}

TEST(InputState, MalformedDiffsAreRefused) {
  InputState s;
  s.push(Keys{"keep"});
  InputState before = s;
  const uint8_t junk[] = {0xff, 0x00, 0x13};
  EXPECT_TRUE(s.apply_bytes(junk));
  InputState big;
  big.push(Keys{std::string(kMaxInputEventBytes + 1, 'x')});
  InputState empty;
  EXPECT_TRUE(empty.apply_bytes(as_bytes(big.diff_bytes_from(InputState()))));
  InputState resize;
  resize.push(Resize{{0, 10}});
  EXPECT_TRUE(empty.apply_bytes(as_bytes(resize.diff_bytes_from(InputState()))));
  EXPECT_EQ(empty.end(), 0u);
  EXPECT_TRUE(s == before);
}

TEST(InputState, HostEventsAreTypedAndSurviveTheWire) {
  InputState sender;
  sender.push(MateEvent{false, Role::kReadOnly, Via::kSsh, "10.0.0.7:5000"});
  sender.push(MatesSize{Size{100, 30}});
  sender.push(MatesSize{std::nullopt});  // no read-write mate: not a size of zero
  InputState receiver;
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(sender.diff_bytes_from(InputState()))));
  ASSERT_EQ(receiver.end(), 3u);
  EXPECT_EQ(receiver.at(0), InputEvent(MateEvent{false, Role::kReadOnly, Via::kSsh, "10.0.0.7:5000"}));
  EXPECT_EQ(receiver.at(1), InputEvent(MatesSize{Size{100, 30}}));
  EXPECT_EQ(receiver.at(2), InputEvent(MatesSize{std::nullopt}));
}

TEST(InputState, ApprovalsKicksAndNewTokensSurviveTheWire) {
  const MateEvent carol{false, Role::kReadWrite, Via::kNative, "10.0.0.7:5000", "carol", "SHA256:abc"};
  const NewTokens tokens{
      3, "rw", "ro", std::string(32, '\x01'), "ssh -p 22 rw@h", "ssh -p 22 ro@h", "tandem://rw@h", "tandem://ro@h", "", ""};
  InputState sender;
  sender.push(Approval{0xfeedfacecafebeef, false, carol});
  sender.push(Approval{0xfeedfacecafebeef, true});
  sender.push(KickDone{7, true});
  sender.push(tokens);
  InputState receiver;
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(sender.diff_bytes_from(InputState()))));
  ASSERT_EQ(receiver.end(), 4u);
  EXPECT_EQ(receiver.at(0), InputEvent(Approval{0xfeedfacecafebeef, false, carol}));
  EXPECT_EQ(receiver.at(1), InputEvent(Approval{0xfeedfacecafebeef, true}));
  EXPECT_EQ(receiver.at(2), InputEvent(KickDone{7, true}));
  EXPECT_EQ(receiver.at(3), InputEvent(tokens));
}

// New links are printed on the host's terminal and in its shell: nothing a terminal
// would act on, nothing unbounded; an approval names a ticket and a real mate.
TEST(InputState, NewTokensAndApprovalsThatCannotBeTrustedAreRefused) {
  for (NewTokens bad :
       {NewTokens{1, "rw", "ro", "", "ssh \x1b[2J", "", "", "", "", ""}, NewTokens{1, "r w", "ro", "", "", "", "", "", "", ""},
        NewTokens{1, "rw", "", "", "", "", "", "", "", ""}, NewTokens{1, "rw", "ro", "", std::string(600, 'x'), "", "", "", "", ""},
        NewTokens{1, std::string(65, 'a'), "ro", "", "", "", "", "", "", ""}}) {
    InputState sender, receiver;
    sender.push(bad);
    EXPECT_TRUE(receiver.apply_bytes(as_bytes(sender.diff_bytes_from(InputState()))));
    EXPECT_EQ(receiver.end(), 0u);
  }
  for (Approval bad : {Approval{0, false, MateEvent{false, Role::kReadOnly, Via::kSsh, "a"}},
                       Approval{1, false, MateEvent{false, Role::kNone, Via::kSsh, "a"}},
                       Approval{1, false, MateEvent{false, Role::kReadOnly, Via::kSsh, std::string(300, 'a')}}}) {
    InputState sender, receiver;
    sender.push(bad);
    EXPECT_TRUE(receiver.apply_bytes(as_bytes(sender.diff_bytes_from(InputState()))));
    EXPECT_EQ(receiver.end(), 0u);
  }
}

TEST(InputState, AMatesNameArrivesPrintableAndBounded) {
  InputState sender;
  sender.push(MateEvent{true, Role::kReadWrite, Via::kNative, "10.0.0.7:5000", "alice", "SHA256:abc"});
  sender.push(
      MateEvent{true, Role::kReadOnly, Via::kNative, "10.0.0.8:5000", "\x1b]52;c;evil\x07" + std::string(100, 'x')});
  InputState receiver;
  ASSERT_FALSE(receiver.apply_bytes(as_bytes(sender.diff_bytes_from(InputState()))));
  EXPECT_EQ(std::get<MateEvent>(receiver.at(0)).name, "alice");
  EXPECT_EQ(std::get<MateEvent>(receiver.at(0)).key, "SHA256:abc");
  const std::string name = std::get<MateEvent>(receiver.at(1)).name;
  EXPECT_EQ(name.size(), kMaxMateName);
  EXPECT_EQ(name.substr(0, 12), "?]52;c;evil?");
}

TEST(InputState, ForEachNewVisitsEachEventOnceAndDropsIt) {
  InputState s;
  s.push(Keys{"a"});
  s.push(Keys{"b"});
  uint64_t cursor = 0;
  std::string seen;
  for_each_new(s, cursor, [&](const InputEvent& e) { seen += std::get<Keys>(e).bytes; });
  s.push(Keys{"c"});
  for_each_new(s, cursor, [&](const InputEvent& e) { seen += std::get<Keys>(e).bytes; });
  EXPECT_EQ(seen, "abc");
  EXPECT_EQ(s.begin(), 3u);
  EXPECT_EQ(s.end(), 3u);
}

}  // namespace
}  // namespace tandem::statesync
