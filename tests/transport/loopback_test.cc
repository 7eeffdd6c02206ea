// Real sockets on loopback: a ClientLink and a ServerEndpoint, with netsim between
// them where the network misbehaves.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "tests/netsim/netsim.h"
#include "tests/transport/event_loop.h"
#include "transport/client_link.h"
#include "transport/server_endpoint.h"

namespace tandem::transport {
namespace {

using namespace std::chrono_literals;
using testing::EventLoop;

std::vector<uint8_t> message_bytes(uint32_t index, size_t size) {
  std::vector<uint8_t> m(size);
  std::mt19937 rng(index);
  for (auto& b : m) b = uint8_t(rng());
  if (size >= 4) {
    m[0] = uint8_t(index >> 24);
    m[1] = uint8_t(index >> 16);
    m[2] = uint8_t(index >> 8);
    m[3] = uint8_t(index);
  }
  return m;
}

// A server endpoint with one link, and what arrived on it.
struct Server {
  LinkKey key = random_link_key();
  uint64_t link_id = random_link_id();
  std::unique_ptr<ServerEndpoint> endpoint;
  std::vector<std::vector<uint8_t>> received;
  std::map<uint32_t, int> lost;

  explicit Server(event_base* base, const char* bind = "127.0.0.1:0") {
    std::string error;
    endpoint = ServerEndpoint::open(base, *Address::parse(bind), &error);
    if (!endpoint) return;
    endpoint->add_link(link_id, key,
                       LinkCallbacks{[this](std::span<const uint8_t> m) { received.emplace_back(m.begin(), m.end()); },
                                     [this](uint32_t first, uint32_t count) {
                                       for (uint32_t i = 0; i < count; ++i) ++lost[first + i];
                                     }});
  }
  Link& link() { return *endpoint->find(link_id); }
};

std::unique_ptr<ClientLink> connect(event_base* base, const Server& s, const Address& to,
                                    std::vector<std::vector<uint8_t>>* received = nullptr,
                                    ClientLinkOptions options = {}) {
  std::string error;
  auto c = ClientLink::open(
      base, to, s.key, s.link_id,
      LinkCallbacks{[received](std::span<const uint8_t> m) {
                      if (received) received->emplace_back(m.begin(), m.end());
                    },
                    {}},
      options, &error);
  EXPECT_TRUE(c) << error;
  return c;
}

TEST(Loopback, MessagesRoundTripBothWays) {
  EventLoop loop;
  Server server(loop.base());
  ASSERT_TRUE(server.endpoint);
  std::vector<std::vector<uint8_t>> at_client;
  auto client = connect(loop.base(), server, server.endpoint->local_address(), &at_client);
  ASSERT_TRUE(client->send(message_bytes(0, 100)));
  ASSERT_TRUE(loop.run_until([&] { return server.received.size() == 1; }));
  EXPECT_EQ(server.received[0], message_bytes(0, 100));
  EXPECT_EQ(server.link().peer().port(), client->local_address().port());
  ASSERT_TRUE(server.endpoint->send(server.link_id, message_bytes(1, 5000)));
  ASSERT_TRUE(loop.run_until([&] { return at_client.size() == 1; }));
  EXPECT_EQ(at_client[0], message_bytes(1, 5000));
}

TEST(Loopback, Ipv6Works) {
  EventLoop loop;
  Server server(loop.base(), "[::1]:0");
  if (!server.endpoint) GTEST_SKIP() << "no IPv6 loopback here";
  std::vector<std::vector<uint8_t>> at_client;
  auto client = connect(loop.base(), server, server.endpoint->local_address(), &at_client);
  ASSERT_TRUE(client->send(message_bytes(0, 10)));
  ASSERT_TRUE(loop.run_until([&] { return server.received.size() == 1; }));
  ASSERT_TRUE(server.endpoint->send(server.link_id, message_bytes(1, 10)));
  ASSERT_TRUE(loop.run_until([&] { return at_client.size() == 1; }));
}

// Sends messages of many sizes through netsim; each arrives intact exactly once or
// is reported lost exactly once.
void exchange_under(double loss, uint64_t seed) {
  EventLoop loop;
  Server server(loop.base());
  ASSERT_TRUE(server.endpoint);
  std::string error;
  auto sim = netsim::Netsim::open(loop.base(), *Address::parse("127.0.0.1:0"), server.endpoint->local_address(),
                                  seed, &error);
  ASSERT_TRUE(sim) << error;
  netsim::Impairment bad;
  bad.delay = 2ms;
  bad.jitter = 1ms;
  bad.loss = loss;
  bad.duplicate = 0.05;
  bad.reorder = 0.05;
  bad.reorder_hold = 5ms;
  sim->set_both(bad);
  auto client = connect(loop.base(), server, sim->address());

  const size_t sizes[] = {1, 2, 100, kMaxFragmentBytes - 1, kMaxFragmentBytes, kMaxFragmentBytes + 1, 4000, 20000,
                          65536};
  std::vector<std::vector<uint8_t>> sent;
  std::mt19937 rng{uint32_t(seed)};
  for (uint32_t i = 0; i < 60; ++i) {
    size_t size = i < std::size(sizes) ? sizes[i] : std::uniform_int_distribution<size_t>(4, 9000)(rng);
    sent.push_back(message_bytes(i, size));
    ASSERT_TRUE(client->send(sent.back()));
    loop.run_for(3ms);
  }
  // The network heals; enough later messages arrive for every earlier one to be settled.
  sim->set_both(netsim::Impairment{});
  loop.run_for(30ms);
  for (uint32_t i = 0; i < Reassembler::kReorderMessages + 2; ++i) {
    ASSERT_TRUE(client->send(std::vector<uint8_t>{}));  // empty: told apart from the real ones
    loop.run_for(1ms);
  }
  ASSERT_TRUE(loop.run_until([&] { return server.received.size() + server.lost.size() >= sent.size() + 2; }));

  std::map<uint32_t, int> delivered;
  for (const auto& m : server.received) {
    if (m.empty()) continue;
    // Messages 0 and 1 are too short to carry their number: their sizes (1, 2) tell them.
    uint32_t index = m.size() >= 4 ? uint32_t(m[0]) << 24 | uint32_t(m[1]) << 16 | uint32_t(m[2]) << 8 | m[3]
                                   : uint32_t(m.size() - 1);
    ASSERT_LT(index, sent.size());
    EXPECT_EQ(m, sent[index]) << "message " << index << " arrived altered";
    ++delivered[index];
  }
  int lost = 0;
  for (uint32_t i = 0; i < sent.size(); ++i) {
    int d = delivered.count(i) ? delivered[i] : 0;
    int l = server.lost.count(i) ? server.lost[i] : 0;
    EXPECT_EQ(d + l, 1) << "message " << i << ": delivered " << d << " times, reported lost " << l << " times";
    lost += l;
  }
  if (loss == 0) {
    EXPECT_EQ(lost, 0);
  } else if (loss >= 0.3) {
    EXPECT_GT(lost, 0);  // the test did see loss (a 64 KiB message needs 57 datagrams)
  }
  EXPECT_EQ(server.link().counters().dropped_unauthentic, 0u);
}

TEST(Loopback, NoLossWithDuplicationAndReordering) { exchange_under(0.0, 1); }
TEST(Loopback, TenPercentLoss) { exchange_under(0.10, 2); }
TEST(Loopback, ThirtyPercentLoss) { exchange_under(0.30, 3); }

TEST(Loopback, GarbageGetsSilence) {
  EventLoop loop;
  Server server(loop.base());
  auto client = connect(loop.base(), server, server.endpoint->local_address());
  ASSERT_TRUE(client->send(message_bytes(0, 50)));
  ASSERT_TRUE(loop.run_until([&] { return server.received.size() == 1; }));

  // A stranger captures a real datagram, flips bits, replays it, and sends junk.
  LinkKey key = server.key;
  Link spy(key, server.link_id, Side::kClient, {});
  std::vector<std::vector<uint8_t>> captured;
  spy.seal_message(message_bytes(1, 50), captured, now_ms());
  std::string error;
  auto stranger = UdpSocket::bind(*Address::parse("127.0.0.5:0"), &error);
  ASSERT_TRUE(stranger) << error;
  const Address to = server.endpoint->local_address();
  const uint64_t sent_before = server.link().counters().datagrams_out;
  for (size_t bit = 0; bit < captured[0].size() * 8; bit += 7) {
    auto bad = captured[0];
    bad[bit / 8] ^= uint8_t(1u << (bit % 8));
    stranger->send_to(bad, to);
  }
  std::vector<uint8_t> junk(300, 0x41);
  stranger->send_to(junk, to);
  junk[0] = kProtocolVersion;  // a plausible header for an unknown link
  stranger->send_to(junk, to);
  loop.run_until([&] { return server.endpoint->counters().datagrams_in >= 2 + captured[0].size() * 8 / 7; }, 2s);
  loop.run_for(20ms);

  std::array<uint8_t, 2048> buf;
  Address from;
  EXPECT_EQ(stranger->receive(buf, from), -1) << "the server answered a stranger";
  EXPECT_EQ(server.link().counters().datagrams_out, sent_before);
  EXPECT_EQ(server.received.size(), 1u);
  EXPECT_GT(server.link().counters().dropped_unauthentic + server.endpoint->counters().dropped_unknown_link, 40u);
  EXPECT_EQ(server.link().peer().port(), client->local_address().port());
}

TEST(Loopback, ClientRoamingThroughNetsimIsFollowed) {
  EventLoop loop;
  Server server(loop.base());
  std::string error;
  auto sim = netsim::Netsim::open(loop.base(), *Address::parse("127.0.0.1:0"), server.endpoint->local_address(), 7,
                                  &error);
  ASSERT_TRUE(sim) << error;
  std::vector<std::vector<uint8_t>> at_client;
  auto client = connect(loop.base(), server, sim->address(), &at_client);
  ASSERT_TRUE(client->send(message_bytes(0, 10)));
  ASSERT_TRUE(loop.run_until([&] { return server.received.size() == 1; }));
  const Address before = server.link().peer();
  EXPECT_EQ(before, sim->server_facing_address());

  ASSERT_TRUE(sim->roam(&error)) << error;  // the laptop changed networks
  ASSERT_TRUE(client->send(message_bytes(1, 10)));
  ASSERT_TRUE(loop.run_until([&] { return server.received.size() == 2; }));
  EXPECT_EQ(server.link().peer(), sim->server_facing_address());
  EXPECT_NE(server.link().peer(), before);
  EXPECT_EQ(server.link().counters().roams, 1u);

  // Traffic continues both ways from the new address.
  ASSERT_TRUE(server.endpoint->send(server.link_id, message_bytes(2, 3000)));
  ASSERT_TRUE(loop.run_until([&] { return at_client.size() == 1; }));
  EXPECT_EQ(at_client[0], message_bytes(2, 3000));
}

TEST(Loopback, ClientHopsToAFreshSocketAndTheServerFollows) {
  EventLoop loop;
  Server server(loop.base());
  std::vector<std::vector<uint8_t>> at_client;
  auto client = connect(loop.base(), server, server.endpoint->local_address(), &at_client);
  ASSERT_TRUE(client->send(message_bytes(0, 10)));
  ASSERT_TRUE(loop.run_until([&] { return server.received.size() == 1; }));
  const uint16_t old_port = client->local_address().port();
  client->roam();
  EXPECT_NE(client->local_address().port(), old_port);
  ASSERT_TRUE(client->send(message_bytes(1, 10)));
  ASSERT_TRUE(loop.run_until([&] { return server.received.size() == 2; }));
  EXPECT_EQ(server.link().peer().port(), client->local_address().port());
  ASSERT_TRUE(server.endpoint->send(server.link_id, message_bytes(2, 10)));
  ASSERT_TRUE(loop.run_until([&] { return at_client.size() == 1; }));
}

TEST(Loopback, SilenceMakesTheClientHop) {
  EventLoop loop;
  Server server(loop.base());
  ClientLinkOptions options;
  options.hop_after = 50ms;
  options.tick = 10ms;
  auto client = connect(loop.base(), server, server.endpoint->local_address(), nullptr, options);
  const uint16_t first_port = client->local_address().port();
  ASSERT_TRUE(loop.run_until([&] { return client->local_address().port() != first_port; }, 5s));
  EXPECT_LE(client->open_sockets(), options.max_sockets + 1);
}

TEST(Loopback, WakingFromSleepHopsAndTellsTheOwner) {
  EventLoop loop;
  Server server(loop.base());
  int64_t asleep_ms = 0;
  ClientLinkOptions options;
  options.tick = 10ms;
  options.sleep_clock = [&] { return asleep_ms; };
  auto client = connect(loop.base(), server, server.endpoint->local_address(), nullptr, options);
  int woke = 0;
  client->set_on_wake([&] { ++woke; });
  const uint16_t first_port = client->local_address().port();
  loop.run_for(30ms);
  EXPECT_EQ(woke, 0);
  asleep_ms += 45000;  // the laptop slept 45 s
  ASSERT_TRUE(loop.run_until([&] { return woke == 1; }, 5s));
  EXPECT_NE(client->local_address().port(), first_port);
}

TEST(Loopback, RttConvergesToTheSimulatedDelay) {
  EventLoop loop;
  Server server(loop.base());
  std::string error;
  auto sim = netsim::Netsim::open(loop.base(), *Address::parse("127.0.0.1:0"), server.endpoint->local_address(), 9,
                                  &error);
  ASSERT_TRUE(sim) << error;
  netsim::Impairment wan;
  wan.delay = 25ms;
  sim->set_both(wan);
  std::vector<std::vector<uint8_t>> at_client;
  auto client = connect(loop.base(), server, sim->address(), &at_client);
  // Ping-pong: the server answers every message at once.
  for (int i = 0; i < 20; ++i) {
    size_t before = at_client.size();
    ASSERT_TRUE(client->send(message_bytes(i, 20)));
    ASSERT_TRUE(loop.run_until([&] { return server.received.size() == size_t(i + 1); }));
    ASSERT_TRUE(server.endpoint->send(server.link_id, message_bytes(i, 20)));
    ASSERT_TRUE(loop.run_until([&] { return at_client.size() == before + 1; }));
  }
  ASSERT_TRUE(client->link().rtt().has_sample());
  // 25 ms each way: never below 50 ms, and far below the 1000 ms it started from (a
  // loaded machine may add some on top, so the upper bound is loose).
  EXPECT_GE(client->link().rtt().srtt_ms(), 48);
  EXPECT_LE(client->link().rtt().srtt_ms(), 500);
  EXPECT_GE(server.link().rtt().srtt_ms(), 48);
}

}  // namespace
}  // namespace tandem::transport
