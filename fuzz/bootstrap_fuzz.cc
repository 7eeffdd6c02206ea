// What a native mate decodes before any UDP: the join link it is given, and the
// relay's JoinAccept reply. Any bytes: a clear refusal or a sane value.
#include "fuzz/check.h"
#include "src/bootstrap_client.h"
#include "proto/join_link.h"

using namespace tandem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string why;
  if (auto link = JoinLink::parse(text, &why)) {
    FUZZ_CHECK(link->port != 0 && !link->token.empty());
    FUZZ_CHECK(JoinLink::parse(link->to_string(), nullptr).has_value());
  } else {
    FUZZ_CHECK(!why.empty());
  }
  if (auto accept = parse_join_accept(text)) {
    FUZZ_CHECK(accept->link_key().size() == (accept->same_link() ? 0u : 32u) && accept->udp_port() > 0 &&
               accept->udp_port() <= 65535);
  }
  return 0;
}
