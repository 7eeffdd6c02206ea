#include "statesync/instruction.h"

#include "proto/deflate.h"

namespace tandem::statesync {
namespace {

constexpr size_t kCompressAbove = 64;  // smaller diffs are not worth a zlib header

}  // namespace

std::string encode_instruction(proto::Instruction inst, std::string_view diff) {
  inst.set_protocol_version(kSyncProtocolVersion);
  inst.set_compressed(false);
  if (diff.size() > kCompressAbove) {
    if (std::optional<std::string> packed = proto::deflate_bytes(diff)) {
      inst.set_diff(std::move(*packed));
      inst.set_compressed(true);
      return inst.SerializeAsString();
    }
  }
  inst.set_diff(std::string(diff));
  return inst.SerializeAsString();
}

std::optional<DecodedInstruction> decode_instruction(std::span<const uint8_t> message, DecodeError* error) {
  DecodedInstruction d;
  if (!d.inst.ParseFromArray(message.data(), int(message.size()))) {
    if (error) *error = {"not an Instruction message"};
    return std::nullopt;
  }
  if (d.inst.protocol_version() != kSyncProtocolVersion) {
    if (error) *error = {"sync protocol version " + std::to_string(d.inst.protocol_version()) + " is not ours"};
    return std::nullopt;
  }
  if (!d.inst.compressed()) {
    d.diff = std::move(*d.inst.mutable_diff());
  } else {
    std::optional<std::string> diff = proto::inflate_bytes(d.inst.diff(), kMaxDiffBytes);
    if (!diff) {
      if (error) *error = {"bad compressed diff"};
      return std::nullopt;
    }
    d.diff = std::move(*diff);
  }
  d.inst.clear_diff();
  return d;
}

}  // namespace tandem::statesync
