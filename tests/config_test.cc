// tandem's config file and the tmate.conf fallback.
#include "src/config.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

TEST(Config, ReadsEveryKey) {
  Config c;
  std::string error;
  ASSERT_TRUE(parse_config("# my relay\n"
                           "relay-host = relay.example.org\n"
                           "relay-port=2022   # not the default\n"
                           "relay-fingerprint = SHA256:Uwbd+/x9\n"
                           "identity-file = /keys/id_ed25519\n"
                           "command = tmux new -A -s pair\n"
                           "\n"
                           "size = smallest\n",
                           "cfg", c, &error))
      << error;
  EXPECT_EQ(c.relay_host, "relay.example.org");
  EXPECT_EQ(c.relay_port, 2022);
  EXPECT_EQ(c.relay_fingerprint, "SHA256:Uwbd+/x9");
  EXPECT_EQ(c.identity_file, "/keys/id_ed25519");
  EXPECT_EQ(c.command, (std::vector<std::string>{"tmux", "new", "-A", "-s", "pair"}));
  EXPECT_EQ(c.size, SizePolicy::kSmallest);
  EXPECT_EQ(c.relay_from, "cfg");
}

TEST(Config, BadLinesSayWhereAndWhy) {
  Config c;
  std::string error;
  EXPECT_FALSE(parse_config("relay-host = a\nrelay-port = 70000\n", "cfg", c, &error));
  EXPECT_NE(error.find("cfg:2:"), std::string::npos) << error;
  EXPECT_FALSE(parse_config("relay-hots = a\n", "cfg", c, &error));
  EXPECT_NE(error.find("unknown key 'relay-hots'"), std::string::npos) << error;
  EXPECT_FALSE(parse_config("just words\n", "cfg", c, &error));
  EXPECT_FALSE(parse_config("size = tiny\n", "cfg", c, &error));
  EXPECT_FALSE(parse_config("relay-fingerprint = MD5:00\n", "cfg", c, &error));
}

TEST(Config, MateClipboardIsOffUnlessSaidYes) {
  Config c;
  std::string error;
  EXPECT_FALSE(c.mate_clipboard);
  ASSERT_TRUE(parse_config("mate-clipboard = yes\n", "cfg", c, &error)) << error;
  EXPECT_TRUE(c.mate_clipboard);
  ASSERT_TRUE(parse_config("mate-clipboard = no\n", "cfg", c, &error)) << error;
  EXPECT_FALSE(c.mate_clipboard);
  EXPECT_FALSE(parse_config("mate-clipboard = sure\n", "cfg", c, &error));
  EXPECT_NE(error.find("mate-clipboard is 'yes' or 'no'"), std::string::npos) << error;
}

TEST(Config, TmateServerHostAndPortCarryOver) {
  Config c;
  parse_tmate_conf("set -g status-left 'x'\n"
                   "set -g tmate-server-host \"tmate.example.org\"\n"
                   "set-option -g tmate-server-port 2200\n"
                   "set -g tmate-server-rsa-fingerprint \"SHA256:abc\"\n",
                   c);
  EXPECT_EQ(c.relay_host, "tmate.example.org");
  EXPECT_EQ(c.relay_port, 2200);
  Config none;
  parse_tmate_conf("set -g mouse on\n", none);
  EXPECT_TRUE(none.relay_host.empty());
  EXPECT_EQ(none.relay_port, 2222);
}

}  // namespace
}  // namespace tandem
