// A browser mate: a page on the relay's web port, over a WebSocket (messages in
// proto/web_message.h). Its terminal (xterm.js) is drawn from the session's screen
// with the display, as a plain-ssh mate's is: frame diffs, never a replay of the
// byte stream, so the page never sees a query to answer. The page acknowledges each
// frame once written, and at most kFramesInFlight go unacknowledged: a slow phone
// gets fewer, fresher frames and holds up no one. A read-only page's input and size
// stop here.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "proto/size.h"
#include "proto/web_message.h"
#include "relay/mate_terminal.h"
#include "relay/mate.h"
#include "relay/session.h"
#include "statesync/screen/display.h"
#include "statesync/screen/viewport.h"
#include "transport/event_loop.h"
#include "transport/web_socket.h"

namespace tandem::relay {

class WebMate : public Mate {
 public:
  static constexpr uint32_t kFramesInFlight = 2;
  static constexpr size_t kMaxQueuedBytes = 256 * 1024;     // unsent bytes before frames wait
  static constexpr size_t kMaxHeldInput = 1024 * 1024;      // keys the host has no room for yet
  static constexpr auto kKeepalive = std::chrono::seconds(20);  // under common proxies' idle limits
  static constexpr uint64_t kSilentMs = 75000;              // then the page is gone (it pongs every ping)

  // `socket` has said HELLO with a token of `role`; its terminal is `size`.
  WebMate(event_base* base, std::unique_ptr<transport::WebSocket> socket, Session& session, Role role,
          std::string who, Size size);
  ~WebMate() override;

  void show(const screen::ScreenState& screen) override;
  void end(const std::string& message) override;
  MateInfo info() const override { return MateInfo{.who = who_, .role = role_, .via = Via::kWeb}; }
  Role role() const override { return role_; }
  bool connected() const override { return socket_ && socket_->open(); }
  void input_room() override;
  // The page reconnects by itself: it is told why, and let go.
  void relay_stopping(const std::string& message) override { goodbye(message, true); }

  // In the session now: its size counts (a read-write page's bounds the session).
  void joined() { session_.resized(*this, size_); }
  // Frames sent and acknowledged so far (tests, the bench).
  uint32_t frames_sent() const { return sent_; }

 private:
  void message(std::string_view bytes);
  void closed(const std::string& why);
  void render();
  void feed_host();
  void goodbye(const std::string& message, bool again);
  void keepalive();

  std::unique_ptr<transport::WebSocket> socket_;
  Session& session_;
  Role role_;
  std::string who_;
  Size size_;
  MateTerminal terminal_;
  screen::Viewport viewport_;
  bool dirty_ = false;                         // a frame waits for the page to catch up
  uint32_t sent_ = 0, acked_ = 0;
  std::string notice_;                         // on the page's status line
  std::deque<std::string> held_;               // input the host has no room for yet
  size_t held_bytes_ = 0;
  bool left_ = false;
  uint64_t last_sent_ms_ = 0;
  transport::Timer redraw_;                    // after a resize, at its pace
  transport::Timer keepalive_;
};

}  // namespace tandem::relay
