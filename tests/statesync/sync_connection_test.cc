// Two SyncConnections over real links through netsim: a host-like client sending
// its screen, a relay-like server sending input back.
#include "statesync/sync_connection.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "statesync/input_flow.h"
#include "statesync/input_state.h"
#include "statesync/sync_endpoints.h"
#include "statesync/screen/terminal.h"
#include "tests/netsim/netsim.h"
#include "tests/statesync/sync_pair.h"
#include "tests/statesync/screen/random_screen.h"
#include "tests/transport/event_loop.h"

namespace tandem::statesync {
namespace {

using namespace std::chrono_literals;
using screen::ScreenState;

// Host (client) <-> netsim <-> relay (server), on a loop of its own.
struct Rig {
  testing::EventLoop loop;
  SyncPair pair;
  netsim::Netsim* sim;
  SyncConnection<ScreenState, InputState>* host;
  SyncConnection<InputState, ScreenState>* relay;

  Rig(int cols, int rows, size_t scrollback, uint64_t seed)
      : pair(loop.base(), cols, rows, scrollback, seed), sim(pair.sim.get()), host(pair.host),
        relay(pair.relay) {
    EXPECT_TRUE(pair.ok()) << pair.error;
  }
  // Let whatever is due happen, without blocking.
  void pump() { event_base_loop(loop.base(), EVLOOP_NONBLOCK); }
  uint64_t wire_up() const { return sim->upstream().bytes; }
};

netsim::Impairment impaired(double loss, std::chrono::milliseconds delay) {
  netsim::Impairment i;
  i.delay = delay;
  i.jitter = delay / 4;
  i.loss = loss;
  i.duplicate = 0.05;
  i.reorder = 0.1;
  i.reorder_hold = 10ms;
  return i;
}

std::string fixture(const char* name) {
  std::ifstream in(std::string(TANDEM_FIXTURES) + "/" + name + ".typescript", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(SyncConnection, ScreenConvergesAfterLossReorderingAndARoam) {
  for (double loss : {0.1, 0.5}) {
    Rig rig(80, 24, 50, uint64_t(loss * 100));
    rig.sim->set_both(impaired(loss, 5ms));
    screen::Terminal host(80, 24, 50);
    std::mt19937 rng(11);
    std::string recorded = fixture("vim") + fixture("htop") + fixture("bash");
    for (int step = 0; step < 3000; ++step) {
      if (step % 3 == 0 && size_t(step / 3 * 64) < recorded.size()) {
        host.write(std::string_view(recorded).substr(size_t(step / 3) * 64, 64));
      } else {
        host.write(screen::testing::random_input(rng, 2, 80, 24));
      }
      rig.host->set_outgoing(host.state());
      rig.pump();
      if (step % 20 == 0) rig.loop.run_for(1ms);
      if (step == 1500) {
        ASSERT_TRUE(rig.sim->roam());  // the laptop moved to another network
      }
    }
    rig.sim->set_both(netsim::Impairment{});
    ASSERT_TRUE(rig.loop.run_until([&] { return rig.relay->incoming() == host.state(); }, 30s))
        << "loss " << loss << ": the relay's copy never caught up";
    EXPECT_EQ(rig.host->status(), SyncStatus::kOpen);
    EXPECT_EQ(rig.relay->counters().refused_in, 0u);
  }
}

TEST(SyncConnection, TenThousandInputEventsArriveExactlyOnceInOrder) {
  Rig rig(80, 24, 0, 5);
  rig.sim->set_both(impaired(0.3, 5ms));
  std::string typed, seen;
  uint64_t consumed = 0;
  rig.host->set_on_incoming([&] {
    const InputState& in = rig.host->incoming();
    for (; consumed < in.end(); ++consumed) {
      ASSERT_GE(consumed, in.begin());
      seen += std::get<Keys>(in.at(consumed)).bytes;
    }
    rig.host->incoming_mutable().drop_before(consumed);  // the consumer lets go
  });
  for (int i = 0; i < 10000; ++i) {
    std::string k = std::to_string(i) + ",";
    typed += k;
    rig.relay->outgoing().push(Keys{k});
    rig.relay->outgoing_changed();
    rig.pump();
    if (i % 50 == 0) rig.loop.run_for(1ms);
    if (i == 5000) {
      ASSERT_TRUE(rig.sim->roam());
    }
  }
  rig.sim->set_both(netsim::Impairment{});
  ASSERT_TRUE(rig.loop.run_until([&] { return seen.size() >= typed.size(); }, 30s));
  EXPECT_EQ(seen, typed);
}

TEST(SyncConnection, AFloodCostsAFewFramesNotTheStream) {
  Rig rig(80, 24, 0, 9);
  rig.sim->set_both(impaired(0, 50ms));
  screen::Terminal host(80, 24, 0);
  std::string raw;
  for (int i = 1; i <= 200000; ++i) raw += std::to_string(i) + "\r\n";
  std::mt19937 rng(3);
  for (int line = 0; raw.size() < 1383000 + 2000000; ++line) {
    for (int w = 0; w < 10; ++w) raw += "word" + std::to_string(rng() % 1000) + " ";
    raw += "\r\n";
  }
  // The host reads the PTY in 16 KiB chunks and publishes its screen after each; the
  // output arrives over time (16 KiB a millisecond, slower than a real `cat`).
  for (size_t off = 0; off < raw.size(); off += 16384) {
    host.write(std::string_view(raw).substr(off, 16384));
    rig.host->set_outgoing(host.state());
    rig.loop.run_for(1ms);
  }
  ASSERT_TRUE(rig.loop.run_until([&] { return rig.relay->incoming() == host.state(); }, 30s));
  const uint64_t wire = rig.wire_up();
  std::printf("[ flood    ] %zu bytes of output cost %llu bytes host->relay in %llu instructions\n", raw.size(),
              (unsigned long long)wire, (unsigned long long)rig.host->counters().instructions_out);
  EXPECT_LT(wire * 100, raw.size()) << "more than 1% of the raw output went on the wire";
}

TEST(SyncConnection, ShutdownIsTellsBothSides) {
  Rig rig(80, 24, 0, 13);
  rig.sim->set_both(impaired(0.2, 2ms));
  rig.host->outgoing();
  rig.loop.run_for(20ms);
  rig.host->shutdown();
  EXPECT_EQ(rig.host->status(), SyncStatus::kClosing);
  ASSERT_TRUE(rig.loop.run_until([&] {
    return rig.host->status() == SyncStatus::kClosed && rig.relay->status() == SyncStatus::kPeerClosed;
  }, 20s));
  EXPECT_TRUE(rig.host->shutdown_acknowledged());
}

TEST(SyncConnection, SilenceIsNotShutdown) {
  Rig rig(80, 24, 0, 17);
  rig.loop.run_for(30ms);
  rig.sim->blackout(std::chrono::hours(1));  // the relay vanishes without a word
  screen::Terminal host(80, 24, 0);
  host.write("typing into the void");
  rig.host->set_outgoing(host.state());
  rig.loop.run_for(300ms);
  EXPECT_EQ(rig.host->status(), SyncStatus::kOpen);
  EXPECT_EQ(rig.relay->status(), SyncStatus::kOpen);
  EXPECT_GE(rig.host->silent_for_ms(), 250u);
  EXPECT_FALSE(rig.relay->incoming() == host.state());
}

// Finding 2 of the relay probe: a 2 MB paste outgrew a transport message, was never
// delivered, and was re-diffed forever. Through InputFlow it arrives whole, once, in
// order, even with the receiver refusing more for a while (a host that is full).
TEST(SyncConnection, ABigPasteArrivesWholeThroughInputFlowAndAFullReceiver) {
  Rig rig(80, 24, 0, 23);
  InputFlow<SyncConnection<InputState, ScreenState>> flow(*rig.relay);
  rig.relay->set_on_acked([&] { flow.pump(); });
  rig.host->set_quick_acks(true);
  std::string paste;
  std::mt19937 rng(5);
  for (size_t i = 0; i < (4u << 20); ++i) paste.push_back(char('a' + rng() % 26));
  std::string got;
  uint64_t cursor = 0;
  size_t most_in_flight = 0;
  rig.host->set_on_incoming([&] {
    for_each_new(rig.host->incoming_mutable(), cursor, [&](const InputEvent& e) { got += std::get<Keys>(e).bytes; });
    most_in_flight = std::max(most_in_flight, rig.relay->outgoing().bytes());
  });
  flow.push_keys(paste);
  EXPECT_FALSE(flow.has_room());  // a producer would stop reading now
  rig.loop.run_for(100ms);
  rig.host->set_accepting(false);  // full for a while
  const size_t before = got.size();
  rig.loop.run_for(300ms);
  EXPECT_EQ(got.size(), before);
  rig.host->set_accepting(true);
  EXPECT_TRUE(rig.loop.run_until([&] { return got.size() >= paste.size(); }, 60s))
      << got.size() << " of " << paste.size() << " bytes; relay sent " << rig.relay->counters().instructions_out
      << ", send failures " << rig.relay->counters().send_failures << ", host refused "
      << rig.host->counters().refused_in << " (" << rig.host->last_error() << "), host in " << rig.host->counters().instructions_in << " nobase " << rig.host->counters().without_base_in << " end " << rig.host->incoming().end() << " inflight " << rig.relay->outgoing().bytes();
  EXPECT_TRUE(got == paste);
  EXPECT_LE(most_in_flight, decltype(flow)::kInFlightBytes);
  EXPECT_EQ(rig.relay->counters().send_failures, 0u);
}

// Finding 5 of the relay probe: a link handed out and never used kept diffing and
// deflating the whole screen for nobody. Now it costs nothing until its client speaks
// (and the relay reaps it if it never does).
TEST(SyncConnection, AServerLinkNobodySpeaksOnCostsNothing) {
  testing::EventLoop loop;
  std::string error;
  auto endpoint = transport::ServerEndpoint::open(loop.base(), *transport::Address::parse("127.0.0.1:0"), &error);
  ASSERT_TRUE(endpoint) << error;
  EndpointSync<ScreenState, InputState> link(loop.base(), *endpoint, screen::initial_screen(), InputState(),
                                            kForwardSendDelayMs);
  screen::Terminal host(80, 24, 0);
  host.write("nobody will ever see this");
  link.sync().set_outgoing(host.state());
  loop.run_for(1s);
  EXPECT_EQ(link.sync().counters().wakeups, 0u);
  EXPECT_EQ(link.sync().counters().instructions_out, 0u);
  EXPECT_EQ(link.sync().status(), SyncStatus::kOpen);
}

}  // namespace
}  // namespace tandem::statesync
