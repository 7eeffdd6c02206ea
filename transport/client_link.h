// The client end of a link (host or native mate -> relay), on the event loop.
//
// It sends from its newest UDP socket and keeps listening on a few older ones for
// stragglers. It opens a fresh socket (a new source port, so a fresh NAT mapping)
// when it has heard nothing for `hop_after`, when it notices the machine slept, and
// whenever roam() is called; the server follows the newest authenticated datagram.
//
// Callbacks run on the event loop; the link must not be destroyed from inside one.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "transport/event_loop.h"
#include "transport/link.h"
#include "transport/udp_socket.h"
#include "transport/wake_detector.h"

namespace tandem::transport {

struct ClientLinkOptions {
  std::chrono::milliseconds hop_after{10000};  // silence before a fresh socket (mosh: 10 s)
  std::chrono::milliseconds tick{1000};         // how often silence and sleep are checked
  size_t max_sockets = 4;                        // the newest and a few older ones still listening
  std::optional<Address> bind;                   // local address; default: any, of the server's family
  std::function<int64_t()> sleep_clock;          // for WakeDetector; default: the system clocks
};

class ClientLink {
 public:
  // nullptr (with `error`) when no socket can be opened.
  static std::unique_ptr<ClientLink> open(event_base* base, const Address& server, const LinkKey& key,
                                          uint64_t link_id, LinkCallbacks callbacks, ClientLinkOptions options,
                                          std::string* error);
  ~ClientLink();

  // Sends a whole message (fragmented as needed). False if it cannot be sealed.
  bool send(std::span<const uint8_t> message);
  // Moves to a fresh socket now.
  void roam();
  // Called after a sleep was noticed (and the socket changed): send something now.
  void set_on_wake(std::function<void()> on_wake) { on_wake_ = std::move(on_wake); }

  const Link& link() const { return link_; }
  Link& link() { return link_; }
  Address local_address() const;
  size_t open_sockets() const { return sockets_.size(); }

 private:
  struct Socket {
    UdpSocket udp;
    std::unique_ptr<Watch> readable;  // declared after the socket: removed from the loop first
  };
  ClientLink(event_base* base, const Address& server, const LinkKey& key, uint64_t link_id, LinkCallbacks callbacks,
             ClientLinkOptions options);
  bool open_socket(std::string* error);
  void drain(Socket& s);
  void tick();

  event_base* base_;
  Address server_;
  ClientLinkOptions options_;
  Link link_;
  std::deque<std::unique_ptr<Socket>> sockets_;  // newest at the back
  Timer tick_;
  WakeDetector wake_;
  std::function<void()> on_wake_;
  uint64_t last_hop_ = 0;
  std::vector<std::vector<uint8_t>> outgoing_;
  std::array<uint8_t, 2048> buffer_;
};

}  // namespace tandem::transport
