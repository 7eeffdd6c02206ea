// Which addresses in an embedded relay's links only mates on this network can reach.
#include "src/host/address_reach.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

TEST(AddressReach, PrivateSharedLinkLocalAndLoopbackAreLocalOnly) {
  for (const char* local :
       {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.20", "100.64.0.1", "100.127.255.254", "169.254.10.10",
        "127.0.0.1", "::1", "fe80::1", "fd12:3456::1", "[fe80::1]", "::ffff:192.168.0.1"}) {
    EXPECT_TRUE(local_only_kind(local)) << local;
  }
  EXPECT_EQ(*local_only_kind("192.168.1.20"), "a private address (RFC 1918)");
  EXPECT_EQ(*local_only_kind("100.100.1.1"), "a carrier-grade NAT address (RFC 6598)");
}

TEST(AddressReach, PublicAddressesAndNamesAreNot) {
  for (const char* public_ : {"8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255", "192.169.0.1",
                              "2001:db8::1", "relay.example.org", "laptop.local", ""}) {
    EXPECT_FALSE(local_only_kind(public_)) << public_;
  }
}

TEST(AddressReach, TheWarningNamesTheAddressAndTheWaysOut) {
  const std::string w = local_only_warning("192.168.1.20");
  EXPECT_NE(w.find("192.168.1.20 is a private address (RFC 1918):\n  mates outside this network cannot reach it"),
            std::string::npos)
      << w;
  EXPECT_NE(w.find("--relay HOST"), std::string::npos);
  EXPECT_NE(w.find("\"Host your own relay\""), std::string::npos);
  EXPECT_NE(w.find("--public-host NAME"), std::string::npos);
  EXPECT_EQ(local_only_warning("203.0.113.7x"), "");
  EXPECT_EQ(local_only_warning("relay.example.org"), "");
}

}  // namespace
}  // namespace tandem
