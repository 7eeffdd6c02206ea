// Dials a WebSocket: a TCP connection to `address`, the HTTP upgrade for `path`
// (RFC 6455 4.1, the answer's Sec-WebSocket-Accept checked), then a client-side
// WebSocket handed to `done`. Everything on the loop; a server that does not answer
// within the deadline, or answers anything but 101, is an error in words. Over TLS
// (OpenSSL through libevent) when asked.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "transport/address.h"
#include "transport/event_loop.h"
#include "transport/web_socket.h"

namespace tandem::transport {

class WebSocketDialer {
 public:
  // nullptr socket and `error` in words on failure; called once, unless the dialer is
  // destroyed first.
  using Done = std::function<void(std::unique_ptr<WebSocket> socket, const std::string& error)>;
  struct Request {
    Address address;
    std::string host;    // the Host header (default: the address)
    std::string path = "/ws";
    std::string origin;  // empty: none sent (not a browser)
    size_t max_message = 64 * 1024;
    std::chrono::milliseconds deadline{10000};
    // wss: TLS first. The server's certificate is not checked: what goes over it is
    // sealed and authenticated already (a link's datagrams), or a test's.
    bool tls = false;
  };

  WebSocketDialer(event_base* base, Request request, WebSocket::Callbacks callbacks, Done done);
  WebSocketDialer(const WebSocketDialer&) = delete;
  ~WebSocketDialer();

 private:
  static void on_read(bufferevent* bev, void* arg);
  static void on_event(bufferevent* bev, short what, void* arg);
  void fail(const std::string& error);

  Request request_;
  WebSocket::Callbacks callbacks_;
  Done done_;
  BuffereventPtr bev_;
  std::string key_;
  Timer deadline_;
  Timer failed_;  // reports a failure on the loop, not under the caller
  std::string error_;
};

}  // namespace tandem::transport
