#include "transport/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace tandem::transport {

Address::Address(const sockaddr* sa, socklen_t len) {
  if (len > sizeof storage_) len = sizeof storage_;
  std::memcpy(&storage_, sa, len);
  length_ = len;
}

std::optional<Address> Address::parse(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string host(text.substr(0, colon));
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) return std::nullopt;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(uint16_t(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6.sin6_addr) != 1) return std::nullopt;
    return Address(reinterpret_cast<sockaddr*>(&a6), sizeof a6);
  }
  sockaddr_in a4{};
  a4.sin_family = AF_INET;
  a4.sin_port = htons(uint16_t(port));
  if (inet_pton(AF_INET, host.c_str(), &a4.sin_addr) != 1) return std::nullopt;
  return Address(reinterpret_cast<sockaddr*>(&a4), sizeof a4);
}

// A stream is an AF_UNIX address that no socket has: the path's number in its path.
Address Address::stream(uint32_t id) {
  Address a;
  a.storage_.ss_family = AF_UNIX;
  std::memcpy(reinterpret_cast<char*>(&a.storage_) + sizeof(sa_family_t), &id, sizeof id);
  a.length_ = socklen_t(sizeof(sa_family_t) + sizeof id);
  return a;
}

std::optional<uint32_t> Address::stream_id() const {
  if (family() != AF_UNIX || length_ != socklen_t(sizeof(sa_family_t) + sizeof(uint32_t))) return std::nullopt;
  uint32_t id;
  std::memcpy(&id, reinterpret_cast<const char*>(&storage_) + sizeof(sa_family_t), sizeof id);
  return id;
}

Address Address::with_port(uint16_t port) const {
  Address copy = *this;
  if (family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&copy.storage_)->sin_port = htons(port);
  } else if (family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&copy.storage_)->sin6_port = htons(port);
  }
  return copy;
}

uint16_t Address::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string Address::host() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, host, sizeof host);
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, host, sizeof host);
  } else {
    return "(none)";
  }
  return host;
}

std::string Address::host_for_url() const { return family() == AF_INET6 ? "[" + host() + "]" : host(); }

std::string Address::to_string() const {
  if (std::optional<uint32_t> id = stream_id()) return "tcp#" + std::to_string(*id);
  if (family() != AF_INET && family() != AF_INET6) return "(none)";
  return host_for_url() + ":" + std::to_string(port());
}

bool Address::operator==(const Address& other) const {
  if (family() != other.family()) return false;
  if (family() == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
    auto* b = reinterpret_cast<const sockaddr_in*>(&other.storage_);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
    auto* b = reinterpret_cast<const sockaddr_in6*>(&other.storage_);
    return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
  }
  return length_ == other.length_ && stream_id() == other.stream_id();
}

}  // namespace tandem::transport
