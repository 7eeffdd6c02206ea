// What a relay decodes from a host before any UDP: the HostHello on the SSH
// subsystem (any bytes, from anyone with a key), and what the host decodes back.
// Any bytes: a HostAccept the host can read (a refusal or a session), no crash.
#include "fuzz/check.h"
#include "proto/framing.h"
#include "relay/relay.h"
#include "src/bootstrap_client.h"

using namespace tandem;

namespace {

transport::EventBasePtr base;
std::unique_ptr<relay::Relay> relay_under_test;
int uses = 0;

relay::Relay& fresh_relay() {
  // Sessions pile up as inputs make them: start over now and then.
  if (!relay_under_test || ++uses % 256 == 0) {
    relay_under_test.reset();
    if (!base) base = transport::make_event_base();
    relay::RelayOptions o;
    o.ssh_listen = *transport::Address::parse("127.0.0.1:0");
    o.udp_listen = *transport::Address::parse("127.0.0.1:0");
    relay::Secret secret;
    secret.fill(1);
    o.secret = secret;
    std::string error;
    relay_under_test = relay::Relay::open(base.get(), o, &error);
    FUZZ_CHECK(relay_under_test != nullptr);
  }
  return *relay_under_test;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string reply = fresh_relay().host_request("SHA256:fuzzkey", "127.0.0.1:1", bytes);
  FUZZ_CHECK(reply.size() >= proto::kFrameHeaderBytes);
  FUZZ_CHECK(proto::frame_length(reply.data()) == reply.size() - proto::kFrameHeaderBytes);
  FUZZ_CHECK(parse_host_accept(std::string_view(reply).substr(proto::kFrameHeaderBytes)).has_value());
  if (auto accept = parse_host_accept(bytes); accept && accept->error().empty()) {
    FUZZ_CHECK(accept->resume_secret().size() == 32 && !accept->ro_token().empty());
  }
  return 0;
}
