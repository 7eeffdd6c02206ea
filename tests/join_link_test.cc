// The tandem:// link a native mate joins with.
#include "proto/join_link.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

TEST(JoinLink, RoundTrips) {
  JoinLink l{"abc234", "192.168.1.20", 2222, "SHA256:Uwbd+/x9"};
  std::string text = l.to_string();
  EXPECT_EQ(text, "tandem://abc234@192.168.1.20:2222#SHA256:Uwbd+/x9");
  auto back = JoinLink::parse(text, nullptr);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->token, "abc234");
  EXPECT_EQ(back->host, "192.168.1.20");
  EXPECT_EQ(back->port, 2222);
  EXPECT_EQ(back->fingerprint, "SHA256:Uwbd+/x9");
}

TEST(JoinLink, Ipv6HostsAreBracketed) {
  JoinLink l{"tok", "::1", 7000, "SHA256:abcdefgh"};
  EXPECT_EQ(l.to_string(), "tandem://tok@[::1]:7000#SHA256:abcdefgh");
  EXPECT_EQ(JoinLink::parse(l.to_string(), nullptr)->host, "::1");
}

TEST(JoinLink, BadLinksSayWhy) {
  std::string why;
  for (const char* bad :
       {"ssh://tok@h:1#SHA256:abcdefgh", "tandem://tok@h:1", "tandem://@h:1#SHA256:abcdefgh",
        "tandem://tok@h#SHA256:abcdefgh", "tandem://tok@h:0#SHA256:abcdefgh", "tandem://tok@h:99999#SHA256:abcdefgh",
        "tandem://to;k@h:1#SHA256:abcdefgh", "tandem://tok@h:1#MD5:abcdefgh", "tandem://tok@h:1#SHA256:abcdefgh.",
        "tandem://tok@h:1#SHA256:abc)defgh"}) {
    EXPECT_FALSE(JoinLink::parse(bad, &why)) << bad;
    EXPECT_NE(why.find("not a tandem link"), std::string::npos);
  }
}

}  // namespace
}  // namespace tandem
