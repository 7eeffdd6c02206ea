#include "transport/rtt_estimator.h"

#include <gtest/gtest.h>

namespace tandem::transport {
namespace {

TEST(RttEstimator, FirstSampleSetsTheEstimate) {
  RttEstimator r;
  EXPECT_FALSE(r.has_sample());
  EXPECT_EQ(r.rto_ms(), kMaxRtoMs);  // 1000 + 4 * 500, clamped
  r.sample(100);
  EXPECT_EQ(r.srtt_ms(), 100);
  EXPECT_EQ(r.rttvar_ms(), 50);
  EXPECT_EQ(r.rto_ms(), 300);
}

TEST(RttEstimator, ConvergesToASteadyRoundTrip) {
  RttEstimator r;
  r.sample(400);
  for (int i = 0; i < 100; ++i) r.sample(40);
  EXPECT_NEAR(r.srtt_ms(), 40, 1);
  EXPECT_EQ(r.rto_ms(), kMinRtoMs);  // clamped from below
}

TEST(RttEstimator, IgnoresSamplesFromAStoppedPeer) {
  RttEstimator r;
  r.sample(30);
  r.sample(kMaxRttSampleMs);
  EXPECT_EQ(r.srtt_ms(), 30);
}

}  // namespace
}  // namespace tandem::transport
