#include "transport/web_socket.h"

#include <event2/buffer.h>
#include <sodium.h>
#include <wslay/wslay.h>

#include <cstring>
#include <vector>

#include "transport/event_loop.h"

namespace tandem::transport {
namespace {

struct Source {
  std::string_view bytes;
};

ssize_t recv_from_source(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user) {
  Source& s = *static_cast<Source*>(user);
  if (s.bytes.empty()) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  const size_t n = std::min(len, s.bytes.size());
  std::memcpy(buf, s.bytes.data(), n);
  s.bytes.remove_prefix(n);
  return ssize_t(n);
}

}  // namespace

struct WebSocketGlue {
  static ssize_t recv(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user) {
    WebSocket& ws = *static_cast<WebSocket*>(user);
    if (!ws.already_.empty()) {
      const size_t n = std::min(len, ws.already_.size());
      std::memcpy(buf, ws.already_.data(), n);
      ws.already_.erase(0, n);
      return ssize_t(n);
    }
    const int n = evbuffer_remove(bufferevent_get_input(ws.bev_.get()), buf, len);
    if (n <= 0) {
      wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
    return n;
  }
  static ssize_t send(wslay_event_context_ptr ctx, const uint8_t* data, size_t len, int, void* user) {
    WebSocket& ws = *static_cast<WebSocket*>(user);
    if (evbuffer_add(bufferevent_get_output(ws.bev_.get()), data, len) != 0) {
      wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
      return -1;
    }
    return ssize_t(len);
  }
  static int genmask(wslay_event_context_ptr, uint8_t* buf, size_t len, void*) {
    randombytes_buf(buf, len);
    return 0;
  }
  static void message(wslay_event_context_ptr, const wslay_event_on_msg_recv_arg* arg, void* user) {
    WebSocket& ws = *static_cast<WebSocket*>(user);
    if (arg->opcode != WSLAY_BINARY_FRAME && arg->opcode != WSLAY_TEXT_FRAME) return;  // close/ping: wslay answers
    if (ws.closed_ || ws.closing_) return;
    ws.inbox_.emplace_back(reinterpret_cast<const char*>(arg->msg), arg->msg_length);  // handed over after wslay returns
  }
};

WebSocket::WebSocket(BuffereventPtr bev, Side side, size_t max_message, Callbacks callbacks, std::string_view already)
    : bev_(std::move(bev)),
      callbacks_(std::move(callbacks)),
      already_(already),
      last_heard_ms_(now_ms()),
      tell_closed_(bufferevent_get_base(bev_.get()), [this] {
        if (std::function<void(const std::string&)> f = callbacks_.on_closed) f(why_);
      }) {
  const wslay_event_callbacks cb{WebSocketGlue::recv, WebSocketGlue::send, WebSocketGlue::genmask, nullptr, nullptr,
                                 nullptr, WebSocketGlue::message};
  if (side == Side::kServer) {
    wslay_event_context_server_init(&ctx_, &cb, this);
  } else {
    wslay_event_context_client_init(&ctx_, &cb, this);
  }
  wslay_event_config_set_max_recv_msg_length(ctx_, max_message);
  bufferevent_setcb(bev_.get(), on_read, on_write, on_event, this);
  bufferevent_enable(bev_.get(), EV_READ | EV_WRITE);
  // Read on the loop, so that the owner has the socket before any message arrives.
  if (!already_.empty()) bufferevent_trigger(bev_.get(), EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

WebSocket::~WebSocket() {
  *alive_ = false;
  if (bev_) bufferevent_setcb(bev_.get(), nullptr, nullptr, nullptr, nullptr);
  if (ctx_) wslay_event_context_free(ctx_);
}

void WebSocket::send(std::string_view message) {
  if (closed_ || closing_) return;
  const wslay_event_msg m{WSLAY_BINARY_FRAME, reinterpret_cast<const uint8_t*>(message.data()), message.size()};
  wslay_event_queue_msg(ctx_, &m);
  flush();
}

void WebSocket::pause_reading() {
  if (!closed_) bufferevent_disable(bev_.get(), EV_READ);
}

void WebSocket::resume_reading() {
  if (closed_ || (bufferevent_get_enabled(bev_.get()) & EV_READ)) return;
  bufferevent_enable(bev_.get(), EV_READ);
  // What came while paused is read on the loop, after the messages being handed over now.
  if (evbuffer_get_length(bufferevent_get_input(bev_.get())) > 0) {
    bufferevent_trigger(bev_.get(), EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
  }
}

void WebSocket::ping() {
  if (closed_ || closing_) return;
  const wslay_event_msg m{WSLAY_PING, nullptr, 0};
  wslay_event_queue_msg(ctx_, &m);
  flush();
}

void WebSocket::close(uint16_t code, std::string_view reason) {
  if (closed_ || closing_) return;
  closing_ = true;
  reason = reason.substr(0, 120);  // a control frame's payload is at most 125 bytes
  wslay_event_queue_close(ctx_, code, reinterpret_cast<const uint8_t*>(reason.data()), reason.size());
  flush();
}

size_t WebSocket::pending() const {
  return (bev_ ? evbuffer_get_length(bufferevent_get_output(bev_.get())) : 0) + wslay_event_get_queued_msg_length(ctx_);
}

void WebSocket::on_read(bufferevent*, void* arg) { static_cast<WebSocket*>(arg)->receive(); }

void WebSocket::on_write(bufferevent*, void* arg) {
  WebSocket& ws = *static_cast<WebSocket*>(arg);
  if (ws.closed_) return;
  if (ws.closing_ || !wslay_event_want_read(ws.ctx_)) {
    if (!wslay_event_want_write(ws.ctx_)) ws.finish("closed");
    return;
  }
  if (ws.callbacks_.on_drained) ws.callbacks_.on_drained();
}

void WebSocket::on_event(bufferevent*, short what, void* arg) {
  WebSocket& ws = *static_cast<WebSocket*>(arg);
  if (what & BEV_EVENT_EOF) {
    ws.finish("the other side closed the connection");
  } else if (what & BEV_EVENT_ERROR) {
    ws.finish(std::string("the connection failed: ") + evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
  }
}

void WebSocket::receive() {
  if (closed_) return;
  last_heard_ms_ = now_ms();
  const int rv = wslay_event_recv(ctx_);
  std::vector<std::string> inbox = std::move(inbox_);
  inbox_.clear();
  if (rv != 0) {
    finish("bad WebSocket frames");
    return;
  }
  flush();
  std::weak_ptr<bool> alive = alive_;
  for (const std::string& m : inbox) {
    if (alive.expired() || closed_ || closing_) return;  // a message's handler closed or destroyed us
    // A copy: the handler may hand the socket on, and its new owner set other callbacks.
    if (std::function<void(std::string_view)> f = callbacks_.on_message) f(m);
  }
}

void WebSocket::flush() {
  if (closed_) return;
  if (wslay_event_send(ctx_) != 0) {
    finish("the connection failed while sending");
    return;
  }
  // A close that went both ways (or frames that broke the protocol): done once out.
  if (!wslay_event_want_read(ctx_) && !wslay_event_want_write(ctx_) &&
      evbuffer_get_length(bufferevent_get_output(bev_.get())) == 0) {
    finish("closed");
  }
}

void WebSocket::finish(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  why_ = why;
  bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
  tell_closed_.start(std::chrono::milliseconds(0));  // on the loop: the caller may be inside send()
}

void WebSocket::decode_for_test(std::string_view bytes, size_t max_message,
                                const std::function<void(std::string_view)>& on_message) {
  struct User {
    Source source;
    const std::function<void(std::string_view)>* on_message;
  } user{{bytes}, &on_message};
  const wslay_event_callbacks cb{
      [](wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int flags, void* u) {
        return recv_from_source(ctx, buf, len, flags, &static_cast<User*>(u)->source);
      },
      [](wslay_event_context_ptr, const uint8_t*, size_t len, int, void*) { return ssize_t(len); },
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      [](wslay_event_context_ptr, const wslay_event_on_msg_recv_arg* arg, void* u) {
        if (arg->opcode == WSLAY_BINARY_FRAME || arg->opcode == WSLAY_TEXT_FRAME) {
          (*static_cast<User*>(u)->on_message)(std::string_view(reinterpret_cast<const char*>(arg->msg), arg->msg_length));
        }
      }};
  wslay_event_context_ptr ctx = nullptr;
  if (wslay_event_context_server_init(&ctx, &cb, &user) != 0) return;
  wslay_event_config_set_max_recv_msg_length(ctx, max_message);
  while (!user.source.bytes.empty() && wslay_event_want_read(ctx)) {
    const size_t before = user.source.bytes.size();
    if (wslay_event_recv(ctx) != 0) break;
    wslay_event_send(ctx);
    if (user.source.bytes.size() == before) break;
  }
  wslay_event_context_free(ctx);
}

}  // namespace tandem::transport
