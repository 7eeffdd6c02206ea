#include "proto/deflate.h"

#include <zlib.h>

namespace tandem::proto {
namespace {

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

}  // namespace

std::optional<std::string> deflate_bytes(std::string_view in) {
  thread_local Deflater d;
  if (!d.ok || deflateReset(&d.z) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&d.z, uLong(in.size())), '\0');
  d.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  d.z.avail_in = uInt(in.size());
  d.z.next_out = reinterpret_cast<Bytef*>(out.data());
  d.z.avail_out = uInt(out.size());
  if (deflate(&d.z, Z_FINISH) != Z_STREAM_END || d.z.total_out >= in.size()) return std::nullopt;
  out.resize(d.z.total_out);
  return out;
}

std::optional<std::string> inflate_bytes(std::string_view in, size_t max_out) {
  thread_local Inflater inflater;
  z_stream& z = inflater.z;
  if (!inflater.ok || inflateReset(&z) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  std::string out;
  int rc = Z_OK;
  char chunk[16384];
  while (rc == Z_OK) {  // in steps, never past max_out
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
    if (out.size() > max_out) return std::nullopt;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

}  // namespace tandem::proto
