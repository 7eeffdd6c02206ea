// What `tandem join` makes of what a user pastes.
#include "proto/pasted_link.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

const std::string kLink = "tandem://abc234@192.168.1.20:2222#SHA256:Uwbd+/x9abcdefgh";

TEST(PastedLink, AWholeLinkIsTheLink) {
  auto p = parse_pasted_link(kLink, nullptr);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->ssh_line);
  EXPECT_EQ(p->link.to_string(), kLink);
}

TEST(PastedLink, ALinkWrappedAcrossLinesOrSpacedIsPutBackTogether) {
  for (const std::string& pasted :
       {std::string("tandem://abc234@192.168.1.20:22\n22#SHA256:Uwbd+/x9abcdefgh"),
        std::string("  tandem://abc234@192.168.1.20:2222#SHA256:Uwbd+/x9 abcdefgh \n"),
        std::string("tandem://abc234@192.168.1.20:2\r\n               222#SHA256:Uwbd+/x9abcdefgh"),
        std::string("'") + kLink + "'", std::string("\"") + kLink + "\"", "<" + kLink + ">", "tandem join " + kLink,
        "tandem join '" + kLink + "'\n"}) {
    std::string why;
    auto p = parse_pasted_link(pasted, &why);
    ASSERT_TRUE(p) << pasted << ": " << why;
    EXPECT_EQ(p->link.to_string(), kLink) << pasted;
  }
}

TEST(PastedLink, ASentencesPunctuationAfterTheLinkIsNotPartOfTheFingerprint) {
  for (std::string tail :
       {".", ",", ")", ";", ":", "!", "?", "]", "}", "\"", "'", ").", "\u2019", "\u201D", "\u00BB"}) {
    for (const std::string& pasted :
         {kLink + tail, "tandem join '" + kLink + tail + "'", "tandem join '" + kLink + "'" + tail, "(" + kLink + tail,
          "tandem://abc234@192.168.1.20:2222#SHA256:Uwbd+/x9\nabcdefgh" + tail}) {
      std::string why;
      auto p = parse_pasted_link(pasted, &why);
      ASSERT_TRUE(p) << pasted << ": " << why;
      EXPECT_EQ(p->link.to_string(), kLink) << pasted;
    }
  }
  auto ssh = parse_pasted_link("ssh -p 2222 abc234@192.168.1.20.", nullptr);
  ASSERT_TRUE(ssh);
  EXPECT_EQ(ssh->link.host, "192.168.1.20");
  EXPECT_EQ(parse_pasted_link("ssh -p 7000 abc234@[::1].", nullptr)->link.host, "::1");  // the address's ] stays
}

TEST(PastedLink, AnSshLineNamesTheRelayAndTokenButNoKey) {
  for (const char* pasted :
       {"ssh -p 2222 abc234@192.168.1.20", "ssh -p2222 abc234@192.168.1.20", "ssh abc234@192.168.1.20 -p 2222",
        "  ssh -p 2222 abc2\n34@192.168.1.20\n", "ssh://abc234@192.168.1.20:2222", "ssh://abc234@192.168.1.20:2222/",
        "'ssh -p 2222 abc234@192.168.1.20'"}) {
    std::string why;
    auto p = parse_pasted_link(pasted, &why);
    ASSERT_TRUE(p) << pasted << ": " << why;
    EXPECT_TRUE(p->ssh_line);
    EXPECT_EQ(p->link.token, "abc234") << pasted;
    EXPECT_EQ(p->link.host, "192.168.1.20") << pasted;
    EXPECT_EQ(p->link.port, 2222) << pasted;
    EXPECT_EQ(p->link.fingerprint, "");
  }
  EXPECT_EQ(parse_pasted_link("ssh abc234@relay.example.org", nullptr)->link.port, 22);
  EXPECT_EQ(parse_pasted_link("ssh -p 7000 abc234@[::1]", nullptr)->link.host, "::1");
  EXPECT_EQ(parse_pasted_link("ssh://abc234@[::1]:7000", nullptr)->link.host, "::1");
  EXPECT_EQ(parse_pasted_link("ssh://abc234@[::1]:7000", nullptr)->link.port, 7000);
}

TEST(PastedLink, WhatIsNotALinkIsRefusedInWords) {
  struct Case {
    const char* pasted;
    const char* says;
  };
  for (Case c : {Case{"", "no link given"}, Case{"  \n ", "no link given"}, Case{"''", "no link given"},
                 Case{"https://example.org", "not a tandem link"}, Case{"ssh -p x abc@h", "a bad port after -p"},
                 Case{"ssh -p", "a bad port after -p"}, Case{"ssh -o Foo=bar abc@h", "-o is more than -p"},
                 Case{"ssh h", "no TOKEN@"}, Case{"ssh ABC@h", "no TOKEN@"}, Case{"ssh abc@", "a bad host"},
                 Case{"ssh abc@h;rm", "a bad host"}, Case{"ssh://abc@h:0", "a bad port"},
                 Case{"ssh://@h:22", "no TOKEN@"}, Case{"tandem://abc@h:1", "not a tandem link"}}) {
    std::string why;
    EXPECT_FALSE(parse_pasted_link(c.pasted, &why)) << c.pasted;
    EXPECT_NE(why.find(c.says), std::string::npos) << c.pasted << ": " << why;
  }
  std::string why;
  EXPECT_FALSE(parse_pasted_link(std::string(5000, 'a'), &why));
  EXPECT_NE(why.find("far too long"), std::string::npos);
}

}  // namespace
}  // namespace tandem
