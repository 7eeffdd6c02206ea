#include "transport/wake_detector.h"

#include <ctime>

namespace tandem::transport {
namespace {

int64_t ms(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

WakeDetector::WakeDetector(std::function<int64_t()> offset_ms) : offset_ms_(std::move(offset_ms)), last_(offset_ms_()) {}

int64_t WakeDetector::system_offset_ms() { return ms(CLOCK_BOOTTIME) - ms(CLOCK_MONOTONIC); }

bool WakeDetector::woke() {
  int64_t now = offset_ms_();
  bool slept = now - last_ >= kSleepThresholdMs;
  last_ = now;
  return slept;
}

}  // namespace tandem::transport
