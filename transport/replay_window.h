// Which sequence numbers have been seen: a sliding window over the newest
// kWindow numbers. Anything older than the window, or seen already, is a replay.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tandem::transport {

class ReplayWindow {
 public:
  static constexpr uint64_t kWindow = 2048;

  // Whether `seq` may be accepted: new, and not older than the window.
  bool fresh(uint64_t seq) const;
  // Records `seq` (which must be fresh).
  void accept(uint64_t seq);
  // One past the highest sequence number accepted so far (0 before any).
  uint64_t top() const { return top_; }

 private:
  bool bit(uint64_t seq) const { return (bits_[(seq / 64) % kWords] >> (seq % 64)) & 1; }

  static constexpr size_t kWords = kWindow / 64;
  std::array<uint64_t, kWords> bits_{};
  uint64_t top_ = 0;
};

}  // namespace tandem::transport
