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
// The host's say over who is in (--approve, `tandem kick`, `tandem rotate`) travels
// with its screen as HostControls (statesync/host_state.h); the relay's side comes
// back on the input log: mates asking to join, kicks done, new tokens. A kick or a
// rotation is answered when the relay confirms it, or after kAnswerWithinMs with a
// word that it is still on its way (it stays asked for, and is done when the relay is
// back). A relay of an older release (no HostAccept controls) refuses all three in
// words, as before.
//
// Those SSH attempts are blocking libssh calls, so each runs on a short-lived thread
// of its own (a BlockingTask); everything else is on the event loop.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proto/bootstrap.pb.h"
#include "relay/history_pacer.h"
#include "src/backoff.h"
#include "src/blocking_task.h"
#include "src/bootstrap_client.h"
#include "src/host/mate_roster.h"
#include "src/host/relay_backend.h"
#include "statesync/host_state.h"
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
  void answer(uint64_t ticket, bool admit) override;
  void kick(const MateInfo& mate, KickDone done) override;
  void rotate(bool kick_all, RotateDone done) override;

  static constexpr uint64_t kAnswerWithinMs = 10000;

 private:
  using HostState = statesync::HostState<screen::ScreenState>;
  using Link = statesync::ClientSync<HostState, statesync::InputState>;
  struct KickAsked {
    uint64_t serial;
    std::string label;
    uint64_t deadline_ms;
    KickDone done;
  };
  struct RotationAsked {
    uint64_t rotation;
    uint64_t deadline_ms;
    RotateDone done;
  };
  struct Attempt {
    std::optional<proto::HostAccept> accept;
    std::string error;
  };
  RemoteBackend(event_base* base, RelayAddress relay, proto::HostHello hello, std::string udp_override,
                BackendEvents events);
  bool start_link(const proto::Accepted& accepted, std::string* error);
  void consume();
  void mate_event(const statesync::MateEvent& e);
  void approval(const statesync::Approval& a);
  void kick_done(const statesync::KickDone& k);
  void new_tokens(const statesync::NewTokens& t);
  // The relay confirmed `rotation` (with new tokens if `changed`): the record, and
  // whoever waits for them.
  void tokens_changed(uint64_t rotation, bool changed);
  // The relay forgot what it was asked (a restart) or the session (`fresh`): the
  // controls start again from what is still asked for.
  void relay_forgot(bool fresh);
  void send();
  void expire_asked(uint64_t now);
  std::string too_old(const std::string& what) const;
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
  transport::LinkTransport transport_ = transport::LinkTransport::kAuto;
  BackendEvents events_;
  proto::Accepted accepted_;
  Links links_;
  std::unique_ptr<Link> link_;
  uint64_t consumed_ = 0;
  screen::ScreenState latest_;
  relay::HistoryPacer history_pacer_;  // a flood's history goes to the relay once it pauses
  bool obeys_ = false;                // the relay carries out HostControls
  statesync::HostControls controls_;  // what the host asked of the relay
  uint64_t next_kick_ = 1;
  uint64_t rotated_ = 0;  // the newest rotation the relay confirmed
  std::vector<KickAsked> kicks_asked_;
  std::vector<RotationAsked> rotations_asked_;
  std::set<uint64_t> asking_;  // tickets of mates the host is asked about
  size_t history_ = 0;  // scrollback lines sent along for mates
  MateRoster roster_;
  transport::Timer tick_;
  std::unique_ptr<BlockingTask<Attempt>> attempt_;  // an SSH attempt under way
  uint64_t next_attempt_ms_ = 0;
  Backoff backoff_;
};

}  // namespace tandem
