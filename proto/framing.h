// The bootstrap channel's framing: each protobuf message is preceded by its length,
// 4 bytes big-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::proto {

inline constexpr size_t kFrameHeaderBytes = 4;

inline std::string frame(std::string_view body) {
  const size_t n = body.size();
  std::string out = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  out.append(body);
  return out;
}

// The body length a frame header announces; `header` holds kFrameHeaderBytes.
inline uint32_t frame_length(const char* header) {
  return uint32_t(uint8_t(header[0])) << 24 | uint32_t(uint8_t(header[1])) << 16 |
         uint32_t(uint8_t(header[2])) << 8 | uint8_t(header[3]);
}

}  // namespace tandem::proto
