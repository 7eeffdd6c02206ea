// A link without sockets: replays, roaming rules, round-trip timing.
#include "transport/link.h"

#include <gtest/gtest.h>

namespace tandem::transport {
namespace {

struct Pair {
  LinkKey key = random_link_key();
  std::vector<std::string> at_server, at_client;
  Link client{key, 9, Side::kClient,
              LinkCallbacks{[this](std::span<const uint8_t> m) { at_client.emplace_back(m.begin(), m.end()); }, {}}};
  Link server{key, 9, Side::kServer,
              LinkCallbacks{[this](std::span<const uint8_t> m) { at_server.emplace_back(m.begin(), m.end()); }, {}}};

  std::vector<std::vector<uint8_t>> seal(Link& from, std::string_view m, uint64_t now = 1000) {
    std::vector<std::vector<uint8_t>> out;
    EXPECT_TRUE(from.seal_message(std::span(reinterpret_cast<const uint8_t*>(m.data()), m.size()), out, now));
    return out;
  }
};

const Address kHome = *Address::parse("127.0.0.2:4000");
const Address kCafe = *Address::parse("127.0.0.3:5000");
const Address kAttacker = *Address::parse("127.0.0.9:6666");

TEST(Link, ReplayedDatagramIsDropped) {
  Pair p;
  auto d = p.seal(p.client, "type this once");
  EXPECT_TRUE(p.server.receive(d[0], kHome, 1000));
  EXPECT_TRUE(p.server.receive(d[0], kHome, 1001));
  EXPECT_EQ(p.at_server.size(), 1u);
  EXPECT_EQ(p.server.counters().dropped_replay, 1u);
}

TEST(Link, NewestAuthenticDatagramMovesThePeer) {
  Pair p;
  auto first = p.seal(p.client, "one");
  auto second = p.seal(p.client, "two");
  p.server.receive(first[0], kHome, 1000);
  EXPECT_EQ(p.server.peer(), kHome);
  p.server.receive(second[0], kCafe, 1001);
  EXPECT_EQ(p.server.peer(), kCafe);
  EXPECT_EQ(p.server.counters().roams, 1u);
}

TEST(Link, OldSequenceFromANewAddressDoesNotMoveThePeer) {
  Pair p;
  auto first = p.seal(p.client, "one");
  auto second = p.seal(p.client, "two");
  p.server.receive(second[0], kHome, 1000);
  // Reordered (or captured and replayed from elsewhere): older than the newest.
  p.server.receive(first[0], kAttacker, 1001);
  EXPECT_EQ(p.server.peer(), kHome);
  p.server.receive(second[0], kAttacker, 1002);  // an exact replay
  EXPECT_EQ(p.server.peer(), kHome);
  EXPECT_EQ(p.at_server.size(), 2u);
}

TEST(Link, ForgedDatagramDoesNotMoveThePeer) {
  Pair p;
  p.server.receive(p.seal(p.client, "hi")[0], kHome, 1000);
  auto forged = p.seal(p.client, "evil");
  forged[0].back() ^= 1;
  EXPECT_FALSE(p.server.receive(forged[0], kAttacker, 1001));
  EXPECT_EQ(p.server.peer(), kHome);
  EXPECT_EQ(p.server.counters().dropped_unauthentic, 1u);
}

TEST(Link, ClientPeerNeverMoves) {
  Pair p;
  p.client.set_peer(kHome);
  p.server.receive(p.seal(p.client, "hi")[0], kCafe, 1000);
  p.client.receive(p.seal(p.server, "hello")[0], kAttacker, 1001);
  EXPECT_EQ(p.client.peer(), kHome);
  EXPECT_EQ(p.at_client.size(), 1u);
}

TEST(Link, EchoedTimestampsMeasureTheRoundTrip) {
  Pair p;
  // The client speaks at t=1000; the server answers at t=1030 after holding it 10 ms;
  // the client hears it at t=1050: 50 ms minus the 10 ms hold is 40 ms of network.
  p.server.receive(p.seal(p.client, "ping", 1000)[0], kHome, 1020);
  p.client.receive(p.seal(p.server, "pong", 1030)[0], kHome, 1050);
  ASSERT_TRUE(p.client.rtt().has_sample());
  EXPECT_EQ(p.client.rtt().srtt_ms(), 40);
  EXPECT_EQ(p.client.send_interval().count(), 20);
}

TEST(Link, LargeMessagesAreFragmented) {
  Pair p;
  std::string big(64 * 1024, 'q');
  for (size_t i = 0; i < big.size(); ++i) big[i] = char('a' + i % 26);
  auto datagrams = p.seal(p.client, big);
  EXPECT_EQ(datagrams.size(), (big.size() + kMaxFragmentBytes - 1) / kMaxFragmentBytes);
  for (auto& d : datagrams) EXPECT_LE(d.size(), kMaxDatagramBytes);
  for (auto it = datagrams.rbegin(); it != datagrams.rend(); ++it) p.server.receive(*it, kHome, 1000);
  ASSERT_EQ(p.at_server.size(), 1u);
  EXPECT_EQ(p.at_server[0], big);
}

}  // namespace
}  // namespace tandem::transport
