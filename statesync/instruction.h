// The SSP instruction on the wire: a protobuf Instruction whose diff is zlib-
// compressed when that makes it smaller. Decoding bounds the inflated size, so a
// small message cannot expand into a large allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "proto/sync.pb.h"
#include "proto/decode_error.h"

namespace tandem::statesync {

inline constexpr uint32_t kSyncProtocolVersion = 2;  // 2: typed mate events replace free-text notices
inline constexpr uint64_t kShutdownNum = UINT64_MAX;  // new_num of a sender that is leaving
inline constexpr size_t kMaxDiffBytes = 8 << 20;      // inflated diff size accepted

// Serializes `inst` with `diff` as its diff, compressed when that is smaller.
std::string encode_instruction(proto::Instruction inst, std::string_view diff);

struct DecodedInstruction {
  proto::Instruction inst;  // its diff field is cleared
  std::string diff;         // inflated
};
// Parses and checks a received message; an error for anything malformed.
std::optional<DecodedInstruction> decode_instruction(std::span<const uint8_t> message, DecodeError* error);

}  // namespace tandem::statesync
