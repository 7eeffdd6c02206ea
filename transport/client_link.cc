#include "transport/client_link.h"

namespace tandem::transport {
namespace {

constexpr int kMaxDatagramsPerWakeup = 256;  // bound the work of one callback

}  // namespace

ClientLink::ClientLink(event_base* base, const Address& server, const LinkKey& key, uint64_t link_id,
                       LinkCallbacks callbacks, ClientLinkOptions options)
    : base_(base),
      server_(server),
      options_(std::move(options)),
      link_(key, link_id, Side::kClient, std::move(callbacks)),
      tick_(base, [this] { tick(); }),
      wake_(options_.sleep_clock ? options_.sleep_clock : WakeDetector::system_offset_ms) {
  link_.set_peer(server);
}

std::unique_ptr<ClientLink> ClientLink::open(event_base* base, const Address& server, const LinkKey& key,
                                             uint64_t link_id, LinkCallbacks callbacks, ClientLinkOptions options,
                                             std::string* error) {
  std::unique_ptr<ClientLink> c(new ClientLink(base, server, key, link_id, std::move(callbacks), std::move(options)));
  if (!c->open_socket(error)) return nullptr;
  c->udp_since_ = now_ms();
  if (c->options_.transport == LinkTransport::kTcp && c->options_.tcp_server) c->dial_tcp();
  c->tick_.start_repeating(c->options_.tick);
  return c;
}

ClientLink::~ClientLink() = default;

bool ClientLink::open_socket(std::string* error) {
  Address local = options_.bind ? *options_.bind : UdpSocket::any_for(server_);
  std::optional<UdpSocket> udp = UdpSocket::bind(local, error);
  if (!udp) return false;
  auto s = std::make_unique<Socket>(Socket{std::move(*udp), nullptr});
  Socket* raw = s.get();
  s->readable = std::make_unique<Watch>(base_, s->udp.fd(), Watch::For::kRead, [this, raw] { drain(*raw); });
  sockets_.push_back(std::move(s));
  last_hop_ = now_ms();  // old sockets are closed by tick(), never under a read callback
  return true;
}

Address ClientLink::local_address() const { return sockets_.back()->udp.local_address(); }

bool ClientLink::send(std::span<const uint8_t> message) {
  outgoing_.clear();
  const uint64_t now = now_ms();
  if (!link_.seal_message(message, outgoing_, now)) return false;
  if (on_tcp()) {
    for (const auto& d : outgoing_) tcp_->send(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
    // Now and then the message goes by UDP too, sealed again (newer: a copy of the same
    // datagrams would be a replay the relay drops): if UDP is back, the answer comes that way.
    if (options_.transport != LinkTransport::kAuto || now - udp_tried_ < uint64_t(options_.udp_again.count())) {
      return true;
    }
    udp_tried_ = now;
    outgoing_.clear();
    if (!link_.seal_message(message, outgoing_, now)) return true;
  }
  {
    const UdpSocket& s = sockets_.back()->udp;
    for (const auto& d : outgoing_) s.send_to(d, server_);
  }
  return true;
}

void ClientLink::dial_tcp() {
  if (dialing_ || (tcp_ && tcp_->open()) || !options_.tcp_server) return;
  WebSocketDialer::Request r;
  r.address = *options_.tcp_server;
  r.path = "/link";
  r.tls = options_.tcp_tls;
  r.max_message = 4096;
  r.deadline = std::chrono::milliseconds(8000);
  dialing_ = std::make_unique<WebSocketDialer>(
      base_, r,
      WebSocket::Callbacks{
          .on_message =
              [this](std::string_view m) {
                link_.receive(std::span(reinterpret_cast<const uint8_t*>(m.data()), m.size()), server_, now_ms());
              },
          .on_closed = [this](const std::string& why) { tcp_closed(why); },
          .on_drained = nullptr},
      [this](std::unique_ptr<WebSocket> socket, const std::string& error) {
        dial_finished_ = true;
        tcp_ = std::move(socket);
        if (!tcp_) {
          tcp_closed(error);
          return;
        }
        on_tcp_ = true;
        ++tcp_switches_;
        tcp_backoff_ = std::chrono::milliseconds(1000);
        udp_tried_ = now_ms();
        if (on_wake_) on_wake_();  // say something at once on the new path
      });
}

void ClientLink::tcp_closed(const std::string&) {
  on_tcp_ = false;
  tcp_retry_at_ = now_ms() + uint64_t(tcp_backoff_.count());
  tcp_backoff_ = std::min(tcp_backoff_ * 2, std::chrono::milliseconds(15000));
}

void ClientLink::roam() {
  std::string error;
  open_socket(&error);  // on failure the old socket stays in use
}

void ClientLink::drain(Socket& s) {
  Address from;
  for (int i = 0; i < kMaxDatagramsPerWakeup; ++i) {
    long n = s.udp.receive(buffer_, from);
    if (n < 0) break;
    // Only the server may speak to us; anything else is not even opened.
    if (!(from == server_)) {
      ++link_.counters().dropped_unauthentic;
      continue;
    }
    // Only a datagram that authenticates says UDP works (spoofed bytes must not keep us off TCP).
    if (!link_.receive(std::span(buffer_.data(), size_t(n)), from, now_ms())) continue;
    heard_udp_ = now_ms();
    if (on_tcp_) {  // UDP works again: back to it (the TCP path closes at the next tick)
      on_tcp_ = false;
      ++udp_returns_;
      udp_since_ = heard_udp_;
    }
  }
}

void ClientLink::tick() {
  while (sockets_.size() > options_.max_sockets) sockets_.pop_front();
  const uint64_t now = now_ms();
  if (dialing_ && dial_finished_) {  // done, one way or the other: freed here, not under its callback
    dialing_.reset();
    dial_finished_ = false;
  }
  if (tcp_ && !on_tcp_ && options_.transport == LinkTransport::kAuto) tcp_.reset();  // back on UDP
  if (tcp_ && !tcp_->open()) tcp_.reset();
  if (options_.tcp_server && !dialing_ && !tcp_ && now >= tcp_retry_at_) {
    const bool udp_silent = now - std::max(heard_udp_, udp_since_) >= uint64_t(options_.tcp_after.count());
    if (options_.transport == LinkTransport::kTcp || (options_.transport == LinkTransport::kAuto && udp_silent)) {
      dial_tcp();
    }
  }
  if (wake_.woke()) {
    roam();
    if (on_wake_) on_wake_();
    return;
  }
  const uint64_t quiet_since = std::max(link_.last_heard(), last_hop_);
  if (now - quiet_since >= uint64_t(options_.hop_after.count())) roam();
}

}  // namespace tandem::transport
