// What anyone sends the relay's web port first: any bytes, as the head of a request.
// Nothing crashes, a parsed head is within the input and the bound, and its fields
// hold no control bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/check.h"
#include "proto/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tandem::proto::HttpRequest r;
  size_t used = 0;
  std::string error;
  const tandem::proto::HttpParse p = tandem::proto::parse_http_request(bytes, r, &used, &error);
  if (p == tandem::proto::HttpParse::kDone) {
    FUZZ_CHECK(used <= size && used <= tandem::proto::HttpRequest::kMaxHead);
    for (const std::string* f : {&r.host, &r.origin, &r.path, &r.websocket_key}) {
      for (char c : *f) FUZZ_CHECK(uint8_t(c) >= 0x20 || c == '\t');
    }
    if (r.wants_websocket()) FUZZ_CHECK(tandem::proto::websocket_accept(r.websocket_key).size() == 28);
  } else if (p == tandem::proto::HttpParse::kBad) {
    FUZZ_CHECK(!error.empty());
  }
  return 0;
}
