// Datagram decoding on any bytes: header parse, authentication, replay window,
// timestamps, fragment parsing and reassembly. The input is a series of chunks; a
// chunk whose first byte is odd goes on the wire as it is (and must be refused
// unless it authenticates, which random bytes never do), one whose first byte is
// even is sealed with the link's key first, so that arbitrary *authentic* payloads
// reach the fragment and reassembly code.
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz/check.h"
#include "transport/link.h"

using namespace tandem::transport;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const LinkKey key = [] {
    LinkKey k{};
    for (size_t i = 0; i < k.size(); ++i) k[i] = uint8_t(i * 7 + 1);
    return k;
  }();
  FuzzedDataProvider in(data, size);
  size_t delivered_bytes = 0;
  uint64_t lost = 0;
  Link server(key, 77, Side::kServer,
              LinkCallbacks{[&](std::span<const uint8_t> m) {
                              FUZZ_CHECK(m.size() <= kMaxMessageBytes);
                              delivered_bytes += m.size();
                            },
                            [&](uint32_t, uint32_t count) { lost += count; }});
  DatagramCodec sealer(key, 77, Side::kClient);
  const Address from = *Address::parse("127.0.0.1:1000");
  std::vector<uint8_t> sealed;
  uint64_t now = 1;
  while (in.remaining_bytes() > 0) {
    bool raw = in.ConsumeIntegral<uint8_t>() & 1;
    std::vector<uint8_t> chunk = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(0, 1300));
    now += in.ConsumeIntegralInRange<uint64_t>(0, 2000);
    if (raw) {
      const uint64_t before = server.counters().datagrams_in;
      server.receive(chunk, from, now);
      // Random bytes never authenticate.
      FUZZ_CHECK(server.counters().datagrams_in == before);
    } else {
      if (chunk.size() > kMaxPayloadBytes) chunk.resize(kMaxPayloadBytes);
      FUZZ_CHECK(sealer.seal(chunk, sealed));
      FUZZ_CHECK(server.receive(sealed, from, now));
    }
  }
  FUZZ_CHECK(server.counters().messages_lost == lost);
  (void)delivered_bytes;
  return 0;
}
