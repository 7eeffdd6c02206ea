// netsim itself: seeded loss, duplication, blackout and roaming do what they say.
#include "tests/netsim/netsim.h"

#include <gtest/gtest.h>

#include "tests/transport/event_loop.h"

namespace tandem::netsim {
namespace {

using namespace std::chrono_literals;
using transport::UdpSocket;

struct Rig {
  testing::EventLoop loop;
  std::optional<UdpSocket> server = UdpSocket::bind(*Address::parse("127.0.0.1:0"), nullptr);
  std::optional<UdpSocket> client = UdpSocket::bind(*Address::parse("127.0.0.1:0"), nullptr);
  std::unique_ptr<Netsim> sim;
  transport::EventPtr server_readable;
  Address last_source;
  int received = 0;

  explicit Rig(uint64_t seed) {
    sim = Netsim::open(loop.base(), *Address::parse("127.0.0.1:0"), server->local_address(), seed, nullptr);
    server_readable.reset(event_new(loop.base(), server->fd(), EV_READ | EV_PERSIST, on_server, this));
    event_add(server_readable.get(), nullptr);
  }
  static void on_server(evutil_socket_t, short, void* arg) {
    auto* r = static_cast<Rig*>(arg);
    std::array<uint8_t, 2048> buf;
    while (r->server->receive(buf, r->last_source) >= 0) ++r->received;
  }
  // Sends n datagrams client -> server, a few at a time, and counts what the server gets.
  int pass(int n) {
    received = 0;
    std::array<uint8_t, 64> d{};
    for (int i = 0; i < n; ++i) {
      client->send_to(d, sim->address());
      if (i % 20 == 19) loop.run_for(1ms);
    }
    const DirectionCounters& c = sim->upstream();
    sent_total += uint64_t(n);
    loop.run_until([&] {
      return c.datagrams >= sent_total && c.delivered + c.lost + c.blacked_out >= c.datagrams + c.duplicated;
    }, 5s);
    loop.run_until([&] { return uint64_t(received) >= c.delivered - delivered_before; }, 2s);
    delivered_before = c.delivered;
    return received;
  }
  uint64_t delivered_before = 0;
  uint64_t sent_total = 0;
};

TEST(Netsim, PassesEverythingByDefault) {
  Rig r(1);
  ASSERT_TRUE(r.sim);
  EXPECT_EQ(r.pass(300), 300);
  EXPECT_EQ(r.last_source, r.sim->server_facing_address());
}

TEST(Netsim, LossFollowsTheConfiguredRate) {
  Rig r(2);
  Impairment i;
  i.loss = 0.3;
  r.sim->set_upstream(i);
  int got = r.pass(2000);
  EXPECT_EQ(uint64_t(got), r.sim->upstream().delivered);
  EXPECT_EQ(r.sim->upstream().lost + r.sim->upstream().delivered, 2000u);
  EXPECT_NEAR(double(r.sim->upstream().lost) / 2000, 0.3, 0.05);
}

TEST(Netsim, DuplicatesArriveTwice) {
  Rig r(3);
  Impairment i;
  i.duplicate = 0.5;
  r.sim->set_upstream(i);
  int got = r.pass(400);
  EXPECT_EQ(uint64_t(got), 400 + r.sim->upstream().duplicated);
  EXPECT_GT(r.sim->upstream().duplicated, 100u);
}

TEST(Netsim, BlackoutDropsEverythingUntilItEnds) {
  Rig r(4);
  r.sim->blackout(60s);
  EXPECT_EQ(r.pass(50), 0);
  EXPECT_EQ(r.sim->upstream().blacked_out, 50u);
  r.sim->blackout(0ms);
  EXPECT_EQ(r.pass(50), 50);
}

TEST(Netsim, RoamMovesTheServerFacingAddress) {
  Rig r(5);
  Address before = r.sim->server_facing_address();
  ASSERT_TRUE(r.sim->roam());
  Address after = r.sim->server_facing_address();
  EXPECT_NE(before, after);
  EXPECT_EQ(r.pass(10), 10);
  EXPECT_EQ(r.last_source, after);
}

}  // namespace
}  // namespace tandem::netsim
