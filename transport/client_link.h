// The client end of a link (host or native mate -> relay), on the event loop.
//
// It sends from its newest UDP socket and keeps listening on a few older ones for
// stragglers. It opens a fresh socket (a new source port, so a fresh NAT mapping)
// when it has heard nothing for `hop_after`, when it notices the machine slept, and
// whenever roam() is called; the server follows the newest authenticated datagram.
//
// Where UDP is dropped (hotel and office networks), it carries the same sealed
// datagrams over a TCP path to the relay's web port instead (LinkTransport): with
// kAuto, after tcp_after of silence on UDP, and it tries UDP again every udp_again,
// going back to it as soon as UDP is heard. Either way it is the same link.
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
#include "transport/web_socket.h"
#include "transport/web_socket_dialer.h"

namespace tandem::transport {

// Which path a link's datagrams take: UDP; a TCP path (a WebSocket to the relay's web
// port, for networks that drop UDP); or UDP, falling back to TCP while UDP is silent.
enum class LinkTransport { kUdp, kTcp, kAuto };

struct ClientLinkOptions {
  std::chrono::milliseconds hop_after{10000};  // silence before a fresh socket (mosh: 10 s)
  std::chrono::milliseconds tick{1000};         // how often silence and sleep are checked
  size_t max_sockets = 4;                        // the newest and a few older ones still listening
  std::optional<Address> bind;                   // local address; default: any, of the server's family
  std::function<int64_t()> sleep_clock;          // for WakeDetector; default: the system clocks
  LinkTransport transport = LinkTransport::kUdp;
  std::optional<Address> tcp_server;              // the relay's web port; none: UDP only
  bool tcp_tls = false;                           // it speaks TLS
  std::chrono::milliseconds tcp_after{4000};      // UDP silent this long (auto): take the TCP path
  std::chrono::milliseconds udp_again{15000};     // on the TCP path (auto): UDP is tried this often
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

  // Whether datagrams go over the TCP path now.
  bool on_tcp() const { return tcp_ && tcp_->open() && on_tcp_; }
  // Times the link moved to the TCP path, and back to UDP.
  uint64_t tcp_switches() const { return tcp_switches_; }
  uint64_t udp_returns() const { return udp_returns_; }

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
  void dial_tcp();
  void tcp_closed(const std::string& why);

  event_base* base_;
  Address server_;
  ClientLinkOptions options_;
  Link link_;
  std::deque<std::unique_ptr<Socket>> sockets_;  // newest at the back
  Timer tick_;
  WakeDetector wake_;
  std::function<void()> on_wake_;
  uint64_t last_hop_ = 0;
  uint64_t heard_udp_ = 0;       // the last datagram that authenticated on UDP
  uint64_t udp_since_ = 0;       // when UDP was last (re)started as the path
  uint64_t udp_tried_ = 0;       // on TCP: when UDP was last tried
  uint64_t tcp_retry_at_ = 0;    // no TCP dial before this (backing off)
  std::chrono::milliseconds tcp_backoff_{1000};
  std::unique_ptr<WebSocketDialer> dialing_;
  std::unique_ptr<WebSocket> tcp_;
  bool on_tcp_ = false;
  bool dial_finished_ = false;
  uint64_t tcp_switches_ = 0, udp_returns_ = 0;
  std::vector<std::vector<uint8_t>> outgoing_;
  std::array<uint8_t, 2048> buffer_;
};

}  // namespace tandem::transport
