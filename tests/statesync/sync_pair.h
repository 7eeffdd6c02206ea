// A host-like client and a relay-like server synchronising through netsim on
// loopback: the host sends its screen and receives input. Built with the same
// ClientSync and EndpointSync the programs use. For tests and benchmarks.
#pragma once

#include <memory>
#include <string>

#include "statesync/input_state.h"
#include "statesync/screen/screen_state.h"
#include "statesync/sync_endpoints.h"
#include "tests/netsim/netsim.h"

namespace tandem::statesync {

struct SyncPair {
  using HostEnd = ClientSync<screen::ScreenState, InputState>;
  using RelayEnd = EndpointSync<InputState, screen::ScreenState>;

  // Declared in the order they can be torn down backwards.
  std::unique_ptr<transport::ServerEndpoint> endpoint;
  std::unique_ptr<RelayEnd> relay_end;
  std::unique_ptr<netsim::Netsim> sim;
  std::unique_ptr<HostEnd> host_end;
  HostEnd::Connection* host = nullptr;    // sends the screen
  RelayEnd::Connection* relay = nullptr;  // sends input
  std::string error;

  SyncPair(event_base* base, int cols, int rows, size_t scrollback, uint64_t seed) {
    using transport::Address;
    endpoint = transport::ServerEndpoint::open(base, *Address::parse("127.0.0.1:0"), &error);
    if (!endpoint) return;
    relay_end = std::make_unique<RelayEnd>(base, *endpoint, InputState(), screen::ScreenState(cols, rows, scrollback),
                                           kInputSendDelayMs);
    sim = netsim::Netsim::open(base, *Address::parse("127.0.0.1:0"), endpoint->local_address(), seed, &error);
    if (!sim) return;
    host_end = HostEnd::open(base, sim->address(), relay_end->key(), relay_end->link_id(),
                             screen::ScreenState(cols, rows, scrollback), InputState(), kScreenSendDelayMs, {}, &error);
    if (!host_end) return;
    host = &host_end->sync();
    relay = &relay_end->sync();
  }
  bool ok() const { return host && relay; }
};

}  // namespace tandem::statesync
