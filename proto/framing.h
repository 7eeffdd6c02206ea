// The bootstrap channel's framing: each protobuf message is preceded by its length,
// 4 bytes big-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/wire.h"

namespace tandem::proto {

inline constexpr size_t kFrameHeaderBytes = 4;

inline std::string frame(std::string_view body) {
  std::string out(kFrameHeaderBytes, '\0');
  put_be32(reinterpret_cast<uint8_t*>(out.data()), uint32_t(body.size()));
  out.append(body);
  return out;
}

// The body length a frame header announces; `header` holds kFrameHeaderBytes.
inline uint32_t frame_length(const char* header) {
  return get_be32(reinterpret_cast<const uint8_t*>(header));
}

}  // namespace tandem::proto
