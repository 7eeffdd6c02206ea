// The browser protocol's messages: each round-trips, and what is not one is refused
// in words.
#include "proto/web_message.h"

#include <gtest/gtest.h>

namespace tandem::proto::web {
namespace {

TEST(WebMessage, BrowserMessagesRoundTrip) {
  for (const FromBrowser& m : {FromBrowser{Hello{120, 40, "tok"}}, FromBrowser{Input{"ls\r"}},
                               FromBrowser{Input{std::string("\0\x1b[A", 4)}}, FromBrowser{Resize{80, 24}},
                               FromBrowser{Ack{0xfffffffe}}}) {
    std::string error;
    std::optional<FromBrowser> back = decode_from_browser(encode(m), &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->index(), m.index());
    EXPECT_EQ(encode(*back), encode(m));
  }
}

TEST(WebMessage, WhatIsNotAMessageIsRefusedInWords) {
  const std::string bad[] = {
      "",                                       // empty
      "Z",                                      // unknown opcode
      std::string("H\x02\x00\x50\x00\x18t", 7),  // another version
      std::string("H\x01\x00\x50", 4),          // short hello
      std::string("H\x01\x00\x00\x00\x18t", 7),  // zero columns
      std::string("R\x00\x50\x00", 4),          // short resize
      std::string("R\x27\x10\x00\x18", 5),      // 10000 columns
      std::string("A\x00\x01", 3),              // short ack
      "I" + std::string(kMaxMessage, 'x'),      // over the cap
      std::string("H\x01\x00\x50\x00\x18", 6) + std::string(kMaxToken + 1, 't'),
  };
  for (const std::string& m : bad) {
    std::string error;
    EXPECT_FALSE(decode_from_browser(m, &error)) << m.substr(0, 8);
    EXPECT_FALSE(error.empty());
  }
}

TEST(WebMessage, TextForThePageIsJsonWithControlBytesEscaped) {
  EXPECT_EQ(notice("a\"b\\c\x1b"), "N{\"text\":\"a\\\"b\\\\c\\u001b\"}");
  EXPECT_EQ(bye("gone", true), "B{\"reason\":\"gone\",\"again\":true}");
  EXPECT_EQ(welcome(false, "ann", "s1"), "W{\"role\":\"ro\",\"name\":\"ann\",\"session\":\"s1\"}");
  EXPECT_EQ(frame(258, "x"), std::string("F\x00\x00\x01\x02x", 6));
}

}  // namespace
}  // namespace tandem::proto::web
