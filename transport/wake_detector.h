// Notices that the machine slept: CLOCK_BOOTTIME keeps counting through a suspend
// while CLOCK_MONOTONIC stops, so their difference jumps by the time asleep.
#pragma once

#include <cstdint>
#include <functional>

namespace tandem::transport {

inline constexpr int64_t kSleepThresholdMs = 1000;

class WakeDetector {
 public:
  // `offset_ms` returns BOOTTIME minus MONOTONIC; tests pass their own.
  explicit WakeDetector(std::function<int64_t()> offset_ms = system_offset_ms);

  // True once per sleep of at least kSleepThresholdMs since the previous call.
  bool woke();

  static int64_t system_offset_ms();

 private:
  std::function<int64_t()> offset_ms_;
  int64_t last_;
};

}  // namespace tandem::transport
