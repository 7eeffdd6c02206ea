// What a native mate decodes before any UDP: the join link it is given (strictly, and
// as pasted: wrapped, spaced, quoted, or a plain-ssh line), and the relay's JoinAccept
// reply (a "wait for the host" one included), and what a host's control socket reads
// (`tandem kick NAME`). Any bytes: a clear refusal or a sane value.
#include "fuzz/check.h"
#include "proto/join_link.h"
#include "proto/pasted_link.h"
#include "src/bootstrap_client.h"
#include "src/host/control_socket.h"

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
  why.clear();
  if (auto pasted = parse_pasted_link(text, &why)) {
    FUZZ_CHECK(pasted->link.port != 0 && !pasted->link.token.empty() && !pasted->link.host.empty());
    FUZZ_CHECK(pasted->ssh_line == pasted->link.fingerprint.empty());
    if (!pasted->ssh_line) FUZZ_CHECK(JoinLink::parse(pasted->link.to_string(), nullptr).has_value());
    if (pasted->ssh_line) FUZZ_CHECK(parse_pasted_link(pasted->link.ssh_uri(), nullptr).has_value());
  } else {
    FUZZ_CHECK(!why.empty());
  }
  if (auto accept = parse_join_accept(text)) {
    FUZZ_CHECK(accept->link_key().size() == (accept->same_link() ? 0u : 32u) && accept->udp_port() > 0 &&
               accept->udp_port() <= 65535);
  }
  if (auto request = parse_request(text)) {
    FUZZ_CHECK(request->target.size() <= ControlRequest::kMaxTarget);
    for (char c : request->target) FUZZ_CHECK(c >= 0x20 && c < 0x7F);
    FUZZ_CHECK(parse_request(request_line(*request)) == request);
  }
  return 0;
}
