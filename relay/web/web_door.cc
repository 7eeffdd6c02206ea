#include "relay/web/web_door.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include <zlib.h>

#include "proto/http_request.h"
#include "proto/web_message.h"
#include "relay/log.h"
#include "relay/web/web_assets.h"
#include "relay/web/web_mate.h"
#include "transport/web_socket.h"

namespace tandem::relay {
namespace {

constexpr size_t kMaxRequestsPerConnection = 100;
constexpr size_t kMaxStreamDatagram = 2048;         // as on UDP
constexpr size_t kMaxStreamBacklog = 256 * 1024;    // unsent bytes on a path before datagrams are dropped
constexpr auto kWrongTokenDelay = std::chrono::milliseconds(1000);  // a guesser learns slowly
constexpr const char* kWrongToken =
    "this link is not valid: mistyped, or its session ended. Ask the host for the link again.";
constexpr const char* kNotYet =
    "this link is not known here yet: the relay has just restarted, and the session is back once its host is";

// Sent with every response: no framing by other sites, no sniffing, no Referer (the
// page's URL holds a token in its fragment, which browsers never send anyway).
constexpr const char* kSecurityHeaders =
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Content-Security-Policy: default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'\r\n";

constexpr std::string_view kNoPage =
    "<!doctype html><meta charset=utf-8><title>tandem</title>"
    "<body style='font-family:sans-serif;background:#111;color:#ddd;padding:2em'>"
    "<p>This tandem relay was built without its web page (npm was missing when it was built).</p>"
    "<p>Join with the <code>ssh</code> or <code>tandem join</code> link instead.</p>";

bool same_host(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(uint8_t(x)) == std::tolower(uint8_t(y));
         });
}

// A browser's Origin ("http://host:port") names this relay as the Host header does.
bool same_origin(std::string_view origin, std::string_view host) {
  const size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  return same_host(origin.substr(scheme + 3), host);
}

