// The server end: one UDP socket serving many links, told apart by link id.
//
// A datagram for an unknown link id costs one hash lookup and no allocation; one
// that does not authenticate is dropped. Nothing is ever sent in answer to either.
// Each link follows its client's address (roaming), and that address may be a stream:
// a TCP path (a WebSocket on the relay's web port) that carries the same datagrams
// for a client whose network drops UDP. A link is the same link on either path.
#pragma once

#include <functional>

#include <event2/event.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "transport/event_loop.h"
#include "transport/link.h"
#include "transport/udp_socket.h"

namespace tandem::transport {

struct EndpointCounters {
  uint64_t datagrams_in = 0;
  uint64_t dropped_unknown_link = 0;  // no such link id, or no header at all
  uint64_t dropped_oversize = 0;
};

class ServerEndpoint {
 public:
  // nullptr (with `error`) when the address cannot be bound.
  static std::unique_ptr<ServerEndpoint> open(event_base* base, const Address& bind, std::string* error);
  ~ServerEndpoint();

  Address local_address() const { return udp_.local_address(); }

  // Adds a link; it has no peer address until its client's first datagram arrives.
  Link& add_link(uint64_t link_id, const LinkKey& key, LinkCallbacks callbacks);
  // Safe from inside a link's own callbacks: the link is freed after the read finishes.
  void remove_link(uint64_t link_id);
  Link* find(uint64_t link_id);
  size_t links() const { return links_.size(); }
  // Sends a message on a link to its client's current address. False if the link is
  // unknown, has not heard its client yet, or cannot seal.
  bool send(uint64_t link_id, std::span<const uint8_t> message);

  // A TCP path: `send` writes one datagram on it. Its datagrams come in through
  // stream_datagram(); after remove_stream() nothing is sent on it.
  uint32_t add_stream(std::function<void(std::span<const uint8_t>)> send);
  void stream_datagram(uint32_t stream, std::span<const uint8_t> datagram);
  void remove_stream(uint32_t stream);
  size_t streams() const { return streams_.size(); }

  const EndpointCounters& counters() const { return counters_; }
  // What every link's half-received messages hold together, and the most they may.
  const ReassemblyBudget& reassembly() const { return budget_; }

 private:
  ServerEndpoint(UdpSocket udp) : udp_(std::move(udp)) {}
  void drain();
  void receive(std::span<const uint8_t> datagram, const Address& from);

  UdpSocket udp_;
  std::unique_ptr<Watch> readable_;
  ReassemblyBudget budget_;  // before the links, which count against it until they go
  std::unordered_map<uint64_t, std::unique_ptr<Link>> links_;
  std::vector<std::unique_ptr<Link>> removed_;  // kept alive until the current read ends
  EndpointCounters counters_;
  std::unordered_map<uint32_t, std::function<void(std::span<const uint8_t>)>> streams_;
  uint32_t next_stream_ = 0;
  std::vector<std::vector<uint8_t>> outgoing_;
  std::array<uint8_t, 2048> buffer_;
};

}  // namespace tandem::transport
