#include "tests/netsim/netsim.h"

#include <netinet/in.h>

#include <ctime>

namespace tandem::netsim {
namespace {

constexpr int kMaxPerWakeup = 256;

uint64_t now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

}  // namespace

Netsim::Netsim(event_base* base, transport::UdpSocket front, const Address& server, uint64_t seed)
    : base_(base), front_(std::move(front)), server_(server), rng_(seed) {}

Netsim::~Netsim() = default;

std::unique_ptr<Netsim> Netsim::open(event_base* base, const Address& listen, const Address& server, uint64_t seed,
                                     std::string* error) {
  std::optional<transport::UdpSocket> front = transport::UdpSocket::bind(listen, error);
  if (!front) return nullptr;
  std::unique_ptr<Netsim> n(new Netsim(base, std::move(*front), server, seed));
  if (!n->open_back(error)) return nullptr;
  n->front_event_.reset(event_new(base, n->front_.fd(), EV_READ | EV_PERSIST, on_front, n.get()));
  event_add(n->front_event_.get(), nullptr);
  n->timer_.reset(evtimer_new(base, on_timer, n.get()));
  return n;
}

// The server-facing socket: 127.0.0.2 first, then .3, .4 ... after each roam (or
// ::1 for an IPv6 server, where only the port changes).
bool Netsim::open_back(std::string* error) {
  Address local;
  if (server_.family() == AF_INET6) {
    local = *Address::parse("[::1]:0");
  } else {
    local = *Address::parse("127.0.0." + std::to_string(2 + roams_ % 250) + ":0");
  }
  std::optional<transport::UdpSocket> back = transport::UdpSocket::bind(local, error);
  if (!back) return false;
  back_event_.reset();
  back_ = std::make_unique<transport::UdpSocket>(std::move(*back));
  back_event_.reset(event_new(base_, back_->fd(), EV_READ | EV_PERSIST, on_back, this));
  event_add(back_event_.get(), nullptr);
  return true;
}

bool Netsim::roam(std::string* error) {
  ++roams_;
  return open_back(error);
}

void Netsim::blackout(std::chrono::milliseconds duration) {
  blackout_until_us_ = now_us() + uint64_t(duration.count()) * 1000;
}

void Netsim::take(std::span<const uint8_t> bytes, bool upstream) {
  const Impairment& imp = upstream ? up_ : down_;
  DirectionCounters& c = upstream ? up_counters_ : down_counters_;
  ++c.datagrams;
  c.bytes += bytes.size();
  const uint64_t now = now_us();
  std::uniform_real_distribution<double> unit(0, 1);
  if (now < blackout_until_us_) {
    ++c.blacked_out;
    return;
  }
  if (unit(rng_) < imp.loss) {
    ++c.lost;
    return;
  }
  int copies = unit(rng_) < imp.duplicate ? 2 : 1;
  if (copies == 2) ++c.duplicated;
  uint64_t& busy = upstream ? up_busy_until_us_ : down_busy_until_us_;
  uint64_t sent = now;
  if (imp.bits_per_second > 0) {
    busy = std::max(busy, now) + bytes.size() * 8 * 1000000 / imp.bits_per_second;
    sent = busy;
  }
  for (int i = 0; i < copies; ++i) {
    int64_t jitter = imp.jitter.count() > 0
                         ? std::uniform_int_distribution<int64_t>(-imp.jitter.count(), imp.jitter.count())(rng_)
                         : 0;
    int64_t at = int64_t(sent) + imp.delay.count() + jitter;
    if (unit(rng_) < imp.reorder) {
      ++c.reordered;
      at += imp.reorder_hold.count();
    }
    queue_.push(InFlight{uint64_t(std::max<int64_t>(at, int64_t(now))), order_++, upstream,
                         std::vector<uint8_t>(bytes.begin(), bytes.end())});
  }
  arm_timer();
}

void Netsim::deliver_due() {
  const uint64_t now = now_us();
  while (!queue_.empty() && queue_.top().deliver_at_us <= now) {
    InFlight f = std::move(const_cast<InFlight&>(queue_.top()));
    queue_.pop();
    DirectionCounters& c = f.upstream ? up_counters_ : down_counters_;
    if (now < blackout_until_us_) {
      ++c.blacked_out;  // arrives at a machine that is asleep
      continue;
    }
    bool ok = f.upstream ? back_->send_to(f.bytes, server_) : (client_.valid() && front_.send_to(f.bytes, client_));
    if (ok) {
      ++c.delivered;
      c.delivered_bytes += f.bytes.size();
    }
  }
  arm_timer();
}

void Netsim::arm_timer() {
  if (queue_.empty()) return;
  const uint64_t now = now_us();
  uint64_t wait = queue_.top().deliver_at_us > now ? queue_.top().deliver_at_us - now : 0;
  timeval tv{time_t(wait / 1000000), suseconds_t(wait % 1000000)};
  evtimer_add(timer_.get(), &tv);
}

void Netsim::on_front(evutil_socket_t, short, void* arg) {
  auto* n = static_cast<Netsim*>(arg);
  Address from;
  for (int i = 0; i < kMaxPerWakeup; ++i) {
    long len = n->front_.receive(n->buffer_, from);
    if (len < 0) break;
    n->client_ = from;  // replies go to wherever the client last spoke from
    n->take(std::span(n->buffer_.data(), size_t(len)), true);
  }
}

void Netsim::on_back(evutil_socket_t, short, void* arg) {
  auto* n = static_cast<Netsim*>(arg);
  Address from;
  for (int i = 0; i < kMaxPerWakeup; ++i) {
    long len = n->back_->receive(n->buffer_, from);
    if (len < 0) break;
    if (!(from == n->server_)) continue;
    n->take(std::span(n->buffer_.data(), size_t(len)), false);
  }
}

void Netsim::on_timer(evutil_socket_t, short, void* arg) { static_cast<Netsim*>(arg)->deliver_due(); }

}  // namespace tandem::netsim
