// A named session's record: kept private under the config directory, read back as
// written, anything malformed ignored, and one host at a time per name.
#include "src/host/named_session.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace tandem {
namespace {

class NamedSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tandem-named-test-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    home_ = dir;
    setenv("HOME", dir, 1);
    unsetenv("XDG_CONFIG_HOME");
  }
  void TearDown() override { std::filesystem::remove_all(home_); }

  static mode_t mode_of(const std::string& path) {
    struct stat st{};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }
  static SessionRecord remote() {
    return SessionRecord{"relay.example.org:2222", "0011223344556677", "abcdefghijklmnopqrstuvwxyz234567",
                         "bcdefghijklmnopqrstuvwxyz2345672", std::string(32, '\x07'), 0};
  }

  std::string home_;
};

TEST_F(NamedSessionTest, TheRecordIsPrivateAndReadBackAsWritten) {
  std::string error;
  std::unique_ptr<NamedSession> s = NamedSession::open("pair", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->dir(), home_ + "/.config/tandem/sessions/pair");
  EXPECT_FALSE(s->load());
  ASSERT_TRUE(s->save(remote(), &error)) << error;
  EXPECT_EQ(s->load(), remote());
  EXPECT_EQ(mode_of(s->dir()), 0700u);
  EXPECT_EQ(mode_of(s->dir() + "/session"), 0600u);
  SessionRecord embedded{SessionRecord::kEmbedded, "0011", "", "bcdefghijklmnopqrstuvwxyz2345672", "", 40123};
  ASSERT_TRUE(s->save(embedded, &error)) << error;
  EXPECT_EQ(s->load(), embedded);
}

TEST_F(NamedSessionTest, XdgConfigHomeIsRespected) {
  setenv("XDG_CONFIG_HOME", (home_ + "/xdg").c_str(), 1);
  std::string error;
  std::unique_ptr<NamedSession> s = NamedSession::open("pair", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->dir(), home_ + "/xdg/tandem/sessions/pair");
  unsetenv("XDG_CONFIG_HOME");
}

TEST_F(NamedSessionTest, OneHostAtATimePerName) {
  std::string error;
  std::unique_ptr<NamedSession> first = NamedSession::open("pair", &error);
  ASSERT_TRUE(first) << error;
  EXPECT_FALSE(NamedSession::open("pair", &error));
  EXPECT_NE(error.find("already running"), std::string::npos) << error;
  EXPECT_TRUE(NamedSession::open("other", &error)) << error;
  first.reset();
  EXPECT_TRUE(NamedSession::open("pair", &error)) << error;
}

TEST_F(NamedSessionTest, NamesThatCouldLeaveTheDirectoryAreRefused) {
  std::string error;
  for (const char* bad : {"", "..", ".hidden", "a/b", "../x", "a b", "x\n"}) {
    EXPECT_FALSE(NamedSession::open(bad, &error)) << bad;
    EXPECT_NE(error.find("--name"), std::string::npos);
  }
  EXPECT_FALSE(NamedSession::valid_name(std::string(65, 'a')));
  EXPECT_TRUE(NamedSession::valid_name("pair-2.work_x"));
}

TEST_F(NamedSessionTest, AMalformedRecordIsIgnored) {
  EXPECT_EQ(parse_record(record_text(remote())), remote());
  EXPECT_FALSE(parse_record(""));
  EXPECT_FALSE(parse_record("relay x\nid 00\nro abc\nsecret zz\nport 0\n"));            // not hex
  EXPECT_FALSE(parse_record("relay x\nid 00\nro abc\nsecret 0102\nport 0\n"));          // not 32 bytes
  EXPECT_FALSE(parse_record("relay x\nid 00\nro a;b\nsecret \nport 0\n"));              // not a token
  EXPECT_FALSE(parse_record("relay x\nid 00\nro abc\nsecret \nport 70000\n"));          // not a port
  EXPECT_FALSE(parse_record("relay x\nid 00\nsecret \nport 1\n"));                      // no token
  EXPECT_TRUE(parse_record("relay x\nid 00\nro abc\nsecret \nport 1\nlater-key y\n"));  // a later tandem's keys
}

}  // namespace
}  // namespace tandem
