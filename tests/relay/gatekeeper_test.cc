// Who gets in: tokens grant roles in live sessions only, allow-lists want a listed
// key, and an address that keeps guessing waits long for each answer (but is never
// shut out: a right token from the same address gets in at once).
#include "relay/ssh/gatekeeper.h"

#include <gtest/gtest.h>

#include "relay/session.h"

namespace tandem::relay {
namespace {

// Finding 9 of the relay probe: the 11th miss shut the address out, and a mate behind
// the same NAT with the right link was refused 73 % of the time.
TEST(FailureLimiter, AnAddressThatKeepsGuessingWaitsLongerButIsNeverShutOut) {
  uint64_t now = 1000;
  FailureLimiter limiter([&] { return now; });
  for (int i = 0; i < FailureLimiter::kMaxFailures - 1; ++i) limiter.note_failure("10.0.0.1");
  EXPECT_LT(limiter.refusal_delay("10.0.0.1"), FailureLimiter::kSlowRefusal);
  limiter.note_failure("10.0.0.1");
  EXPECT_GE(limiter.refusal_delay("10.0.0.1"), FailureLimiter::kSlowRefusal);
  EXPECT_LT(limiter.refusal_delay("10.0.0.2"), FailureLimiter::kSlowRefusal);  // only that address
  EXPECT_EQ(limiter.total(), FailureLimiter::kMaxFailures);
  now += FailureLimiter::kWindowMs;
  EXPECT_LT(limiter.refusal_delay("10.0.0.1"), FailureLimiter::kSlowRefusal);
  EXPECT_EQ(limiter.total(), 0);
}

TEST(FailureLimiter, MissesSpreadOverManyAddressesAreCountedInAll) {
  uint64_t now = 0;
  FailureLimiter limiter([&] { return now; });
  for (int i = 0; i < 200; ++i) limiter.note_failure("10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250));
  EXPECT_EQ(limiter.total(), 200);
  EXPECT_EQ(limiter.failures("10.0.0.7"), 1);
}

TEST(FailureLimiter, MemoryIsBoundedWhateverTheAddresses) {
  uint64_t now = 0;
  FailureLimiter limiter([&] { return now; });
  for (size_t i = 0; i < 3 * FailureLimiter::kMaxTrackedAddresses; ++i) limiter.note_failure(std::to_string(i));
  EXPECT_LE(limiter.tracked(), FailureLimiter::kMaxTrackedAddresses);
  EXPECT_EQ(limiter.total(), int(3 * FailureLimiter::kMaxTrackedAddresses));
}

TEST(Gatekeeper, ARightTokenIsAdmittedWhateverTheAddressGuessedBefore) {
  auto s = std::make_shared<Session>("id", "rw", "ro", SessionOptions{});
  Gatekeeper gate([&](std::string_view t) { return t == "rw" ? s : nullptr; }, [] { return 0; });
  for (int i = 0; i < 100; ++i) gate.failures().note_failure("127.0.0.1");
  EXPECT_EQ(gate.authorize("rw").role, Role::kReadWrite);
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
