#include "src/host/host_keys.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

constexpr std::string_view kApproval = "lqyYnN";  // the commands while a mate asks to join

TEST(HostKeys, OrdinaryTypingIsTypedEvenWithYAndNInIt) {
  HostKeys keys;
  HostKeys::Read r = keys.read("echo typed-while-prompt; no\r", kApproval);
  EXPECT_EQ(r.typed, "echo typed-while-prompt; no\r");
  EXPECT_EQ(r.command, 0);
}

TEST(HostKeys, PrefixThenYIsTheCommandAndTheRestIsLeftToRead) {
  HostKeys keys;
  HostKeys::Read r = keys.read("ls\x1eyecho", kApproval);  // \x1e is Ctrl-^
  EXPECT_EQ(r.typed, "ls");
  EXPECT_EQ(r.command, 'y');
  EXPECT_EQ(r.rest, "echo");
}

TEST(HostKeys, PrefixAcrossTwoReadsStillMakesACommand) {
  HostKeys keys;
  EXPECT_EQ(keys.read("a\x1e", kApproval).typed, "a");
  HostKeys::Read r = keys.read("n", kApproval);
  EXPECT_EQ(r.command, 'n');
  EXPECT_EQ(r.typed, "");
}

TEST(HostKeys, PrefixThenAKeyThatIsNoCommandTypesBoth) {
  HostKeys keys;
  HostKeys::Read r = keys.read("\x1ey", "lq");  // no prompt up: y is no command
  EXPECT_EQ(r.typed, "\x1ey");
  EXPECT_EQ(r.command, 0);
}

TEST(HostKeys, PrefixTwiceTypesOnePrefix) {
  HostKeys keys;
  HostKeys::Read r = keys.read("\x1e\x1ey", kApproval);
  EXPECT_EQ(r.typed, "\x1ey");
  EXPECT_EQ(r.command, 0);
}

}  // namespace
}  // namespace tandem
