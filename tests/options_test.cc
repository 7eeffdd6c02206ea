// The one option parser of every sub-command, and the commands' tables it reads.
#include "src/options.h"

#include <gtest/gtest.h>

#include "src/commands.h"

namespace tandem {
namespace {

int run_nothing(const Options&) { return 0; }

constexpr Flag kFlags[] = {
    {.name = "listen", .value = "ADDR:PORT", .help = "where"},
    {.name = "linger", .value = "SECONDS", .help = "how long"},
    {.name = "udp-port", .value = "PORT", .help = "which"},
    {.name = "json", .help = "as JSON"},
    {.name = "verbose", .short_name = 'v', .help = "say more"},
    {.name = "output", .short_name = 'o', .value = "FILE", .help = "to FILE"},
    {.name = "qr", .value = "ro|rw", .value_optional = true, .help = "a code"},
};

const Command kTool{.name = "tool", .flags = kFlags, .max_positionals = 1, .run = run_nothing};
const Command kRunner{.name = "runner", .flags = kFlags, .takes_command = true, .run = run_nothing};

std::optional<Options> parse(const Command& c, std::vector<std::string> args, std::string* error) {
  return Options::parse(c, "tandem " + std::string(c.name), args, error);
}

Options parsed(const Command& c, std::vector<std::string> args) {
  std::string error;
  std::optional<Options> o = parse(c, std::move(args), &error);
  EXPECT_TRUE(o) << error;
  return o ? *o : *parse(c, {}, &error);
}

std::string refusal(const Command& c, std::vector<std::string> args) {
  std::string error;
  EXPECT_FALSE(parse(c, std::move(args), &error)) << "accepted";
  return error;
}

TEST(Options, TakesAValueFromTheNextArgumentOrAfterEquals) {
  Options o = parsed(kTool, {"--listen", "127.0.0.1:2222", "--udp-port=0"});
  EXPECT_EQ(o.value("listen"), "127.0.0.1:2222");
  EXPECT_EQ(o.value("udp-port"), "0");
  EXPECT_EQ(parsed(kTool, {"--listen="}).value("listen", "default"), "");  // given, if empty
}

TEST(Options, AnOptionalValueComesOnlyAfterEquals) {
  Options alone = parsed(kTool, {"--qr", "LINK"});
  EXPECT_TRUE(alone.has("qr"));
  EXPECT_EQ(alone.value("qr", "ro"), "");  // given without a value: the next word is an operand
  EXPECT_EQ(alone.positionals(), std::vector<std::string>{"LINK"});
  EXPECT_EQ(parsed(kTool, {"--qr=rw"}).value("qr"), "rw");
  EXPECT_FALSE(parsed(kTool, {}).has("qr"));
}

TEST(Options, AFlagNotGivenHasTheFallback) {
  Options o = parsed(kTool, {});
  EXPECT_FALSE(o.has("listen"));
  EXPECT_EQ(o.value("listen", "0.0.0.0:2222"), "0.0.0.0:2222");
  EXPECT_EQ(o.value("listen"), "");
}

TEST(Options, TheLastOfARepeatedFlagWins) {
  EXPECT_EQ(parsed(kTool, {"--listen", "a:1", "--listen=b:2"}).value("listen"), "b:2");
}

TEST(Options, SwitchesTakeNoValue) {
  Options o = parsed(kTool, {"--json", "-v"});
  EXPECT_TRUE(o.has("json"));
  EXPECT_TRUE(o.has("verbose"));
  EXPECT_NE(refusal(kTool, {"--json=yes"}).find("--json takes no value"), std::string::npos);
}

TEST(Options, ShortNamesWorkWhereTheyExist) {
  Options o = parsed(kTool, {"-o", "out.txt"});
  EXPECT_EQ(o.value("output"), "out.txt");
  EXPECT_NE(refusal(kTool, {"-j"}).find("unknown option '-j'"), std::string::npos);
}

TEST(Options, HelpIsAFlagOfEveryCommand) {
  EXPECT_TRUE(parsed(kTool, {"--help"}).help());
  EXPECT_TRUE(parsed(kTool, {"x", "-h"}).help());
  EXPECT_FALSE(parsed(kTool, {}).help());
  EXPECT_FALSE(parsed(kRunner, {"--", "ls", "--help"}).help());  // the command's own --help
}

TEST(Options, FlagsMayComeBeforeOrAfterOperands) {
  Options o = parsed(kTool, {"tandem://x@h:1#k", "--listen", "a:1"});
  EXPECT_EQ(o.positionals(), std::vector<std::string>{"tandem://x@h:1#k"});
  EXPECT_EQ(o.value("listen"), "a:1");
  EXPECT_EQ(parsed(kTool, {"-"}).positionals(), std::vector<std::string>{"-"});  // a lone dash is an operand
}

TEST(Options, EverythingAfterDashesIsTheCommandToRun) {
  Options o = parsed(kRunner, {"--json", "--", "bash", "--norc", "-x", "--"});
  EXPECT_TRUE(o.has("json"));
  EXPECT_EQ(o.command(), (std::vector<std::string>{"bash", "--norc", "-x", "--"}));
  EXPECT_TRUE(o.positionals().empty());
  EXPECT_TRUE(parsed(kRunner, {"--"}).command().empty());
}

TEST(Options, ForACommandThatRunsNoneWhatFollowsDashesAreOperands) {
  Options o = parsed(kTool, {"--", "--odd-name"});
  EXPECT_EQ(o.positionals(), std::vector<std::string>{"--odd-name"});
  EXPECT_TRUE(o.command().empty());
}

TEST(Options, AnUnknownFlagIsNamedWithTheCommandAndItsHelp) {
  EXPECT_EQ(refusal(kTool, {"--bogus"}), "tandem tool: unknown option '--bogus' (see tandem tool --help)");
  EXPECT_EQ(refusal(kTool, {"--bogus=1"}), "tandem tool: unknown option '--bogus' (see tandem tool --help)");
  EXPECT_EQ(refusal(kRunner, {"--bogus"}),
            "tandem runner: unknown option '--bogus' (a command goes after --; see tandem runner --help)");
}

TEST(Options, AMissingValueSaysWhatWasWanted) {
  EXPECT_EQ(refusal(kTool, {"--listen"}), "tandem tool: --listen wants ADDR:PORT (see tandem tool --help)");
  EXPECT_EQ(refusal(kTool, {"-o"}), "tandem tool: -o wants FILE (see tandem tool --help)");
  // `--` ends the flags; it is nobody's value.
  EXPECT_NE(refusal(kRunner, {"--listen", "--", "bash"}).find("--listen wants ADDR:PORT"), std::string::npos);
}

TEST(Options, AValueMayLookLikeAFlag) {
  EXPECT_EQ(parsed(kTool, {"--output", "--json"}).value("output"), "--json");
  EXPECT_EQ(parsed(kTool, {"--linger", "-5"}).value("linger"), "-5");
}

TEST(Options, OperandsBeyondTheMaximumAreRefused) {
  EXPECT_EQ(parsed(kTool, {"one"}).positionals().size(), 1u);
  EXPECT_EQ(refusal(kTool, {"one", "two"}), "tandem tool: unexpected 'two' (see tandem tool --help)");
  EXPECT_EQ(refusal(kRunner, {"bash"}),
            "tandem runner: unexpected 'bash' (a command goes after --; see tandem runner --help)");
  EXPECT_NE(refusal(kTool, {"--", "one", "two"}).find("unexpected 'two'"), std::string::npos);
}

TEST(Options, MessagesNameTheCommandAsTyped) {
  std::string error;
  EXPECT_FALSE(Options::parse(kRunner, "tandem", std::vector<std::string>{"--x"}, &error));
  EXPECT_EQ(error, "tandem: unknown option '--x' (a command goes after --; see tandem --help)");
}

TEST(Options, NumbersAreWholeAndWithinTheirRange) {
  EXPECT_EQ(parse_number("0", {0, 10}), 0);
  EXPECT_EQ(parse_number("10", {0, 10}), 10);
  EXPECT_EQ(parse_number("-3", {-5, 5}), -3);
  for (std::string_view bad : {"", "11", "-1", "x", "1x", " 1", "+1", "1.5", "99999999999999999999999"}) {
    EXPECT_FALSE(parse_number(bad, {0, 10})) << bad;
  }
}

TEST(Options, ANumberFlagKeepsItsDefaultWhenNotGiven) {
  std::string error;
  long linger = 3600;
  EXPECT_TRUE(parsed(kTool, {}).number("linger", {1, 2592000}, "seconds", linger, &error));
  EXPECT_EQ(linger, 3600);
  EXPECT_TRUE(parsed(kTool, {"--linger=60"}).number("linger", {1, 2592000}, "seconds", linger, &error));
  EXPECT_EQ(linger, 60);
}

TEST(Options, ABadNumberIsRefusedInWords) {
  std::string error;
  long linger = 3600;
  EXPECT_FALSE(parsed(kTool, {"--linger", "x"}).number("linger", {1, 2592000}, "seconds", linger, &error));
  EXPECT_EQ(error, "tandem tool: --linger wants seconds (1 to 2592000), not 'x'");
  EXPECT_FALSE(parsed(kTool, {"--linger", "0"}).number("linger", {1, 2592000}, "seconds", linger, &error));
  EXPECT_EQ(linger, 3600);
}

TEST(Options, PortsAreWithinTheirRange) {
  std::string error;
  std::optional<uint16_t> port;
  EXPECT_TRUE(parsed(kTool, {}).port("udp-port", kAnyPort, port, &error));
  EXPECT_FALSE(port);
  EXPECT_TRUE(parsed(kTool, {"--udp-port", "0"}).port("udp-port", kAnyPort, port, &error));
  EXPECT_EQ(port, 0);
  EXPECT_TRUE(parsed(kTool, {"--udp-port", "65535"}).port("udp-port", kPort, port, &error));
  EXPECT_EQ(port, 65535);
  EXPECT_FALSE(parsed(kTool, {"--udp-port", "0"}).port("udp-port", kPort, port, &error));
  EXPECT_EQ(error, "tandem tool: --udp-port wants a port number (1 to 65535), not '0'");
  EXPECT_FALSE(parsed(kTool, {"--udp-port", "65536"}).port("udp-port", kAnyPort, port, &error));
  EXPECT_EQ(error, "tandem tool: --udp-port wants a port number (0 to 65535), not '65536'");
}

TEST(Options, AskingForAnUndeclaredFlagIsAProgrammingError) {
  EXPECT_DEATH(parsed(kTool, {}).has("lisen"), "'lisen' is not a flag of tool");
}

// The real commands' tables: what --help prints must be true and fit a terminal.
TEST(Commands, EveryFlagIsDocumentedAndDeclaredOnce) {
  for (const Command* c : {&kShare, &kJoin, &kRelay, &kStatus, &kWaitReady}) {
    EXPECT_FALSE(c->summary.empty()) << c->name;
    EXPECT_FALSE(c->description.empty()) << c->name;
    EXPECT_TRUE(c->run) << c->name;
    for (size_t i = 0; i < c->flags.size(); ++i) {
      const Flag& f = c->flags[i];
      EXPECT_FALSE(f.help.empty()) << c->name << " --" << f.name;
      EXPECT_NE(f.name, "help") << c->name;  // every command has that one already
      EXPECT_NE(f.short_name, 'h') << c->name;
      for (size_t j = i + 1; j < c->flags.size(); ++j) EXPECT_NE(f.name, c->flags[j].name) << c->name;
    }
  }
}

TEST(Commands, UsageLinesNameOnlyDeclaredFlags) {
  for (const Command* c : {&kShare, &kJoin, &kRelay, &kStatus, &kWaitReady}) {
    const std::string_view usage = c->usage;
    for (size_t at = usage.find("--"); at != std::string_view::npos; at = usage.find("--", at + 2)) {
      const size_t end = usage.find_first_not_of("abcdefghijklmnopqrstuvwxyz-", at + 2);
      const std::string_view name = usage.substr(at + 2, end - at - 2);
      if (name.empty()) continue;  // `-- COMMAND`
      bool declared = false;
      for (const Flag& f : c->flags) declared = declared || f.name == name;
      EXPECT_TRUE(declared) << c->name << ": --" << name;
    }
  }
}

}  // namespace
}  // namespace tandem
