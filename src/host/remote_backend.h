// A tandem relay elsewhere. The host registers over SSH (its key names it), then
// sends the session's screen and receives its mates' input by UDP state sync,
// roaming and surviving sleep like a native mate. When the relay has not been heard
// for a while it asks again over SSH with its resume secret: the relay still has
// the link (nothing changes), or had lost it (a new link, same tokens), or restarted
// and forgot the session (restored, same tokens; mates re-join). Only if the relay
// refuses the secret does a new session, with new links, begin. A restarted relay is
// said to be one, and its mates are not said to leave: those that re-join within a
// grace period are not announced again (MateRoster).
//
// Those SSH attempts are blocking libssh calls, so each runs on a short-lived thread
// of its own (a BlockingTask); everything else is on the event loop.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proto/bootstrap.pb.h"
#include "relay/history_pacer.h"
#include "src/backoff.h"
#include "src/blocking_task.h"
#include "src/bootstrap_client.h"
#include "src/host/mate_roster.h"
#include "src/host/relay_backend.h"
#include "statesync/input_state.h"
#include "statesync/sync_endpoints.h"
#include "transport/event_loop.h"

namespace tandem {

class RemoteBackend : public RelayBackend {
 public:
  // Registers (blocking); nullptr with `error` on failure.
  static std::unique_ptr<RelayBackend> open(event_base* base, const BackendOptions& options, BackendEvents events,
                                            std::string* error);
  ~RemoteBackend() override;

  const Links& links() const override { return links_; }
  std::string relay_name() const override { return relay_.host + ":" + std::to_string(relay_.port); }
  void publish(const screen::ScreenState& screen) override;
  std::vector<MateInfo> mates() const override { return roster_.mates(); }
  std::optional<LinkHealth> health() const override;
  // Ends the session for everyone (the shutdown handshake).
  void end(const std::string&) override { link_->sync().shutdown(); }
  bool ended() const override { return link_->sync().status() == statesync::SyncStatus::kClosed; }
  // Not yet over a relay elsewhere: the host's link carries only its screen to the
  // relay, so these have no way there yet (`tandem --approve` refuses a remote relay).
  void answer(uint64_t, bool) override {}
  bool kick(const MateInfo&, std::string* error) override {
    *error = "remove mates through a relay elsewhere yet (only with the embedded relay, `tandem --local`)";
    return false;
  }
  std::optional<Links> rotate(bool, std::string* error) override {
    *error = "make new links through a relay elsewhere yet (only with the embedded relay, `tandem --local`)";
    return std::nullopt;
  }

 private:
  using Link = statesync::ClientSync<screen::ScreenState, statesync::InputState>;
  struct Attempt {
    std::optional<proto::HostAccept> accept;
    std::string error;
  };
  RemoteBackend(event_base* base, RelayAddress relay, proto::HostHello hello, std::string udp_override,
                BackendEvents events);
  bool start_link(const proto::Accepted& accepted, std::string* error);
  void consume();
  void mate_event(const statesync::MateEvent& e);
  void tick();
  void attempt_done(Attempt attempt);
  void announce(const MateRoster::Change& change);
  // A named session's record follows the session; false with `error`.
  bool remember(std::string* error) const;

  event_base* base_;
  RelayAddress relay_;
  const NamedSession* named_ = nullptr;
  proto::HostHello hello_;
  std::string udp_override_;
  BackendEvents events_;
  proto::Accepted accepted_;
  Links links_;
  std::unique_ptr<Link> link_;
  uint64_t consumed_ = 0;
  screen::ScreenState latest_;
  relay::HistoryPacer history_pacer_;  // a flood's history goes to the relay once it pauses
  size_t history_ = 0;  // scrollback lines sent along for mates
  MateRoster roster_;
  transport::Timer tick_;
  std::unique_ptr<BlockingTask<Attempt>> attempt_;  // an SSH attempt under way
  uint64_t next_attempt_ms_ = 0;
  Backoff backoff_;
};

}  // namespace tandem
