// The host's list of mates on a relay elsewhere: joins and leaves are told once; a
// relay that restarted does not make its mates "leave"; those that come back within
// the grace period are not announced again, the others leave when it is over.
#include "src/host/mate_roster.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

MateInfo native(const std::string& who, Role role = Role::kReadWrite) { return MateInfo{who, role, Via::kNative}; }

TEST(MateRoster, JoinsAndLeavesAreToldOnce) {
  MateRoster r;
  auto joined = r.event(native("10.0.0.1:5000"), true);
  ASSERT_TRUE(joined);
  EXPECT_TRUE(joined->joined);
  EXPECT_FALSE(r.event(native("10.0.0.1:5000"), true));  // a new link's replay of who is here
  EXPECT_EQ(r.mates().size(), 1u);
  auto left = r.event(native("10.0.0.1:5000"), false);
  ASSERT_TRUE(left);
  EXPECT_FALSE(left->joined);
  EXPECT_FALSE(r.event(native("10.0.0.1:5000"), false));
  EXPECT_TRUE(r.mates().empty());
}

TEST(MateRoster, MatesOfARestartedRelayThatComeBackInTimeAreNotAnnounced) {
  MateRoster r;
  r.event(native("10.0.0.1:5000"), true);
  r.event(native("10.0.0.2:6000", Role::kReadOnly), true);
  r.event(MateInfo{"10.0.0.3:7000", Role::kReadWrite, Via::kSsh}, true);
  r.relay_forgot(1000);
  EXPECT_TRUE(r.mates().empty());
  EXPECT_EQ(r.expected(), 3u);
  // Back from a new port: not announced.
  EXPECT_FALSE(r.event(native("10.0.0.1:5123"), true));
  EXPECT_EQ(r.mates().size(), 1u);
  // The same address in another role is someone else.
  auto other = r.event(native("10.0.0.2:6001", Role::kReadWrite), true);
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->joined);
  EXPECT_TRUE(r.expire(1000 + MateRoster::kReturnGraceMs - 1).empty());
  // The rest did not come back: they have left.
  std::vector<MateRoster::Change> gone = r.expire(1000 + MateRoster::kReturnGraceMs);
  ASSERT_EQ(gone.size(), 2u);
  EXPECT_FALSE(gone[0].joined);
  EXPECT_EQ(gone[0].mate.who, "10.0.0.2:6000");
  EXPECT_EQ(gone[1].mate.who, "10.0.0.3:7000");
  EXPECT_EQ(r.expected(), 0u);
  // Coming back later is a join like any other.
  auto late = r.event(MateInfo{"10.0.0.3:7100", Role::kReadWrite, Via::kSsh}, true);
  ASSERT_TRUE(late);
  EXPECT_TRUE(late->joined);
}

TEST(MateRoster, ANewSessionLosesEveryMate) {
  MateRoster r;
  r.event(native("10.0.0.1:5000"), true);
  r.relay_forgot(0);
  r.event(native("10.0.0.4:5000"), true);
  EXPECT_EQ(r.clear().size(), 2u);
  EXPECT_TRUE(r.mates().empty());
  EXPECT_EQ(r.expected(), 0u);
  EXPECT_TRUE(r.expire(MateRoster::kReturnGraceMs).empty());
}

}  // namespace
}  // namespace tandem
