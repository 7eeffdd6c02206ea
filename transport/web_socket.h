// A WebSocket (RFC 6455) on a libevent bufferevent, plain TCP or TLS, past its HTTP
// handshake: wslay does the frames (masking, fragments, ping/pong, close), this does
// the I/O on the process's one loop. Binary messages only, each at most the size
// given; anything over it, or not a WebSocket frame, closes the socket with a reason.
//
// Sending never blocks and never refuses: the caller bounds what it queues (pending()
// says how much waits; on_drained says when it all went), as a mate's flow control
// does. Callbacks may destroy the WebSocket.
#pragma once

#include <event2/bufferevent.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transport/event_loop.h"

struct wslay_event_context;

namespace tandem::transport {

struct BuffereventFree {
  void operator()(bufferevent* b) const { bufferevent_free(b); }
};
using BuffereventPtr = std::unique_ptr<bufferevent, BuffereventFree>;

class WebSocket {
 public:
  enum class Side { kServer, kClient };
  struct Callbacks {
    std::function<void(std::string_view message)> on_message;
    // The socket is closed (by the peer, an error, or bad frames): `why` in words.
    std::function<void(const std::string& why)> on_closed;
    std::function<void()> on_drained;  // everything queued has gone to the kernel
  };

  // Takes over `bev` (enabled for reading here); `already` is what was read past the
  // handshake.
  WebSocket(BuffereventPtr bev, Side side, size_t max_message, Callbacks callbacks, std::string_view already = {});
  WebSocket(const WebSocket&) = delete;
  ~WebSocket();

  // Who hears of messages and closing from now on (a socket changes hands after its
  // first message).
  void set_callbacks(Callbacks callbacks) { callbacks_ = std::move(callbacks); }
  void send(std::string_view message);  // one binary message
  // Stops reading (the peer's sends back up in TCP), and starts again.
  void pause_reading();
  void resume_reading();
  void ping();
  // A close frame with `code` and `reason`, then the connection ends once it is out.
  void close(uint16_t code, std::string_view reason);
  // Bytes queued but not yet taken by the kernel.
  size_t pending() const;
  bool open() const { return !closed_; }
  // Keeps `thing` until the socket is freed (what counts it against its address).
  void hold(std::shared_ptr<void> thing) { held_ = std::move(thing); }
  uint64_t last_heard_ms() const { return last_heard_ms_; }
  bufferevent* bev() const { return bev_.get(); }

  // Frame-level decoding of untrusted bytes without a socket (the fuzz harness): every
  // message wslay hands over, at most `max_message` bytes each.
  static void decode_for_test(std::string_view bytes, size_t max_message,
                              const std::function<void(std::string_view)>& on_message);

 private:
  friend struct WebSocketGlue;
  static void on_read(bufferevent* bev, void* arg);
  static void on_write(bufferevent* bev, void* arg);
  static void on_event(bufferevent* bev, short what, void* arg);
  void receive();
  void flush();
  void finish(const std::string& why);

  BuffereventPtr bev_;
  wslay_event_context* ctx_ = nullptr;
  Callbacks callbacks_;
  std::string already_;  // bytes read with the handshake, given to wslay first
  bool closed_ = false;
  bool closing_ = false;  // our close frame is queued: end once it is out
  uint64_t last_heard_ms_ = 0;
  std::vector<std::string> inbox_;  // messages wslay decoded, handed over once it returns
  std::string why_;
  std::shared_ptr<void> held_;
  Timer tell_closed_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tandem::transport
