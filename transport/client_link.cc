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
  if (!link_.seal_message(message, outgoing_, now_ms())) return false;
  const UdpSocket& udp = sockets_.back()->udp;
  for (const auto& d : outgoing_) udp.send_to(d, server_);
  return true;
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
    link_.receive(std::span(buffer_.data(), size_t(n)), from, now_ms());
  }
}

void ClientLink::tick() {
  while (sockets_.size() > options_.max_sockets) sockets_.pop_front();
  const uint64_t now = now_ms();
  if (wake_.woke()) {
    roam();
    if (on_wake_) on_wake_();
    return;
  }
  const uint64_t quiet_since = std::max(link_.last_heard(), last_hop_);
  if (now - quiet_since >= uint64_t(options_.hop_after.count())) roam();
}

}  // namespace tandem::transport
