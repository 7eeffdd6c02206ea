// What `tandem status` prints.
#include "src/session_status.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

SessionStatus example() {
  SessionStatus s;
  s.ro_link = "ssh -p 2222 ro@h";
  s.ro_join = "tandem://ro@h:2222#SHA256:x";
  s.fingerprint = "SHA256:x";
  s.ssh_port = s.udp_port = 2222;
  s.cols = 80;
  s.rows = 24;
  s.mates.push_back(relay::MateInfo{"10.0.0.2:5000", relay::Role::kReadOnly, "native", 120, 33.4});
  s.mates.push_back(relay::MateInfo{"we\"ird\n", relay::Role::kReadWrite, "ssh"});
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
  s.rw_link = "ssh -p 2222 rw@h";
  s.rw_join = "tandem://rw@h:2222#SHA256:x";
  std::string t = s.text();
  EXPECT_NE(t.find("read-write: ssh -p 2222 rw@h"), std::string::npos);
  EXPECT_NE(t.find("mates:      2"), std::string::npos);
  EXPECT_NE(t.find("10.0.0.2:5000  read-only  native  heard 120 ms ago  rtt 33 ms"), std::string::npos) << t;
}

}  // namespace
}  // namespace tandem
