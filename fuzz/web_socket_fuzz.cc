// What a browser (or anyone) sends on the web port after the upgrade: any bytes, as
// WebSocket frames (wslay) and then as the page's messages. Nothing crashes, no
// message is over the cap, and what decodes encodes back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/check.h"
#include "proto/web_message.h"
#include "transport/web_socket.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace web = tandem::proto::web;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tandem::transport::WebSocket::decode_for_test(bytes, web::kMaxMessage + 16, [](std::string_view m) {
    FUZZ_CHECK(m.size() <= web::kMaxMessage + 16);
    std::string error;
    std::optional<web::FromBrowser> msg = web::decode_from_browser(m, &error);
    if (msg) {
      FUZZ_CHECK(web::encode(*msg) == m);
    } else {
      FUZZ_CHECK(!error.empty());
    }
  });
  return 0;
}
