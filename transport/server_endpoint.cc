#include "transport/server_endpoint.h"

namespace tandem::transport {
namespace {

constexpr int kMaxDatagramsPerWakeup = 256;  // bound the work of one callback

}  // namespace

std::unique_ptr<ServerEndpoint> ServerEndpoint::open(event_base* base, const Address& bind, std::string* error) {
  std::optional<UdpSocket> udp = UdpSocket::bind(bind, error);
  if (!udp) return nullptr;
  std::unique_ptr<ServerEndpoint> e(new ServerEndpoint(std::move(*udp)));
  ServerEndpoint* raw = e.get();
  e->readable_ = std::make_unique<Watch>(base, e->udp_.fd(), Watch::For::kRead, [raw] { raw->drain(); });
  return e;
}

ServerEndpoint::~ServerEndpoint() = default;

Link& ServerEndpoint::add_link(uint64_t link_id, const LinkKey& key, LinkCallbacks callbacks) {
  auto link = std::make_unique<Link>(key, link_id, Side::kServer, std::move(callbacks));
  link->set_reassembly_budget(&budget_);
  Link& ref = *link;
  links_[link_id] = std::move(link);
  return ref;
}

void ServerEndpoint::remove_link(uint64_t link_id) {
  auto it = links_.find(link_id);
  if (it == links_.end()) return;
  removed_.push_back(std::move(it->second));
  links_.erase(it);
}

Link* ServerEndpoint::find(uint64_t link_id) {
  auto it = links_.find(link_id);
  return it == links_.end() ? nullptr : it->second.get();
}

bool ServerEndpoint::send(uint64_t link_id, std::span<const uint8_t> message) {
  Link* link = find(link_id);
  if (!link || !link->peer().valid()) return false;
  outgoing_.clear();
  if (!link->seal_message(message, outgoing_, now_ms())) return false;
  if (std::optional<uint32_t> stream = link->peer().stream_id()) {
    auto it = streams_.find(*stream);
    if (it == streams_.end()) return false;  // that path closed: the client comes back on another
    for (const auto& d : outgoing_) it->second(d);
    return true;
  }
  for (const auto& d : outgoing_) udp_.send_to(d, link->peer());
  return true;
}

uint32_t ServerEndpoint::add_stream(std::function<void(std::span<const uint8_t>)> send) {
  const uint32_t id = ++next_stream_;
  streams_[id] = std::move(send);
  return id;
}

void ServerEndpoint::stream_datagram(uint32_t stream, std::span<const uint8_t> datagram) {
  if (!streams_.contains(stream)) return;
  ++counters_.datagrams_in;
  if (datagram.size() > buffer_.size()) {
    ++counters_.dropped_oversize;
    return;
  }
  receive(datagram, Address::stream(stream));
  removed_.clear();
}

void ServerEndpoint::remove_stream(uint32_t stream) { streams_.erase(stream); }

void ServerEndpoint::drain() {
  Address from;
  for (int i = 0; i < kMaxDatagramsPerWakeup; ++i) {
    long n = udp_.receive(buffer_, from);
    if (n < 0) break;
    ++counters_.datagrams_in;
    if (n == 0) {
      ++counters_.dropped_oversize;
      continue;
    }
    receive(std::span<const uint8_t>(buffer_.data(), size_t(n)), from);
  }
  removed_.clear();
}

void ServerEndpoint::receive(std::span<const uint8_t> datagram, const Address& from) {
  std::optional<DatagramHeader> h = parse_header(datagram);
  auto it = h ? links_.find(h->link_id) : links_.end();
  if (it == links_.end()) {
    ++counters_.dropped_unknown_link;
    return;
  }
  it->second->receive(datagram, from, now_ms());
}


}  // namespace tandem::transport
