// A relay under connection abuse (finding 7 of the relay probe): connections are
// capped in all and per address, one that never opens a shell or subsystem is
// closed, and running out of file descriptors pauses accepting instead of spinning.
// A real relay on loopback, raw TCP clients.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <filesystem>

#include "relay/relay.h"
#include "tests/transport/event_loop.h"

namespace tandem::relay {
namespace {

using namespace std::chrono_literals;

transport::UniqueFd connect_to(uint16_t port) {
  transport::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd.reset();
  return fd;
}

// Whether the relay closed its end (read gives EOF or a reset; the banner may come first).
bool closed_by_relay(int fd) {
  char buf[512];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) continue;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
}

class RelayLimits : public ::testing::Test {
 protected:
  void open_relay(ssh::ListenerLimits limits) {
    RelayOptions o;
    o.ssh_listen = *transport::Address::parse("127.0.0.1:0");
    o.udp_listen = *transport::Address::parse("127.0.0.1:0");
    o.connections = limits;
    std::string error;
    relay = Relay::open(loop.base(), o, &error);
    ASSERT_TRUE(relay) << error;
  }
  testing::EventLoop loop;
  std::unique_ptr<Relay> relay;
};

TEST_F(RelayLimits, AnAddressGetsOnlyItsShareAndUnusedConnectionsAreClosed) {
  open_relay(ssh::ListenerLimits{8, 4, 300ms});
  std::vector<transport::UniqueFd> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(connect_to(relay->ssh_port()));
  ASSERT_TRUE(loop.run_until([&] { return relay->connection_counters().refused_address == 1; }, 5s));
  EXPECT_EQ(relay->connections(), 4u);
  EXPECT_TRUE(loop.run_until([&] { return closed_by_relay(clients[4].get()); }, 5s));
  // None of them ever asks for anything: each is closed after the deadline.
  EXPECT_TRUE(loop.run_until([&] { return relay->connections() == 0; }, 5s));
  EXPECT_EQ(relay->connection_counters().timed_out, 4u);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(closed_by_relay(clients[size_t(i)].get())) << i;
}

TEST_F(RelayLimits, RunningOutOfFileDescriptorsPausesAcceptingInsteadOfSpinning) {
  open_relay(ssh::ListenerLimits{});
  rlimit saved{};
  getrlimit(RLIMIT_NOFILE, &saved);
  size_t open_now = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++open_now;
  }
  rlimit tight = saved;
  tight.rlim_cur = open_now + 4;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  std::vector<transport::UniqueFd> clients;
  for (int i = 0; i < 6; ++i) {
    transport::UniqueFd fd = connect_to(relay->ssh_port());
    if (fd) clients.push_back(std::move(fd));
    loop.run_for(20ms);
  }
  const uint64_t before = relay->connection_counters().wakeups;
  loop.run_for(1s);
  const ssh::ListenerCounters c = relay->connection_counters();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_GE(c.pauses, 1u);
  EXPECT_LE(c.wakeups - before, 10u);  // spinning would be thousands
  // With descriptors back, it accepts again.
  clients.clear();
  const uint64_t accepted = relay->connection_counters().accepted;
  transport::UniqueFd late = connect_to(relay->ssh_port());
  ASSERT_TRUE(late);
  EXPECT_TRUE(loop.run_until([&] { return relay->connection_counters().accepted > accepted; }, 5s));
}

}  // namespace
}  // namespace tandem::relay
