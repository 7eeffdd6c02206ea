#include "statesync/instruction.h"

#include <zlib.h>

namespace tandem::statesync {
namespace {

constexpr size_t kCompressAbove = 64;  // smaller diffs are not worth a zlib header

// zlib's streams, made once per thread and reset between messages: setting one up
// allocates and clears a quarter of a megabyte, which a relay forwarding thousands of
// frames a second would otherwise do for every one of them.
struct Deflater {
  z_stream z{};
  bool ok = deflateInit(&z, Z_DEFAULT_COMPRESSION) == Z_OK;
  ~Deflater() {
    if (ok) deflateEnd(&z);
  }
};
struct Inflater {
  z_stream z{};
  bool ok = inflateInit(&z) == Z_OK;
  ~Inflater() {
    if (ok) inflateEnd(&z);
  }
};

// The diff compressed, or nullopt when zlib fails or it would not be smaller.
std::optional<std::string> deflate_diff(std::string_view diff) {
  thread_local Deflater d;
  if (!d.ok || deflateReset(&d.z) != Z_OK) return std::nullopt;
  std::string packed(deflateBound(&d.z, uLong(diff.size())), '\0');
  d.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(diff.data()));
  d.z.avail_in = uInt(diff.size());
  d.z.next_out = reinterpret_cast<Bytef*>(packed.data());
  d.z.avail_out = uInt(packed.size());
  if (deflate(&d.z, Z_FINISH) != Z_STREAM_END || d.z.total_out >= diff.size()) return std::nullopt;
  packed.resize(d.z.total_out);
  return packed;
}

}  // namespace

std::string encode_instruction(proto::Instruction inst, std::string_view diff) {
  inst.set_protocol_version(kSyncProtocolVersion);
  inst.set_compressed(false);
  if (diff.size() > kCompressAbove) {
    if (std::optional<std::string> packed = deflate_diff(diff)) {
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
    // Inflate in steps, never past kMaxDiffBytes.
    thread_local Inflater inflater;
    z_stream& z = inflater.z;
    if (!inflater.ok || inflateReset(&z) != Z_OK) {
      if (error) *error = {"zlib init failed"};
      return std::nullopt;
    }
    const std::string& packed = d.inst.diff();
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    z.avail_in = uInt(packed.size());
    int rc = Z_OK;
    char chunk[16384];
    while (rc == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(chunk);
      z.avail_out = sizeof chunk;
      rc = inflate(&z, Z_NO_FLUSH);
      d.diff.append(chunk, sizeof chunk - z.avail_out);
      if (d.diff.size() > kMaxDiffBytes) rc = Z_MEM_ERROR;
      if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
    }
    if (rc != Z_STREAM_END) {
      if (error) *error = {"bad compressed diff"};
      return std::nullopt;
    }
  }
  d.inst.clear_diff();
  return d;
}

}  // namespace tandem::statesync
