// When a native mate asks its relay again, and what each answer means: the backoff
// is bounded, a relay heard again starts afresh, a relay that lives in its host is
// gone when nothing listens, and one elsewhere is given time for its host to return.
#include "src/join_recovery.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

using Kind = RejoinPolicy::Verdict::Kind;

proto::JoinAccept new_link() {
  proto::JoinAccept a;
  a.set_link_id(7);
  return a;
}

proto::JoinAccept same_link() {
  proto::JoinAccept a = new_link();
  a.set_same_link(true);
  return a;
}

TEST(Backoff, DoublesFromTheFirstWaitUpToTheMaximumAndStartsAgainAfterAReset) {
  Backoff b(1000, 15000);
  EXPECT_EQ(b.next_ms(), 1000u);
  EXPECT_EQ(b.next_ms(), 2000u);
  EXPECT_EQ(b.next_ms(), 4000u);
  EXPECT_EQ(b.next_ms(), 8000u);
  EXPECT_EQ(b.next_ms(), 15000u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.next_ms(), 15000u);
  b.reset();
  EXPECT_EQ(b.next_ms(), 1000u);
}

TEST(RejoinPolicy, AsksOnlyAfterASilenceAndThenAtTheBackoffsPace) {
  RejoinPolicy p(false);
  EXPECT_FALSE(p.should_ask(0, 1000));
  EXPECT_FALSE(p.should_ask(RejoinPolicy::kAskAfterMs - 1, 1000));
  EXPECT_TRUE(p.should_ask(RejoinPolicy::kAskAfterMs, 1000));
  EXPECT_EQ(p.answered(std::nullopt, JoinFailure::kUnreachable, "timeout", 1000).kind, Kind::kRetry);
  EXPECT_FALSE(p.should_ask(RejoinPolicy::kAskAfterMs + 500, 1500));
  EXPECT_TRUE(p.should_ask(RejoinPolicy::kAskAfterMs + 1000, 2000));
  EXPECT_EQ(p.answered(std::nullopt, JoinFailure::kConnectionRefused, "refused", 2000).kind, Kind::kRetry);
  EXPECT_FALSE(p.should_ask(RejoinPolicy::kAskAfterMs + 2000, 3999));
  EXPECT_TRUE(p.should_ask(RejoinPolicy::kAskAfterMs + 2000, 4000));
}

TEST(RejoinPolicy, WaitsBetweenAttemptsAreBounded) {
  RejoinPolicy p(false);
  uint64_t now = 0;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(p.should_ask(RejoinPolicy::kAskAfterMs, now) || now < p.next_at_ms());
    now = std::max(now, p.next_at_ms());
    p.answered(std::nullopt, JoinFailure::kUnreachable, "", now);
    EXPECT_LE(p.next_at_ms() - now, RejoinPolicy::kMaxWaitMs);
    EXPECT_GE(p.next_at_ms() - now, RejoinPolicy::kFirstWaitMs);
  }
}

TEST(RejoinPolicy, ARelayHeardAgainStartsAfresh) {
  RejoinPolicy p(false);
  for (uint64_t now = 0; now < 100000; now += 20000) {
    ASSERT_TRUE(p.should_ask(RejoinPolicy::kAskAfterMs, now));
    p.answered(std::nullopt, JoinFailure::kUnreachable, "", now);
  }
  EXPECT_FALSE(p.should_ask(0, 200000));  // heard
  EXPECT_TRUE(p.should_ask(RejoinPolicy::kAskAfterMs, 200000));
  p.answered(std::nullopt, JoinFailure::kUnreachable, "", 200000);
  EXPECT_EQ(p.next_at_ms(), 200000 + RejoinPolicy::kFirstWaitMs);
}

TEST(RejoinPolicy, ANewLinkIsUsedAndTheSameLinkKept) {
  RejoinPolicy p(false);
  EXPECT_EQ(p.answered(new_link(), JoinFailure::kNone, "", 0).kind, Kind::kSwap);
  EXPECT_EQ(p.answered(same_link(), JoinFailure::kNone, "", 0).kind, Kind::kKeep);
  EXPECT_GT(p.next_at_ms(), 0u);  // and asks again later if the silence goes on
}

TEST(RejoinPolicy, AnEmbeddedRelayThatRefusesConnectionsMeansTheHostIsGone) {
  RejoinPolicy p(true);
  const RejoinPolicy::Verdict v = p.answered(std::nullopt, JoinFailure::kConnectionRefused, "refused", 0);
  EXPECT_EQ(v.kind, Kind::kGone);
  EXPECT_NE(v.words.find("relay is gone (connection refused)"), std::string::npos) << v.words;
  EXPECT_EQ(RejoinPolicy(true).answered(std::nullopt, JoinFailure::kNotAdmitted, "", 0).kind, Kind::kGone);
  // A network that does not answer may come back.
  EXPECT_EQ(RejoinPolicy(true).answered(std::nullopt, JoinFailure::kUnreachable, "", 0).kind, Kind::kRetry);
}

TEST(RejoinPolicy, ARelayElsewhereIsGivenTimeForItsHostToComeBack) {
  RejoinPolicy p(false);
  EXPECT_EQ(p.answered(std::nullopt, JoinFailure::kConnectionRefused, "", 0).kind, Kind::kRetry);
  EXPECT_EQ(p.answered(std::nullopt, JoinFailure::kNotAdmitted, "", 1000).kind, Kind::kRetry);
  EXPECT_EQ(p.answered(std::nullopt, JoinFailure::kNotAdmitted, "", 1000 + RejoinPolicy::kUnknownForMs - 1).kind,
            Kind::kRetry);
  const RejoinPolicy::Verdict v =
      p.answered(std::nullopt, JoinFailure::kNotAdmitted, "", 1000 + RejoinPolicy::kUnknownForMs);
  EXPECT_EQ(v.kind, Kind::kGone);
  EXPECT_NE(v.words.find("no longer knows this session"), std::string::npos) << v.words;
}

TEST(RejoinPolicy, AnEndedSessionOrAnotherRelayIsGoneAtOnce) {
  EXPECT_EQ(RejoinPolicy(false).answered(std::nullopt, JoinFailure::kEnded, "", 0).kind, Kind::kGone);
  const RejoinPolicy::Verdict v =
      RejoinPolicy(false).answered(std::nullopt, JoinFailure::kOther, "the relay at x has key y, not z", 0);
  EXPECT_EQ(v.kind, Kind::kGone);
  EXPECT_NE(v.words.find("has key y"), std::string::npos);
}

}  // namespace
}  // namespace tandem
