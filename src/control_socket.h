// The session's control socket ($TANDEM_SOCKET): a Unix socket in a private
// directory, where `tandem status` and `tandem wait-ready`, run from inside the
// session, ask the host about it. One request line in, one answer out.
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <string>

#include "transport/udp_socket.h"

namespace tandem {

class ControlSocket {
 public:
  // Answers a request line ("status", "status json", "wait-ready").
  using Handler = std::function<std::string(const std::string& request)>;

  static std::unique_ptr<ControlSocket> open(event_base* base, Handler handler, std::string* error);
  ~ControlSocket();
  const std::string& path() const { return path_; }

  // Client side: sends `request` to the socket at `path`; the answer, or nullopt.
  static std::optional<std::string> ask(const std::string& path, const std::string& request, std::string* error);

 private:
  struct Client;
  ControlSocket(event_base* base, Handler handler) : base_(base), handler_(std::move(handler)) {}
  static void on_accept(evutil_socket_t, short, void* arg);
  static void on_client(evutil_socket_t, short, void* arg);

  event_base* base_;
  Handler handler_;
  std::string dir_, path_;
  int fd_ = -1;
  transport::EventPtr accept_event_;
};

}  // namespace tandem
