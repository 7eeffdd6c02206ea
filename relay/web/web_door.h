// The relay's web port: the page (built into the binary) and the browsers'
// WebSockets, over plain HTTP/1.1 or TLS (OpenSSL through libevent). One request
// head at a time per connection, parsed by proto/http_request with every size
// bounded. `/ws` upgrades to a WebSocket whose first message must be a HELLO with a
// token; then the socket is handed to a WebMate in that token's session. A browser
// page from another site cannot open one (the Origin must be this host).
//
// What connections may cost is bounded as the SSH door's are: how many at once, from
// one address, and how long one may take to say what it wants.
//
// `/link` upgrades to a WebSocket that carries a native client's encrypted datagrams
// (one per message) when its network drops UDP: the relay's ServerEndpoint takes it
// as one more path to the same links. It asks nothing: what does not authenticate
// as a link's datagram is dropped there, as on UDP.
#pragma once

#include <event2/event.h>
#include <event2/listener.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "relay/session.h"
#include "transport/address.h"
#include "transport/event_loop.h"
#include "transport/server_endpoint.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace tandem::relay {

struct WebOptions {
  transport::Address listen;
  std::string tls_cert, tls_key;  // PEM files; both empty: plain HTTP
  bool trust_proxy = false;       // X-Forwarded-For names the browser (behind a reverse proxy)
  std::string public_url;         // what links start with ("https://share.example.org/"); empty: this port
  size_t max_connections = 4096;
  size_t max_per_address = 128;
  std::chrono::milliseconds until_used{15000};  // a request head, or a HELLO, within this
  bool any_port_if_taken = false;               // the port is a default: another will do
  // A relay that just started may not know a session yet (its host brings it back):
  // a page with an unknown token is told to come back, for this long.
  std::chrono::milliseconds restart_grace{60000};
};

struct WebCounters {
  uint64_t accepted = 0, refused = 0, requests = 0, sockets = 0, bad_requests = 0, wrong_tokens = 0,
           cross_origin = 0, streams = 0;
};

class WebDoor {
 public:
  using Lookup = std::function<std::shared_ptr<Session>(std::string_view token)>;
  // `endpoint` takes the datagrams of `/link` paths (nullptr: none are taken).
  static std::unique_ptr<WebDoor> open(event_base* base, WebOptions options, Lookup lookup,
                                       transport::ServerEndpoint* endpoint, std::string* error);
  ~WebDoor();

  uint16_t port() const { return port_; }
  bool tls() const { return tls_ != nullptr; }
  // "http://HOST:PORT/" or "https://...": where links point (`host` as links name it).
  std::string base_url(const std::string& host) const;
  size_t connections() const { return counts_->total; }  // browsers' sockets included
  const WebCounters& counters() const { return counters_; }

 private:
  class Client;
  friend class Client;
  struct Slot;
  struct Counts {
    size_t total = 0;
    std::map<std::string, size_t> per_address;
  };
  WebDoor(event_base* base, WebOptions options, Lookup lookup, transport::ServerEndpoint* endpoint);
  static void accepted(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int len, void* arg);
  void accept(int fd, const transport::Address& peer);
  // A client is done here (closed, or handed to a session): freed on the loop.
  void release(Client* client);
  void reap();

  event_base* base_;
  WebOptions options_;
  Lookup lookup_;
  transport::ServerEndpoint* endpoint_;
  SSL_CTX* tls_ = nullptr;
  uint16_t port_ = 0;
  uint64_t started_ms_ = transport::now_ms();
  WebCounters counters_;
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
  
  std::map<Client*, std::unique_ptr<Client>> clients_;
  std::vector<std::unique_ptr<Client>> released_;
  transport::Timer reaper_;
  std::unique_ptr<evconnlistener, void (*)(evconnlistener*)> listener_{nullptr, evconnlistener_free};
};

}  // namespace tandem::relay
