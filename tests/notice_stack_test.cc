// The host's notices: several at once, each for its own time, a kind replaced by its
// next, and older ones counted when they no longer fit.
#include "src/notice_stack.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

TEST(NoticeStack, TwoQuickJoinsAreBothShown) {
  NoticeStack s;
  s.push("alice joined", 5000);
  s.push("bob joined", 5001);
  EXPECT_EQ(s.lines(), (std::vector<std::string>{"alice joined", "bob joined"}));
}

TEST(NoticeStack, EachGoesAtItsOwnTime) {
  NoticeStack s;
  s.push("links", 15000);
  s.push("alice joined", 5000);
  EXPECT_EQ(s.next_expiry(), 5000u);
  EXPECT_FALSE(s.expire(4999));
  EXPECT_TRUE(s.expire(5000));
  EXPECT_EQ(s.lines(), std::vector<std::string>{"links"});
  EXPECT_TRUE(s.expire(15000));
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.next_expiry(), std::nullopt);
}

TEST(NoticeStack, AtMostThreeLinesAndTheRestAreCounted) {
  NoticeStack s;
  for (int i = 1; i <= 5; ++i) s.push("mate " + std::to_string(i) + " joined", 5000);
  const std::vector<std::string> lines = s.lines();
  ASSERT_EQ(lines.size(), NoticeStack::kMaxLines);
  EXPECT_EQ(lines[0], "(+2 earlier) mate 3 joined");
  EXPECT_EQ(lines[2], "mate 5 joined");
  s.expire(5000);
  s.push("mate 6 joined", 9000);
  EXPECT_EQ(s.lines(), std::vector<std::string>{"mate 6 joined"});  // the count starts afresh
}

TEST(NoticeStack, ANoticeOfAKindReplacesTheOneBefore) {
  NoticeStack s;
  s.push("relay unreachable for 7 s", 1000, "relay");
  s.push("alice joined", 5000);
  s.push("relay unreachable for 8 s", 2000, "relay");
  EXPECT_EQ(s.lines(), (std::vector<std::string>{"alice joined", "relay unreachable for 8 s"}));
}

TEST(NoticeStack, ClearEmptiesIt) {
  NoticeStack s;
  s.push("a", 5000);
  s.clear();
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.lines().empty());
}

TEST(NoticeStack, TheLongestFormThatFitsTheWidthIsShown) {
  NoticeStack s;
  s.push(std::vector<std::string>{"tandem: rw LINK-ONE  ro LINK-TWO", "tandem: ro LINK-TWO  (more)", "tandem: more"},
         5000);
  EXPECT_EQ(s.lines(), std::vector<std::string>{"tandem: rw LINK-ONE  ro LINK-TWO"});
  EXPECT_EQ(s.lines(32), std::vector<std::string>{"tandem: rw LINK-ONE  ro LINK-TWO"});
  EXPECT_EQ(s.lines(31), std::vector<std::string>{"tandem: ro LINK-TWO  (more)"});
  EXPECT_EQ(s.lines(20), std::vector<std::string>{"tandem: more"});
  EXPECT_EQ(s.lines(5), std::vector<std::string>{"tandem: more"});  // none fits: the shortest, cut where drawn
}

TEST(NoticeStack, TheCountOfEarlierNoticesIsPartOfTheWidth) {
  NoticeStack s;
  s.push("mate 1 joined", 5000);
  s.push("mate 2 joined", 5000);
  s.push(std::vector<std::string>{"tandem: LONG FORM", "tandem: short"}, 5000);
  s.push("mate 3 joined", 5000);
  s.push("mate 4 joined", 5000);  // mates 1 and 2 are pushed out: the long notice is the oldest line
  EXPECT_EQ(s.lines(30)[1], "mate 3 joined");
  EXPECT_EQ(s.lines(30)[0], "(+2 earlier) tandem: LONG FORM");
  EXPECT_EQ(s.lines(29)[0], "(+2 earlier) tandem: short");
}

}  // namespace
}  // namespace tandem
