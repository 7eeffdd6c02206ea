// A non-blocking UDP socket (RAII), and the libevent event handle type.
#pragma once

#include <event2/event.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "transport/address.h"

namespace tandem::transport {

struct EventFree {
  void operator()(event* e) const { event_free(e); }
};
using EventPtr = std::unique_ptr<event, EventFree>;

struct EventBaseFree {
  void operator()(event_base* b) const { event_base_free(b); }
};
using EventBasePtr = std::unique_ptr<event_base, EventBaseFree>;

// The process's event loop. Its timers use the precise monotonic clock: libevent's
// default (the coarse clock, 4 ms steps here) would delay every frame by up to that.
EventBasePtr make_event_base();

class UdpSocket {
 public:
  // Binds a socket to `local` (port 0: any free port). nullopt with `error` set on failure.
  static std::optional<UdpSocket> bind(const Address& local, std::string* error);
  // The wildcard address of the family of `peer`, port 0: where a client binds.
  static Address any_for(const Address& peer);

  UdpSocket(UdpSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const { return fd_; }
  Address local_address() const;
  // Sends one datagram; false if the kernel refused it (it is dropped, as UDP would).
  bool send_to(std::span<const uint8_t> datagram, const Address& to) const;
  // Receives one datagram into `buffer`; its size, or -1 when none is waiting.
  // Datagrams larger than the buffer are consumed and reported as size 0.
  long receive(std::span<uint8_t> buffer, Address& from) const;

 private:
  explicit UdpSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace tandem::transport
