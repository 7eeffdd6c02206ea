#include "src/host/address_reach.h"

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

namespace tandem {
namespace {

struct Range4 {
  uint32_t network;
  int prefix;
  const char* kind;
};

constexpr Range4 kLocal4[] = {
    {0x0A000000, 8, "a private address (RFC 1918)"},             // 10/8
    {0xAC100000, 12, "a private address (RFC 1918)"},            // 172.16/12
    {0xC0A80000, 16, "a private address (RFC 1918)"},            // 192.168/16
    {0x64400000, 10, "a carrier-grade NAT address (RFC 6598)"},  // 100.64/10
    {0xA9FE0000, 16, "a link-local address"},                    // 169.254/16
    {0x7F000000, 8, "a loopback address"},                       // 127/8
};

}  // namespace

std::optional<std::string> local_only_kind(std::string_view host) {
  std::string text(host);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    const uint32_t a = ntohl(v4.s_addr);
    for (const Range4& r : kLocal4) {
      const uint32_t mask = ~uint32_t(0) << (32 - r.prefix);
      if ((a & mask) == r.network) return r.kind;
    }
    return std::nullopt;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return std::nullopt;  // a name
  const uint8_t* b = v6.s6_addr;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return "a loopback address";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return "a link-local address";
  if ((b[0] & 0xFE) == 0xFC) return "a unique local address (fc00::/7)";
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    char mapped[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, b + 12, mapped, sizeof mapped)) return local_only_kind(mapped);
  }
  return std::nullopt;
}

std::string local_only_warning(std::string_view host) {
  std::optional<std::string> kind = local_only_kind(host);
  if (!kind) return {};
  return "tandem: " + std::string(host) + " is " + *kind +
         ":\n"
         "  mates outside this network cannot reach it. Share through a relay they can\n"
         "  reach with --relay HOST (see \"Host your own relay\" in the README), or use\n"
         "  --public-host NAME if this machine is reachable as NAME.\n";
}

}  // namespace tandem
