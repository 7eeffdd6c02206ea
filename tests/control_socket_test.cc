// What may be asked on a session's control socket, and how it reads there.
#include "src/host/control_socket.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

using Ask = ControlRequest::Ask;

TEST(ControlRequest, EveryRequestReadsBackAsItself) {
  for (ControlRequest r :
       {ControlRequest{Ask::kStatus}, ControlRequest{Ask::kStatus, true, false},
        ControlRequest{Ask::kStatus, true, true}, ControlRequest{Ask::kStatus, false, true},
        ControlRequest{Ask::kLinks}, ControlRequest{Ask::kLinks, false, true}, ControlRequest{Ask::kWaitReady}}) {
    EXPECT_EQ(parse_request(request_line(r)), r) << request_line(r);
  }
  EXPECT_EQ(request_line({Ask::kStatus, true, true}), "status json rw");
}

TEST(ControlRequest, TheLinesOfEarlierVersionsStillMeanTheSame) {
  EXPECT_EQ(parse_request("status"), (ControlRequest{Ask::kStatus}));
  EXPECT_EQ(parse_request("status json"), (ControlRequest{Ask::kStatus, true, false}));
  EXPECT_EQ(parse_request("wait-ready"), (ControlRequest{Ask::kWaitReady}));
}

TEST(ControlRequest, KickNamesAMateAndRotateMayKickAll) {
  ControlRequest kick{.ask = Ask::kKick, .target = "alice smith"};
  EXPECT_EQ(request_line(kick), "kick alice smith");
  EXPECT_EQ(parse_request("kick alice smith"), kick);
  EXPECT_EQ(parse_request("kick 2")->target, "2");
  ControlRequest rotate{.ask = Ask::kRotate, .kick_all = true};
  EXPECT_EQ(parse_request(request_line(rotate)), rotate);
  EXPECT_EQ(parse_request("rotate"), (ControlRequest{Ask::kRotate}));
}

TEST(ControlRequest, AKickTargetIsPrintableAndBounded) {
  EXPECT_FALSE(parse_request("kick"));
  EXPECT_FALSE(parse_request("kick "));
  EXPECT_FALSE(parse_request("kick a\x1b[2Jb"));
  EXPECT_FALSE(parse_request("kick " + std::string(ControlRequest::kMaxTarget + 1, 'a')));
  EXPECT_TRUE(parse_request("kick " + std::string(ControlRequest::kMaxTarget, 'a')));
  EXPECT_FALSE(parse_request("rotate rw"));
  EXPECT_FALSE(parse_request("status kick-all"));
}

TEST(ControlRequest, AnythingElseIsRefused) {
  for (const char* bad : {"", "stat", "status  json", "status json ", "status bogus", "links json", "wait-ready rw",
                          "rw", "status rw json rw x"}) {
    EXPECT_FALSE(parse_request(bad)) << bad;
  }
}

}  // namespace
}  // namespace tandem
