// The relay's web port reads requests from anyone: bounded, GET and HEAD only, and
// the WebSocket handshake exactly as RFC 6455 has it.
#include <gtest/gtest.h>

#include "proto/http_request.h"

namespace tandem::proto {
namespace {

const std::string kUpgrade =
    "GET /ws?v=1 HTTP/1.1\r\nHost: relay.example:8080\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://relay.example:8080\r\n"
    "Accept-Encoding: gzip, deflate\r\n\r\n";

TEST(HttpRequest, ParsesAWebSocketUpgradeHoweverItArrives) {
  for (size_t cut = 0; cut < kUpgrade.size(); ++cut) {
    HttpRequest r;
    size_t used = 0;
    std::string error;
    EXPECT_EQ(parse_http_request(kUpgrade.substr(0, cut), r, &used, &error), HttpParse::kNeedMore) << cut;
  }
  HttpRequest r;
  size_t used = 0;
  std::string error;
  ASSERT_EQ(parse_http_request(kUpgrade + "extra", r, &used, &error), HttpParse::kDone) << error;
  EXPECT_EQ(used, kUpgrade.size());
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/ws");
  EXPECT_EQ(r.query, "v=1");
  EXPECT_EQ(r.host, "relay.example:8080");
  EXPECT_EQ(r.origin, "http://relay.example:8080");
  EXPECT_TRUE(r.accepts_gzip);
  EXPECT_TRUE(r.wants_websocket());
}

TEST(HttpRequest, TheAcceptKeyIsTheRfcsExample) {
  EXPECT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HttpRequest, APlainPageRequestIsNoUpgrade) {
  HttpRequest r;
  size_t used = 0;
  std::string error;
  ASSERT_EQ(parse_http_request("GET / HTTP/1.1\nHost: x\n\n", r, &used, &error), HttpParse::kDone);
  EXPECT_EQ(r.path, "/");
  EXPECT_FALSE(r.wants_websocket());
}

TEST(HttpRequest, RefusesWhatItDoesNotServeInWords) {
  for (const std::string& bad :
       {std::string("POST / HTTP/1.1\r\nHost: x\r\n\r\n"), std::string("GET / HTTP/2\r\nHost: x\r\n\r\n"),
        std::string("GET relative HTTP/1.1\r\nHost: x\r\n\r\n"), std::string("GET / HTTP/1.1\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), std::string("GET / HTTP/1.1\r\nno colon\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n"), std::string("garbage\r\n\r\n")}) {
    HttpRequest r;
    size_t used = 0;
    std::string error;
    EXPECT_EQ(parse_http_request(bad, r, &used, &error), HttpParse::kBad) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(HttpRequest, AHeadOverTheBoundIsRefusedBeforeItEnds) {
  std::string big = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(HttpRequest::kMaxHead, 'a');
  HttpRequest r;
  size_t used = 0;
  std::string error;
  EXPECT_EQ(parse_http_request(big, r, &used, &error), HttpParse::kBad);
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (size_t i = 0; i < HttpRequest::kMaxHeaders; ++i) many += "X-A: b\r\n";
  EXPECT_EQ(parse_http_request(many + "\r\n", r, &used, &error), HttpParse::kBad);
}

TEST(HttpRequest, AHandshakeNeedsEveryPart) {
  auto without = [](const std::string& line) {
    std::string s = kUpgrade;
    s.erase(s.find(line), line.size());
    HttpRequest r;
    size_t used = 0;
    std::string error;
    EXPECT_EQ(parse_http_request(s, r, &used, &error), HttpParse::kDone);
    return r.wants_websocket();
  };
  EXPECT_FALSE(without("Upgrade: websocket\r\n"));
  EXPECT_FALSE(without("Connection: keep-alive, Upgrade\r\n"));
  EXPECT_FALSE(without("Sec-WebSocket-Version: 13\r\n"));
  EXPECT_FALSE(without("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
}

}  // namespace
}  // namespace tandem::proto
