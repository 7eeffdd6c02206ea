// Round-trip time from echoed timestamps: SRTT and RTTVAR as in RFC 6298, and a
// retransmission timeout clamped as mosh does.
#pragma once

#include <cstdint>

namespace tandem::transport {

inline constexpr double kInitialSrttMs = 1000;
inline constexpr double kMinRtoMs = 50;
inline constexpr double kMaxRtoMs = 1000;
inline constexpr uint32_t kMaxRttSampleMs = 5000;  // longer samples (a stopped peer) are ignored

class RttEstimator {
 public:
  void sample(uint32_t rtt_ms);
  bool has_sample() const { return has_sample_; }
  double srtt_ms() const { return srtt_; }
  double rttvar_ms() const { return rttvar_; }
  double rto_ms() const;

 private:
  bool has_sample_ = false;
  double srtt_ = kInitialSrttMs;
  double rttvar_ = kInitialSrttMs / 2;
};

}  // namespace tandem::transport
