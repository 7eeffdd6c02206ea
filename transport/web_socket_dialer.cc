#include "transport/web_socket_dialer.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include <cstring>

#include "proto/http_request.h"

namespace tandem::transport {
namespace {

SSL_CTX* client_tls() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    return c;
  }();
  return ctx;
}

}  // namespace

WebSocketDialer::WebSocketDialer(event_base* base, Request request, WebSocket::Callbacks callbacks, Done done)
    : request_(std::move(request)),
      callbacks_(std::move(callbacks)),
      done_(std::move(done)),
      deadline_(base, [this] { fail("no answer from " + request_.address.to_string() + " in time"); }),
      failed_(base, [this] {
        Done d = std::move(done_);
        done_ = nullptr;
        if (d) d(nullptr, error_);
      }) {
  uint8_t raw[16];
  randombytes_buf(raw, sizeof raw);
  char b64[32];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
  key_ = b64;
  if (request_.host.empty()) request_.host = request_.address.to_string();
  if (request_.tls) {
    SSL* ssl = SSL_new(client_tls());
    const std::string name = request_.host.substr(0, request_.host.rfind(':'));
    SSL_set_tlsext_host_name(ssl, name.c_str());
    bev_.reset(bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE));
  } else {
    bev_.reset(bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE));
  }
  bufferevent_setcb(bev_.get(), on_read, nullptr, on_event, this);
  bufferevent_enable(bev_.get(), EV_READ | EV_WRITE);
  std::string head = "GET " + request_.path + " HTTP/1.1\r\nHost: " + request_.host +
                     "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
                     key_ + "\r\n";
  if (!request_.origin.empty()) head += "Origin: " + request_.origin + "\r\n";
  head += "\r\n";
  evbuffer_add(bufferevent_get_output(bev_.get()), head.data(), head.size());
  deadline_.start(request_.deadline);
  if (bufferevent_socket_connect(bev_.get(), const_cast<sockaddr*>(request_.address.sockaddr_ptr()),
                                 int(request_.address.length())) != 0) {
    fail("cannot connect to " + request_.address.to_string() + ": " + std::strerror(errno));
  }
}

WebSocketDialer::~WebSocketDialer() = default;

void WebSocketDialer::fail(const std::string& error) {
  deadline_.stop();
  if (bev_) bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
  error_ = error;
  failed_.start(std::chrono::milliseconds(0));
}

void WebSocketDialer::on_event(bufferevent*, short what, void* arg) {
  auto& d = *static_cast<WebSocketDialer*>(arg);
  if (what & BEV_EVENT_EOF) {
    d.fail(d.request_.address.to_string() + " closed the connection before upgrading it");
  } else if (what & BEV_EVENT_ERROR) {
    d.fail("cannot connect to " + d.request_.address.to_string() + ": " +
           evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
  }
}

void WebSocketDialer::on_read(bufferevent*, void* arg) {
  auto& d = *static_cast<WebSocketDialer*>(arg);
  evbuffer* in = bufferevent_get_input(d.bev_.get());
  evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, nullptr);
  if (end.pos < 0) {
    if (evbuffer_get_length(in) > 16 * 1024) d.fail("the answer to the upgrade is too long");
    return;
  }
  std::string head(size_t(end.pos) + 4, '\0');
  evbuffer_remove(in, head.data(), head.size());
  if (!head.starts_with("HTTP/1.1 101")) {
    d.fail("the server refused the WebSocket: " + head.substr(0, std::min(head.find('\r'), size_t(80))));
    return;
  }
  // The accept header, any case.
  std::string lower = head;
  for (char& c : lower) c = char(std::tolower(uint8_t(c)));
  const std::string want = proto::websocket_accept(d.key_);
  const size_t at = lower.find("\r\nsec-websocket-accept:");
  if (at == std::string::npos || head.find(want, at) == std::string::npos) {
    d.fail("the server's WebSocket accept key is wrong");
    return;
  }
  std::string rest(evbuffer_get_length(in), '\0');
  evbuffer_remove(in, rest.data(), rest.size());
  d.deadline_.stop();
  Done done = std::move(d.done_);
  d.done_ = nullptr;
  auto socket = std::make_unique<WebSocket>(std::move(d.bev_), WebSocket::Side::kClient, d.request_.max_message,
                                            std::move(d.callbacks_), rest);
  done(std::move(socket), {});  // may destroy the dialer
}

}  // namespace tandem::transport
