// netsim: a UDP impairment proxy for tests and benchmarks (the kernel's netem is not
// available here). Clients send to address(); netsim forwards to the server from its
// own socket and back, applying per-direction delay, jitter, loss, duplication,
// reordering and a bandwidth cap, all drawn from a seeded RNG. blackout() drops
// everything both ways for a while (a laptop asleep, a tunnel); roam() moves the
// address facing the server to the next 127.0.0.x and a new port, as a client
// changing networks would. Loopback only.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "transport/address.h"
#include "transport/udp_socket.h"

namespace tandem::netsim {

using transport::Address;

struct Impairment {
  std::chrono::microseconds delay{0};
  std::chrono::microseconds jitter{0};  // uniform in [-jitter, +jitter], never before the send
  double loss = 0;                      // probability a datagram is dropped
  double duplicate = 0;                 // probability it is delivered twice
  double reorder = 0;                   // probability it is held back behind later ones
  std::chrono::microseconds reorder_hold{20000};
  uint64_t bits_per_second = 0;         // 0: unlimited
};

struct DirectionCounters {
  uint64_t datagrams = 0;  // received by netsim
  uint64_t bytes = 0;
  uint64_t delivered = 0;
  uint64_t delivered_bytes = 0;
  uint64_t lost = 0;
  uint64_t blacked_out = 0;
  uint64_t duplicated = 0;
  uint64_t reordered = 0;
};

class Netsim {
 public:
  // Listens on `listen` (port 0: any) and forwards to `server`.
  static std::unique_ptr<Netsim> open(event_base* base, const Address& listen, const Address& server,
                                      uint64_t seed, std::string* error);
  ~Netsim();

  Address address() const { return front_.local_address(); }
  Address server_facing_address() const { return back_->local_address(); }

  void set_upstream(const Impairment& i) { up_ = i; }    // client -> server
  void set_downstream(const Impairment& i) { down_ = i; }  // server -> client
  void set_both(const Impairment& i) { up_ = down_ = i; }
  void blackout(std::chrono::milliseconds duration);
  // Moves the server-facing socket to the next loopback address and a new port.
  bool roam(std::string* error = nullptr);

  const DirectionCounters& upstream() const { return up_counters_; }
  const DirectionCounters& downstream() const { return down_counters_; }

 private:
  struct InFlight {
    uint64_t deliver_at_us;
    uint64_t order;
    bool upstream;
    std::vector<uint8_t> bytes;
    bool operator>(const InFlight& o) const {
      return deliver_at_us != o.deliver_at_us ? deliver_at_us > o.deliver_at_us : order > o.order;
    }
  };

  Netsim(event_base* base, transport::UdpSocket front, const Address& server, uint64_t seed);
  bool open_back(std::string* error);
  void take(std::span<const uint8_t> bytes, bool upstream);
  void deliver_due();
  void arm_timer();
  static void on_front(evutil_socket_t, short, void* arg);
  static void on_back(evutil_socket_t, short, void* arg);
  static void on_timer(evutil_socket_t, short, void* arg);

  event_base* base_;
  transport::UdpSocket front_;
  std::unique_ptr<transport::UdpSocket> back_;
  transport::EventPtr front_event_;
  transport::EventPtr back_event_;
  transport::EventPtr timer_;
  Address server_;
  Address client_;
  int roams_ = 0;
  Impairment up_, down_;
  DirectionCounters up_counters_, down_counters_;
  uint64_t up_busy_until_us_ = 0, down_busy_until_us_ = 0;
  uint64_t blackout_until_us_ = 0;
  uint64_t order_ = 0;
  std::mt19937_64 rng_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> queue_;
  std::array<uint8_t, 65536> buffer_;
};

}  // namespace tandem::netsim