const WebAsset* find_asset(std::string_view path) {
  if (path == "/index.html") path = "/";
  for (const WebAsset& a : web_assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

std::string gunzip(std::string_view gz, size_t size) {
  // Assets are ours and small; a client without gzip (curl) gets them inflated.
  std::string out(size, '\0');
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = uInt(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

}  // namespace

// One TCP (or TLS) connection: request heads until it upgrades to a WebSocket, then
// the HELLO, then (maybe after the host's approval) it becomes a WebMate.
class WebDoor::Client {
 public:
  Client(WebDoor& door, transport::BuffereventPtr bev, std::string who, std::shared_ptr<void> slot)
      : door_(door), bev_(std::move(bev)), who_(std::move(who)), slot_(std::move(slot)),
        deadline_(door.base_, [this] {
          log("relay: web %s: nothing asked in time; closed\n", who_.c_str());
          done();
        }),
        later_(door.base_, [this] { if (later_action_) later_action_(); }) {
    bufferevent_setcb(bev_.get(), on_read, on_write, on_event, this);
    bufferevent_enable(bev_.get(), EV_READ | EV_WRITE);
    deadline_.start(door_.options_.until_used);
  }

  ~Client() {
    if (stream_ != 0 && door_.endpoint_) door_.endpoint_->remove_stream(stream_);
    if (ticket_) {
      if (std::shared_ptr<Session> s = waiting_for_.lock()) s->withdraw(*ticket_);
    }
  }

 private:
  static void on_read(bufferevent*, void* arg) { static_cast<Client*>(arg)->read(); }
  static void on_write(bufferevent*, void* arg) {
    Client& c = *static_cast<Client*>(arg);
    if (c.closing_) c.done();
  }
  static void on_event(bufferevent*, short what, void* arg) {
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) static_cast<Client*>(arg)->done();
  }

  void done() {
    deadline_.stop();
    if (bev_) bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
    door_.release(this);
  }

  void read() {
    evbuffer* in = bufferevent_get_input(bev_.get());
    while (!closing_ && bev_) {
      const size_t n = std::min(evbuffer_get_length(in), proto::HttpRequest::kMaxHead + 1);
      if (n == 0) return;
      const std::string_view bytes(reinterpret_cast<const char*>(evbuffer_pullup(in, ssize_t(n))), n);
      proto::HttpRequest request;
      size_t used = 0;
      std::string error;
      switch (proto::parse_http_request(bytes, request, &used, &error)) {
        case proto::HttpParse::kNeedMore:
          return;
        case proto::HttpParse::kBad:
          ++door_.counters_.bad_requests;
          log("relay: web %s: %s\n", who_.c_str(), error.c_str());
          respond(400, "Bad Request", "text/plain; charset=utf-8", "tandem: " + error + "\n", true);
          return;
        case proto::HttpParse::kDone:
          break;
      }
      const std::string rest(bytes.substr(used, n - used));
      evbuffer_drain(in, used);
      ++door_.counters_.requests;
      if (door_.options_.trust_proxy && !request.forwarded_for.empty()) {
        // The proxy appended the address it saw: the last one is the one to believe.
        std::string_view f = request.forwarded_for;
        if (size_t comma = f.rfind(','); comma != std::string_view::npos) f.remove_prefix(comma + 1);
        while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
        who_ = std::string(f.substr(0, 64)) + " (via " + who_ + ")";
      }
      if (request.path == "/ws") {
        upgrade(request);
        return;
      }
      if (request.path == "/link") {
        carry_datagrams(request);
        return;
      }
      serve(request);
      if (++requests_ >= kMaxRequestsPerConnection) closing_ = true;
    }
  }

  void respond(int status, const char* reason, std::string_view type, std::string_view body, bool close,
               std::string_view extra = {}, bool head_only = false, size_t length = std::string_view::npos) {
    evbuffer* out = bufferevent_get_output(bev_.get());
    const std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " +
                             std::string(type) + "\r\nContent-Length: " +
                             std::to_string(length == std::string_view::npos ? body.size() : length) + "\r\n" +
                             kSecurityHeaders + std::string(extra) + (close ? "Connection: close\r\n" : "") + "\r\n";
    evbuffer_add(out, head.data(), head.size());
    if (!head_only) evbuffer_add(out, body.data(), body.size());
    if (close) closing_ = true;
    deadline_.start(door_.options_.until_used);  // the next request within this
  }

  void serve(const proto::HttpRequest& request) {
    const bool head = request.method == "HEAD";
    if (web_assets().empty() && (request.path == "/" || request.path == "/index.html")) {
      respond(200, "OK", "text/html; charset=utf-8", kNoPage, false, "Cache-Control: no-cache\r\n", head);
      return;
    }
    const WebAsset* asset = find_asset(request.path);
    if (!asset) {
      respond(404, "Not Found", "text/plain; charset=utf-8", "tandem: no such page\n", false, {}, head);
      return;
    }
    const std::string tag = "ETag: " + std::string(asset->etag) + "\r\nCache-Control: no-cache\r\n";
    if (request.if_none_match == asset->etag) {
      respond(304, "Not Modified", asset->type, {}, false, tag, true, 0);
      return;
    }
    if (request.accepts_gzip) {
      respond(200, "OK", asset->type, asset->gzip, false, tag + "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n",
              head);
    } else {
      respond(200, "OK", asset->type, gunzip(asset->gzip, asset->size), false, tag + "Vary: Accept-Encoding\r\n",
              head);
    }
  }

  void upgrade(const proto::HttpRequest& request) {
    if (!request.origin.empty() && !same_origin(request.origin, request.host)) {
      ++door_.counters_.cross_origin;
      log("relay: web %s: a page from %s tried to open a session's socket; refused\n", who_.c_str(),
          request.origin.substr(0, 100).c_str());
      respond(403, "Forbidden", "text/plain; charset=utf-8", "tandem: pages from other sites cannot join\n", true);
      return;
    }
    if (!accept_upgrade(request)) return;
    ++door_.counters_.sockets;
    const std::string already = take_input();
    socket_ = std::make_unique<transport::WebSocket>(
        std::move(bev_), transport::WebSocket::Side::kServer, proto::web::kMaxMessage + 16,
        transport::WebSocket::Callbacks{.on_message = [this](std::string_view m) { hello(m); },
                                        .on_closed = [this](const std::string&) { done(); },
                                        .on_drained = nullptr},
        already);
    socket_->hold(slot_);
    deadline_.start(door_.options_.until_used);  // the HELLO within this
  }

  // Answers the upgrade; false (answered in words) when it is not one we take.
  bool accept_upgrade(const proto::HttpRequest& request) {
    if (!request.wants_websocket()) {
      respond(400, "Bad Request", "text/plain; charset=utf-8", "tandem: this address takes a WebSocket\n", true);
      return false;
    }
    evbuffer* out = bufferevent_get_output(bev_.get());
    const std::string accept = proto::websocket_accept(request.websocket_key);
    evbuffer_add_printf(out,
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: %s\r\n\r\n",
                        accept.c_str());
    return true;
  }

  std::string take_input() {
    evbuffer* in = bufferevent_get_input(bev_.get());
    std::string already(evbuffer_get_length(in), '\0');
    evbuffer_remove(in, already.data(), already.size());
    return already;
  }

  // A native client's datagrams over TCP (its UDP is blocked). Not for pages.
  void carry_datagrams(const proto::HttpRequest& request) {
    if (!door_.endpoint_ || !request.origin.empty()) {
      respond(403, "Forbidden", "text/plain; charset=utf-8", "tandem: this path is for tandem itself\n", true);
      return;
    }
    if (!accept_upgrade(request)) return;
    ++door_.counters_.streams;
    const std::string already = take_input();
    socket_ = std::make_unique<transport::WebSocket>(
        std::move(bev_), transport::WebSocket::Side::kServer, kMaxStreamDatagram,
        transport::WebSocket::Callbacks{
            .on_message =
                [this](std::string_view m) {
                  door_.endpoint_->stream_datagram(
                      stream_, std::span(reinterpret_cast<const uint8_t*>(m.data()), m.size()));
                },
            .on_closed =
                [this](const std::string& why) {
                  log("relay: web %s: the TCP path for datagrams closed (%s)\n", who_.c_str(), why.c_str());
                  done();
                },
            .on_drained = nullptr},
        already);
    socket_->hold(slot_);
    log("relay: web %s: a TCP path for datagrams (UDP blocked?)\n", who_.c_str());
    stream_ = door_.endpoint_->add_stream([this](std::span<const uint8_t> d) {
      // Datagrams, not a byte stream: a path that backs up loses some, and the sync
      // protocol sends newer state, as it would over UDP.
      if (socket_ && socket_->open() && socket_->pending() < kMaxStreamBacklog) {
        socket_->send(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
      }
    });
    deadline_.stop();
    keepalive_.start_repeating(WebMate::kKeepalive);
  }

  void hello(std::string_view message) {
    if (hello_seen_) return;  // waiting for the host: the rest waits too
    std::string error;
    std::optional<proto::web::FromBrowser> m = proto::web::decode_from_browser(message, &error);
    const proto::web::Hello* h = m ? std::get_if<proto::web::Hello>(&*m) : nullptr;
    if (!h) {
      log("relay: web %s: %s; closed\n", who_.c_str(), m ? "no HELLO first" : error.c_str());
      goodbye("tandem: the page spoke another protocol; reload it", false);
      return;
    }
    hello_seen_ = true;
    deadline_.stop();
    size_ = Size{h->cols, h->rows};
    std::shared_ptr<Session> s = h->token.empty() ? nullptr : door_.lookup_(h->token);
    role_ = s ? s->role_of(h->token) : Role::kNone;
    if (!s || role_ == Role::kNone || s->ended()) {
      ++door_.counters_.wrong_tokens;
      log("relay: web %s: a wrong token\n", who_.c_str());
      const bool just_started = transport::now_ms() - door_.started_ms_ < uint64_t(door_.options_.restart_grace.count());
      later(kWrongTokenDelay, [this, just_started] { goodbye(just_started ? kNotYet : kWrongToken, just_started); });
      return;
    }
    if (s->needs_approval()) {
      socket_->send(proto::web::notice("waiting for the host to let you in"));
      waiting_for_ = s;
      ticket_ = s->ask_host(MateInfo{.who = who_, .role = role_, .via = Via::kWeb}, transport::now_ms(),
                            [this](Verdict v) {
                              ticket_.reset();
                              std::shared_ptr<Session> session = waiting_for_.lock();
                              if (v == Verdict::kAdmitted && session && !session->ended()) {
                                later(std::chrono::milliseconds(0), [this, session] { join(*session); });
                              } else {
                                const char* why = v == Verdict::kRefused    ? "the host did not let you in"
                                                  : v == Verdict::kTimedOut ? "the host did not answer in time"
                                                                            : "the session ended";
                                later(std::chrono::milliseconds(0), [this, why] { goodbye(why, false); });
                              }
                            });
      if (!ticket_) goodbye("too many mates are waiting to be let in; try again later", false);
      return;
    }
    join(*s);
  }

  void join(Session& s) {
    log("relay: session %s: web mate %s joined (%s)\n", s.id().c_str(), who_.c_str(), role_name(role_));
    auto mate = std::make_unique<WebMate>(door_.base_, std::move(socket_), s, role_, who_, size_);
    static_cast<WebMate&>(s.join(std::move(mate))).joined();
    done();
  }

  void goodbye(const std::string& reason, bool again) {
    if (!socket_) return;
    socket_->send(proto::web::bye(reason, again));
    socket_->close(1008, "refused");
  }

  void later(std::chrono::milliseconds delay, std::function<void()> action) {
    later_action_ = std::move(action);
    later_.start(delay);
  }

  WebDoor& door_;
  transport::BuffereventPtr bev_;                // until the upgrade
  std::unique_ptr<transport::WebSocket> socket_;  // after it, until a session takes it
  std::string who_;
  std::shared_ptr<void> slot_;  // counts this connection against its address until the socket closes
  transport::Timer deadline_;
  transport::Timer later_;
  std::function<void()> later_action_;
  transport::Timer keepalive_{door_.base_, [this] {
    if (!socket_) return;
    if (transport::now_ms() - socket_->last_heard_ms() > WebMate::kSilentMs) {
      socket_->close(1001, "silent");
    } else {
      socket_->ping();
    }
  }};
  uint32_t stream_ = 0;  // a `/link` path's number at the endpoint
  size_t requests_ = 0;
  bool closing_ = false;
  bool hello_seen_ = false;
  Size size_;
  Role role_ = Role::kNone;
  std::weak_ptr<Session> waiting_for_;
  std::optional<uint64_t> ticket_;
};

WebDoor::WebDoor(event_base* base, WebOptions options, Lookup lookup, transport::ServerEndpoint* endpoint)
    : base_(base),
      options_(std::move(options)),
      lookup_(std::move(lookup)),
      endpoint_(endpoint),
      reaper_(base, [this] { reap(); }) {}

WebDoor::~WebDoor() {
  listener_.reset();
  clients_.clear();
  released_.clear();
  if (tls_) SSL_CTX_free(tls_);
}

std::unique_ptr<WebDoor> WebDoor::open(event_base* base, WebOptions options, Lookup lookup,
                                       transport::ServerEndpoint* endpoint, std::string* error) {
  std::unique_ptr<WebDoor> d(new WebDoor(base, std::move(options), std::move(lookup), endpoint));
  const WebOptions& o = d->options_;
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    *error = "TLS needs both a certificate (--tls-cert) and its key (--tls-key)";
    return nullptr;
  }
  if (!o.tls_cert.empty()) {
    d->tls_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(d->tls_, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(d->tls_, o.tls_cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(d->tls_, o.tls_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(d->tls_) != 1) {
      char buf[256];
      ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
      *error = "cannot use the TLS certificate " + o.tls_cert + " with the key " + o.tls_key + ": " + buf;
      return nullptr;
    }
  }
  d->listener_.reset(evconnlistener_new_bind(base, accepted, d.get(),
                                             LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
                                             o.listen.sockaddr_ptr(), int(o.listen.length())));
  if (!d->listener_ && errno == EADDRINUSE && o.any_port_if_taken) {
    const transport::Address any = o.listen.with_port(0);
    d->listener_.reset(evconnlistener_new_bind(base, accepted, d.get(),
                                               LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
                                               any.sockaddr_ptr(), int(any.length())));
  }
  if (!d->listener_) {
    *error = "cannot listen for browsers on " + o.listen.to_string() + ": " + std::strerror(errno);
    return nullptr;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(evconnlistener_get_fd(d->listener_.get()), reinterpret_cast<sockaddr*>(&bound), &len);
  d->port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return d;
}

std::string WebDoor::base_url(const std::string& host) const {
  if (!options_.public_url.empty()) return options_.public_url;
  return std::string(tls_ ? "https" : "http") + "://" + host + ":" + std::to_string(port_) + "/";
}

void WebDoor::accepted(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int len, void* arg) {
  static_cast<WebDoor*>(arg)->accept(fd, transport::Address(addr, socklen_t(len)));
}

// Counts a connection (and, after the upgrade, its socket) until it is freed, even
// if the door went first.
struct WebDoor::Slot {
  std::weak_ptr<Counts> counts;
  std::string ip;
  ~Slot() {
    std::shared_ptr<Counts> c = counts.lock();
    if (!c) return;
    --c->total;
    if (auto it = c->per_address.find(ip); it != c->per_address.end() && --it->second == 0) c->per_address.erase(it);
  }
};

void WebDoor::accept(int fd, const transport::Address& peer) {
  const std::string ip = peer.host();
  auto at = counts_->per_address.find(ip);
  if (counts_->total >= options_.max_connections ||
      (at != counts_->per_address.end() && at->second >= options_.max_per_address)) {
    ++counters_.refused;
    evutil_closesocket(fd);
    return;
  }
  ++counters_.accepted;
  evutil_make_socket_nonblocking(fd);
  bufferevent* bev = tls_ ? bufferevent_openssl_socket_new(base_, fd, SSL_new(tls_), BUFFEREVENT_SSL_ACCEPTING,
                                                           BEV_OPT_CLOSE_ON_FREE)
                          : bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  ++counts_->total;
  ++counts_->per_address[ip];
  auto slot = std::make_shared<Slot>();  // built in place: a moved-from Slot would count out too
  slot->counts = counts_;
  slot->ip = ip;
  auto c = std::make_unique<Client>(*this, transport::BuffereventPtr(bev), peer.to_string(), std::move(slot));
  Client* raw = c.get();
  clients_[raw] = std::move(c);
}

void WebDoor::release(Client* client) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  released_.push_back(std::move(it->second));
  clients_.erase(it);
  reaper_.start_if_idle(std::chrono::milliseconds(0));
}

void WebDoor::reap() { released_.clear(); }

}  // namespace tandem::relay
