// What a relay decodes from a host before any UDP: the HostHello on the SSH
// subsystem (any bytes, from anyone with a key), and what the host decodes back.
// Any bytes: a HostAccept the host can read (a refusal or a session), no crash.
// The bootstrap service runs alone, on an in-memory directory: no sockets.
#include "fuzz/check.h"
#include "relay/bootstrap_service.h"
#include "src/bootstrap_client.h"
#include "tests/relay/fake_directory.h"

using namespace tandem;

namespace {

std::unique_ptr<testing::FakeDirectory> directory;
int uses = 0;

relay::BootstrapService service(relay::HostDirectory& d) {
  relay::Secret secret;
  secret.fill(1);
  return relay::BootstrapService(d, secret, "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Sessions pile up as inputs make them: start over now and then.
  if (!directory || ++uses % 256 == 0) directory = std::make_unique<testing::FakeDirectory>();
  relay::BootstrapService bootstrap = service(*directory);
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const proto::HostAccept reply = bootstrap.host_request(relay::HostCaller{"SHA256:fuzzkey", "127.0.0.1:1", "127.0.0.1"}, bytes);
  const std::string wire = reply.SerializeAsString();
  std::optional<proto::HostAccept> read = parse_host_accept(wire);
  FUZZ_CHECK(read.has_value());
  FUZZ_CHECK(read->has_refusal() || read->has_accepted());
  if (auto accept = parse_host_accept(bytes); accept && accept->has_accepted()) {
    FUZZ_CHECK(accept->accepted().resume_secret().size() == 32 && !accept->accepted().ro_token().empty());
  }
  return 0;
}
