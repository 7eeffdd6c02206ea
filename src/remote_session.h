// The host's end of a session on a relay elsewhere.
//
// It registers with the relay over SSH (its key names it), then sends the session's
// screen and receives its mates' input by UDP state sync, roaming and surviving
// sleep like a native mate. When the relay has not been heard for a while it asks
// again over SSH, presenting its resume secret: the relay either still has the link
// (nothing changes), or had lost it (a new link, same tokens), or restarted and
// forgot the session (restored, same tokens; mates re-join). Only if the relay
// refuses the secret does a new session, with new links, begin.
//
// Those SSH attempts are blocking libssh calls, so they run on a short-lived
// thread of their own; everything else is on the event loop.
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proto/bootstrap.pb.h"
#include "relay/ssh_server.h"
#include "src/bootstrap_client.h"
#include "statesync/input_state.h"
#include "statesync/sync_connection.h"

namespace tandem {

struct RemoteHooks {
  std::function<void(std::string_view bytes)> on_input;  // a read-write mate typed
  std::function<void(const relay::MateInfo& mate, bool joined)> on_mate;
  std::function<void(std::optional<std::pair<int, int>>)> on_mates_size;  // smallest rw mate, or none
  std::function<void(const proto::HostAccept&)> on_new_links;  // the relay forgot us: a new session
};

class RemoteSession {
 public:
  // Registers (blocking). `udp_override`: where to send UDP instead of the relay's
  // UDP port (tests, odd networks). nullptr with `error` on failure.
  static std::unique_ptr<RemoteSession> open(event_base* base, RelayAddress relay, proto::HostHello hello,
                                             std::string udp_override, RemoteHooks hooks, std::string* error);
  ~RemoteSession();

  const proto::HostAccept& accept() const { return accept_; }
  void publish(const screen::ScreenState& screen);
  uint64_t silent_for_ms() const { return sync_->silent_for_ms(); }
  double srtt_ms() const { return sync_->srtt_ms(); }
  const std::vector<relay::MateInfo>& mates() const { return mates_; }
  // Ends the session for everyone (the shutdown handshake).
  void end() { sync_->shutdown(); }
  bool ended() const { return sync_->status() == statesync::SyncStatus::kClosed; }

 private:
  using HostSync = statesync::SyncConnection<screen::ScreenState, statesync::InputState>;
  struct Attempt;
  RemoteSession(event_base* base, RelayAddress relay, proto::HostHello hello, std::string udp_override,
                RemoteHooks hooks);
  bool start_link(const proto::HostAccept& accept, std::string* error);
  void consume();
  void mate_notice(const std::string& text);
  void tick();
  void attempt_done();
  static void on_tick(evutil_socket_t, short, void* arg);
  static void on_attempt(evutil_socket_t, short, void* arg);

  event_base* base_;
  RelayAddress relay_;
  proto::HostHello hello_;
  std::string udp_override_;
  RemoteHooks hooks_;
  proto::HostAccept accept_;
  std::unique_ptr<transport::ClientLink> client_;
  std::unique_ptr<statesync::ClientChannel> channel_;
  std::unique_ptr<HostSync> sync_;
  uint64_t consumed_ = 0;
  screen::ScreenState latest_;
  std::vector<relay::MateInfo> mates_;
  transport::EventPtr tick_event_, attempt_event_;
  std::shared_ptr<Attempt> attempt_;  // an SSH attempt under way
  uint64_t next_attempt_ms_ = 0;
  uint64_t attempt_backoff_ms_ = 0;
};

}  // namespace tandem
