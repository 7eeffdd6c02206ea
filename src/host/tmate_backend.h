// A stock tmate relay (tmate-ssh-server) elsewhere: the host speaks tmate 2.4's
// daemon protocol over SSH (user "tmate", subsystem "tmate"), as one window with one
// pane. The pane's output is not the PTY's byte stream but frames of our display
// (diffs of the screen, paced, a flood's history held to its end), so a flood costs
// the relay a few frames. Mates' keys come back as tmux key codes and become the
// bytes the program expects (its cursor and keypad modes taken into account).
//
// The relay is reached over TCP and knows no resume: when the connection drops, the
// host reconnects (2 s, then backing off); the links stay if the relay handed out
// reconnection data (a tmate-websocket relay), else they change and the host is told
// so. The SSH handshake is blocking libssh, run on a short-lived thread; the
// established channel is driven non-blocking on the event loop.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "proto/tmate/daemon.h"
#include "proto/tmate/msgpack_framer.h"
#include "relay/history_pacer.h"
#include "relay/ssh/handles.h"
#include "src/backoff.h"
#include "src/blocking_task.h"
#include "src/host/relay_backend.h"
#include "statesync/screen/display.h"
#include "transport/event_loop.h"

namespace tandem {

// What connecting to a tmate relay gave: a channel on the "tmate" subsystem, or why not.
struct TmateConnection {
  ssh::SessionPtr session;
  ssh::ChannelPtr channel;
  std::string error;
};

class TmateBackend : public RelayBackend {
 public:
  static constexpr auto kFrameInterval = std::chrono::milliseconds(30);  // frames while the screen keeps changing
  static constexpr size_t kMaxQueued = 64 * 1024;  // output waiting for the relay before frames are skipped
  static constexpr uint64_t kReadyWithinMs = 15000;

  // Connects (blocking) and waits for the relay's links; nullptr with `error`.
  static std::unique_ptr<RelayBackend> open(event_base* base, const BackendOptions& options, BackendEvents events,
                                            std::string* error);
  ~TmateBackend() override;

  const Links& links() const override { return links_; }
  std::string relay_name() const override { return host_ + ":" + std::to_string(port_); }
  void publish(const screen::ScreenState& screen) override;
  std::vector<MateInfo> mates() const override { return {}; }  // a tmate relay does not say who is in
  std::optional<LinkHealth> health() const override;
  bool mates_bound_size() const override { return true; }
  void end(const std::string& message) override;
  bool ended() const override { return ended_; }
  void answer(uint64_t, bool) override {}
  void kick(const MateInfo&, KickDone done) override {
    done("remove mates through a tmate relay: it does not say who is in");
  }
  void rotate(bool, RotateDone done) override {
    done(std::nullopt, "have new links from a tmate relay: it has no way to give them");
  }

  // Bytes sent to the relay so far (for the benchmark).
  uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  TmateBackend(event_base* base, const BackendOptions& options, BackendEvents events);
  bool attach(TmateConnection c, std::string* error);
  void lost(const std::string& why);
  void reconnect();
  void service();
  void read_all();
  void message(std::string_view object);
  void send(const tmate::out::Message& m);
  void flush();
  void send_frame();
  void schedule_frame();
  void greet();
  // A tmate mate scrolling back (`C-b [`): the relay's pane is shown `oy` lines up.
  struct CopyMode {
    int64_t oy = 0;
  };
  int64_t relay_history() const;
  void send_copy_mode();
  void copy_key(uint64_t key);

  event_base* base_;
  BackendEvents events_;
  std::string host_;
  uint16_t port_;
  std::vector<std::string> fingerprints_;
  std::string identity_file_;
  size_t history_;
  Links links_, pending_links_;  // pending: as SET_ENV says, until READY
  bool ever_ready_ = false;
  std::string reconnection_data_;
  ssh::SessionPtr session_;
  ssh::ChannelPtr channel_;
  std::unique_ptr<transport::Watch> readable_, writable_;
  std::unique_ptr<BlockingTask<TmateConnection>> connecting_;
  tmate::MsgpackFramer framer_{1024 * 1024};
  std::string out_;  // bytes libssh's channel window has not taken yet
  bool ready_ = false, ended_ = false, ending_ = false;
  uint64_t lost_at_ = 0, heard_at_ = 0;
  Backoff backoff_;
  transport::Timer retry_, frame_timer_;
  screen::Display display_;
  relay::HistoryPacer pacer_;
  screen::ScreenState latest_;
  std::optional<screen::ScreenState> shown_;  // what the relay's pane shows (none: unknown)
  uint64_t last_frame_ms_ = 0;
  std::string window_name_;
  std::optional<CopyMode> copy_;
  uint64_t history_sent_ = 0;  // history lines the relay's pane has been given
  uint64_t bytes_sent_ = 0;
};

}  // namespace tandem
