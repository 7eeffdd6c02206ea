// `tandem-bench transport`: sealing and opening datagrams on one core, and what the
// framing costs per datagram.
#include <chrono>
#include <cstdio>

#include "bench/bench.h"
#include "transport/link.h"

namespace tandem::bench {

int transport_main(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "tandem-bench transport: takes no arguments\n");
    return 2;
  }
  using namespace transport;
  const LinkKey key = random_link_key();
  for (size_t payload : {size_t(64), kMaxFragmentBytes}) {
    uint64_t delivered = 0;
    Link sender(key, 1, Side::kClient, {});
    Link receiver(key, 1, Side::kServer, LinkCallbacks{[&](std::span<const uint8_t>) { ++delivered; }, {}});
    const Address from = *Address::parse("127.0.0.1:9");
    std::vector<uint8_t> message(payload, 0x5A);
    std::vector<std::vector<uint8_t>> out;
    const int n = 200000;
    size_t wire_bytes = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      out.clear();
      sender.seal_message(message, out, uint64_t(i));
      for (auto& d : out) {
        wire_bytes += d.size();
        receiver.receive(d, from, uint64_t(i));
      }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "{\"bench\":\"transport\",\"payload_bytes\":%zu,\"datagrams\":%d,\"delivered\":%llu,\"seconds\":%.4f,"
        "\"seal_open_per_s\":%.0f,\"mb_per_s\":%.1f,\"overhead_bytes\":%zu}\n",
        payload, n, (unsigned long long)delivered, seconds, n / seconds, double(n) * double(payload) / seconds / 1e6,
        wire_bytes / size_t(n) - payload);
  }
  return 0;
}

}  // namespace tandem::bench
