#include "transport/rtt_estimator.h"

#include <algorithm>
#include <cmath>

namespace tandem::transport {

void RttEstimator::sample(uint32_t rtt_ms) {
  if (rtt_ms >= kMaxRttSampleMs) return;
  double r = rtt_ms;
  if (!has_sample_) {
    srtt_ = r;
    rttvar_ = r / 2;
    has_sample_ = true;
    return;
  }
  rttvar_ = 0.75 * rttvar_ + 0.25 * std::fabs(srtt_ - r);
  srtt_ = 0.875 * srtt_ + 0.125 * r;
}

double RttEstimator::rto_ms() const { return std::clamp(std::ceil(srtt_ + 4 * rttvar_), kMinRtoMs, kMaxRtoMs); }

}  // namespace tandem::transport
