// A UDP endpoint address, IPv4 or IPv6, as a plain value with equality; or a stream:
// one of the server's TCP paths that carry datagrams when UDP is blocked.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::transport {

class Address {
 public:
  Address() = default;
  Address(const sockaddr* sa, socklen_t len);

  // "127.0.0.1:6000", "[::1]:6000" (numeric only; no name lookups here).
  static std::optional<Address> parse(std::string_view text);
  // The server's TCP path number `id` (ServerEndpoint::add_stream).
  static Address stream(uint32_t id);
  std::optional<uint32_t> stream_id() const;
  // The same host with another port.
  Address with_port(uint16_t port) const;

  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const { return length_; }
  int family() const { return storage_.ss_family; }
  bool valid() const { return length_ != 0; }
  uint16_t port() const;
  // "127.0.0.1:6000" or "[::1]:6000".
  std::string to_string() const;
  // The numeric host alone: "127.0.0.1", "::1".
  std::string host() const;
  // The host as it stands before ":port": "127.0.0.1", "[::1]".
  std::string host_for_url() const;

  bool operator==(const Address& other) const;

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace tandem::transport
