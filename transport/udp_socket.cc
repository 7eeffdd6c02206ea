#include "transport/udp_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tandem::transport {

std::optional<UdpSocket> UdpSocket::bind(const Address& local, std::string* error) {
  int fd = ::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (error) *error = std::string("socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  UdpSocket s(fd);
  if (::bind(fd, local.sockaddr_ptr(), local.length()) != 0) {
    if (error) *error = "bind " + local.to_string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  return s;
}

Address UdpSocket::any_for(const Address& peer) {
  if (peer.family() == AF_INET6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    return Address(reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  return Address(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

Address UdpSocket::local_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return Address(reinterpret_cast<sockaddr*>(&ss), len);
}

bool UdpSocket::send_to(std::span<const uint8_t> datagram, const Address& to) const {
  ssize_t n = ::sendto(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL, to.sockaddr_ptr(), to.length());
  return n == ssize_t(datagram.size());
}

long UdpSocket::receive(std::span<uint8_t> buffer, Address& from) const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), MSG_TRUNC, reinterpret_cast<sockaddr*>(&ss), &len);
  if (n < 0) return -1;
  from = Address(reinterpret_cast<sockaddr*>(&ss), len);
  return size_t(n) > buffer.size() ? 0 : long(n);
}

}  // namespace tandem::transport
