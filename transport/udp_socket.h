// A non-blocking UDP socket (RAII).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "transport/address.h"
#include "transport/event_loop.h"
#include "transport/fd.h"

namespace tandem::transport {

class UdpSocket {
 public:
  // Binds a socket to `local` (port 0: any free port). nullopt with `error` set on failure.
  static std::optional<UdpSocket> bind(const Address& local, std::string* error);
  // The wildcard address of the family of `peer`, port 0: where a client binds.
  static Address any_for(const Address& peer);

  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;

  int fd() const { return fd_.get(); }
  Address local_address() const;
  // Sends one datagram; false if the kernel refused it (it is dropped, as UDP would).
  bool send_to(std::span<const uint8_t> datagram, const Address& to) const;
  // Receives one datagram into `buffer`; its size, or -1 when none is waiting.
  // Datagrams larger than the buffer are consumed and reported as size 0.
  long receive(std::span<uint8_t> buffer, Address& from) const;

 private:
  explicit UdpSocket(int fd) : fd_(fd) {}
  UniqueFd fd_;
};

}  // namespace tandem::transport
