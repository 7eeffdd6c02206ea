// What `tandem status` prints.
#include "src/host/session_status.h"

#include <gtest/gtest.h>

#include "src/notice_stack.h"

namespace tandem {
namespace {

SessionStatus example() {
  SessionStatus s;
  s.links.ssh_ro = "ssh -p 2222 ro@h";
  s.links.join_ro = "tandem://ro@h:2222#SHA256:x";
  s.links.fingerprint = "SHA256:x";
  s.links.ssh_port = s.links.udp_port = 2222;
  s.cols = 80;
  s.rows = 24;
  s.mates.push_back(MateInfo{"10.0.0.2:5000", Role::kReadOnly, Via::kNative, 120, 33.4});
  s.mates.push_back(MateInfo{"we\"ird\n", Role::kReadWrite, Via::kSsh});
  return s;
}

TEST(SessionStatus, JsonEscapesAndOmitsWhatIsNotThere) {
  SessionStatus s = example();
  std::string j = s.json();
  EXPECT_EQ(j.find("\"rw\""), std::string::npos);  // a read-only session has no rw link
  EXPECT_NE(j.find("\"who\":\"we\\\"ird\\u000a\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"last_heard_ms_ago\":120,\"srtt_ms\":33"), std::string::npos) << j;
  EXPECT_NE(j.find("\"size\":{\"cols\":80,\"rows\":24}"), std::string::npos) << j;
}

TEST(SessionStatus, TextListsLinksAndMates) {
  SessionStatus s = example();
  s.links.ssh_rw = "ssh -p 2222 rw@h";
  s.links.join_rw = "tandem://rw@h:2222#SHA256:x";
  std::string t = s.text();
  EXPECT_NE(t.find("read-write: ssh -p 2222 rw@h"), std::string::npos);
  EXPECT_NE(t.find("mates:      2"), std::string::npos);
  EXPECT_NE(t.find("10.0.0.2:5000  read-only  native  heard 120 ms ago  rtt 33 ms"), std::string::npos) << t;
}

TEST(SessionStatus, ReadWriteLinksAreLeftOutUnlessAskedFor) {
  SessionStatus s = example();
  s.links.ssh_rw = "ssh -p 2222 rw@h";
  s.links.join_rw = "tandem://rw@h:2222#SHA256:x";
  s.read_write = false;
  const std::string t = s.text(), j = s.json();
  EXPECT_EQ(t.find("rw@h"), std::string::npos) << t;
  EXPECT_NE(t.find("read-write: not shown on the shared screen (--rw shows it"), std::string::npos) << t;
  EXPECT_NE(t.find("read-only:  ssh -p 2222 ro@h"), std::string::npos) << t;
  EXPECT_EQ(j.find("rw@h"), std::string::npos) << j;
  EXPECT_NE(j.find("\"rw_hidden\":true"), std::string::npos) << j;
  s.read_write = true;
  EXPECT_NE(s.json().find("\"rw\":\"ssh -p 2222 rw@h\",\"join_rw\":\"tandem://rw@h:2222#SHA256:x\""),
            std::string::npos);
}

TEST(SessionStatus, AReadOnlySessionHasNothingToHide) {
  SessionStatus s = example();
  s.read_write = false;
  EXPECT_EQ(s.text().find("read-write:"), std::string::npos);
  EXPECT_EQ(s.json().find("rw_hidden"), std::string::npos);
}

TEST(SessionStatus, AllLinksNameEveryLinkALine) {
  Links l = example().links;
  EXPECT_EQ(all_links(l), "ro ssh -p 2222 ro@h\njoin-ro tandem://ro@h:2222#SHA256:x\n");
  l.ssh_rw = "ssh -p 2222 rw@h";
  l.join_rw = "tandem://rw@h:2222#SHA256:x";
  EXPECT_EQ(all_links(l),
            "rw ssh -p 2222 rw@h\njoin-rw tandem://rw@h:2222#SHA256:x\n"
            "ro ssh -p 2222 ro@h\njoin-ro tandem://ro@h:2222#SHA256:x\n");
}

TEST(PickMate, ByNumberNameAddressOrIpAlone) {
  const std::vector<MateInfo> mates = {
      MateInfo{.who = "10.0.0.2:5000", .role = Role::kReadOnly, .via = Via::kNative, .name = "alice"},
      MateInfo{.who = "10.0.0.3:6000", .role = Role::kReadWrite, .via = Via::kSsh},
      MateInfo{.who = "10.0.0.3:6001", .role = Role::kReadWrite, .via = Via::kSsh, .name = "SHA256:abcdefgh"},
  };
  std::string error;
  EXPECT_EQ(pick_mate(mates, "2", &error)->who, "10.0.0.3:6000");
  EXPECT_EQ(pick_mate(mates, "alice", &error)->who, "10.0.0.2:5000");
  EXPECT_EQ(pick_mate(mates, "SHA256:abcdefgh", &error)->who, "10.0.0.3:6001");
  EXPECT_EQ(pick_mate(mates, "10.0.0.3:6000", &error)->who, "10.0.0.3:6000");
  EXPECT_EQ(pick_mate(mates, "10.0.0.2", &error)->who, "10.0.0.2:5000");
}

TEST(PickMate, NoneOrSeveralAreRefusedInOneSentence) {
  const std::vector<MateInfo> mates = {MateInfo{.who = "10.0.0.3:6000"}, MateInfo{.who = "10.0.0.3:6001"}};
  std::string error;
  auto refusal = [&](std::string_view which) {
    EXPECT_FALSE(pick_mate(mates, which, &error)) << which;
    return kick_refusal(which, error);
  };
  EXPECT_EQ(refusal("10.0.0.3"),
            "tandem: cannot kick '10.0.0.3': 2 mates match it; name one by its number in `tandem status`\n");
  EXPECT_EQ(refusal("3"), "tandem: cannot kick '3': no mate has that number (`tandem status` lists 2)\n");
  EXPECT_EQ(refusal("0"), "tandem: cannot kick '0': no mate has that number (`tandem status` lists 2)\n");
  EXPECT_EQ(refusal("bob"),
            "tandem: cannot kick 'bob': no mate has that name or address (`tandem status` lists them)\n");
  EXPECT_EQ(refusal("99999999999999999999"),
            "tandem: cannot kick '99999999999999999999': no mate has that name or address (`tandem status` lists "
            "them)\n");
}

TEST(SessionStatus, MatesAreNumberedAndNamed) {
  SessionStatus s;
  s.mates.push_back(MateInfo{.who = "10.0.0.2:5000", .role = Role::kReadOnly, .via = Via::kNative, .name = "alice"});
  EXPECT_NE(s.text().find("1. alice (10.0.0.2:5000)  read-only  native"), std::string::npos) << s.text();
  EXPECT_NE(s.json().find("\"name\":\"alice\""), std::string::npos) << s.json();
}

// The notice shows whole links or none: what a host copies from it is a working link.
TEST(LinksNotice, EveryWidthGetsWholeLinksOnly) {
  Links l;
  l.ssh_rw = "ssh -p 34211 bhr5l5aztnkj7ul3sjjus4odiirekzab@127.0.0.1";
  l.ssh_ro = "ssh -p 34211 m2a5l5aztnkj7ul3sjjus4odiirec4cd@127.0.0.1";
  const std::vector<std::string> forms = links_notice("tandem: ", l);
  ASSERT_EQ(forms.size(), 3u);
  EXPECT_EQ(forms[0], "tandem: rw " + l.ssh_rw + "  ro " + l.ssh_ro);
  EXPECT_EQ(forms[1], "tandem: ro " + l.ssh_ro + "  (Ctrl-^ then l: all links)");
  EXPECT_EQ(forms[2], "tandem: Ctrl-^ then l shows the links");
  for (size_t cols = forms[2].size(); cols <= forms[0].size() + 1; ++cols) {
    NoticeStack s;
    s.push(forms, 5000, "links");
    const std::string line = s.lines(cols).at(0);
    EXPECT_LE(line.size(), cols);
    // Every link begun is there whole (a prefix of a token would be a wrong token).
    for (size_t at = line.find("ssh -p"); at != std::string::npos; at = line.find("ssh -p", at + 1)) {
      const std::string rest = line.substr(at);
      EXPECT_TRUE(rest.starts_with(l.ssh_rw) || rest.starts_with(l.ssh_ro)) << cols << ": " << line;
    }
  }
  Links ro_only;
  ro_only.ssh_ro = l.ssh_ro;
  EXPECT_EQ(links_notice("tandem: ", ro_only),
            (std::vector<std::string>{"tandem: ro " + l.ssh_ro, "tandem: Ctrl-^ then l shows the links"}));
}

}  // namespace
}  // namespace tandem
