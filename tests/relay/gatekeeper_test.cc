// Who gets in: tokens grant roles in live sessions only, allow-lists want a listed
// key, and an address that keeps guessing is shut out for the rest of the window.
#include "relay/ssh/gatekeeper.h"

#include <gtest/gtest.h>

#include "relay/session.h"

namespace tandem::relay {
namespace {

TEST(FailureLimiter, TenMissesShutAnAddressOutUntilTheWindowEnds) {
  uint64_t now = 1000;
  FailureLimiter limiter([&] { return now; });
  for (int i = 0; i < FailureLimiter::kMaxFailures - 1; ++i) limiter.note_failure("10.0.0.1");
  EXPECT_FALSE(limiter.blocked("10.0.0.1"));
  limiter.note_failure("10.0.0.1");
  EXPECT_TRUE(limiter.blocked("10.0.0.1"));
  EXPECT_FALSE(limiter.blocked("10.0.0.2"));  // only that address
  now += FailureLimiter::kWindowMs;
  EXPECT_FALSE(limiter.blocked("10.0.0.1"));
}

TEST(FailureLimiter, MemoryIsBoundedWhateverTheAddresses) {
  uint64_t now = 0;
  FailureLimiter limiter([&] { return now; });
  for (size_t i = 0; i < 3 * FailureLimiter::kMaxTrackedAddresses; ++i) limiter.note_failure(std::to_string(i));
  EXPECT_LE(limiter.tracked(), FailureLimiter::kMaxTrackedAddresses);
}

TEST(Gatekeeper, ATokenGrantsItsRoleInALiveSessionOnly) {
  auto s = std::make_shared<Session>("id", "rw", "ro", SessionOptions{});
  Gatekeeper gate([&](std::string_view t) { return t == "rw" || t == "ro" ? s : nullptr; }, [] { return 0; });
  EXPECT_EQ(gate.authorize("rw").role, Role::kReadWrite);
  EXPECT_EQ(gate.authorize("ro").role, Role::kReadOnly);
  EXPECT_EQ(gate.authorize("guess").role, Role::kNone);
  EXPECT_TRUE(gate.authorize("guess").session.expired());
  s->end("bye", 0);
  EXPECT_EQ(gate.authorize("rw").role, Role::kNone);
}

TEST(Gatekeeper, AnAllowListWantsAListedKey) {
  SessionOptions o;
  o.allowed_keys = {"SHA256:listed"};
  auto s = std::make_shared<Session>("id", "rw", "ro", o);
  Gatekeeper gate([&](std::string_view) { return s; }, [] { return 0; });
  const Grant g = gate.authorize("rw");
  EXPECT_TRUE(Gatekeeper::wants_key(g));
  EXPECT_TRUE(Gatekeeper::admits_key(g, "SHA256:listed"));
  EXPECT_FALSE(Gatekeeper::admits_key(g, "SHA256:other"));
}

}  // namespace
}  // namespace tandem::relay
