// A host-like client and a relay-like server synchronising through netsim on
// loopback: the host sends its screen and receives input. For tests and benchmarks.
#pragma once

#include <memory>
#include <string>

#include "statesync/input_state.h"
#include "statesync/sync_connection.h"
#include "tests/netsim/netsim.h"

namespace tandem::statesync {

struct SyncPair {
  transport::LinkKey key = transport::random_link_key();
  uint64_t link_id = transport::random_link_id();
  std::unique_ptr<transport::ServerEndpoint> endpoint;
  std::unique_ptr<netsim::Netsim> sim;
  std::unique_ptr<transport::ClientLink> client_link;
  std::unique_ptr<EndpointChannel> server_channel;
  std::unique_ptr<ClientChannel> client_channel;
  std::unique_ptr<SyncConnection<screen::ScreenState, InputState>> host;   // sends the screen
  std::unique_ptr<SyncConnection<InputState, screen::ScreenState>> relay;  // sends input
  std::string error;

  SyncPair(event_base* base, int cols, int rows, size_t scrollback, uint64_t seed) {
    using transport::Address;
    endpoint = transport::ServerEndpoint::open(base, *Address::parse("127.0.0.1:0"), &error);
    if (!endpoint) return;
    endpoint->add_link(link_id, key,
                       transport::LinkCallbacks{[this](std::span<const uint8_t> m) { relay->receive(m); }, {}});
    sim = netsim::Netsim::open(base, *Address::parse("127.0.0.1:0"), endpoint->local_address(), seed, &error);
    if (!sim) return;
    client_link = transport::ClientLink::open(
        base, sim->address(), key, link_id,
        transport::LinkCallbacks{[this](std::span<const uint8_t> m) { host->receive(m); }, {}}, {}, &error);
    if (!client_link) return;
    server_channel = std::make_unique<EndpointChannel>(*endpoint, link_id);
    client_channel = std::make_unique<ClientChannel>(*client_link);
    host = std::make_unique<SyncConnection<screen::ScreenState, InputState>>(
        base, *client_channel, screen::ScreenState(cols, rows, scrollback), InputState(), kScreenSendDelayMs);
    relay = std::make_unique<SyncConnection<InputState, screen::ScreenState>>(
        base, *server_channel, InputState(), screen::ScreenState(cols, rows, scrollback), kInputSendDelayMs);
  }
  bool ok() const { return host && relay; }
};

}  // namespace tandem::statesync
