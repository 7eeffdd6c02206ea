// A host elsewhere, attached to its session on the relay: the host's screen arrives
// by UDP state sync and is published to the session; the session's HostEvents
// (read-write keystrokes, mates coming and going, the smallest read-write size) go
// back to the host as typed input events, each delivered once and in order, through
// an InputFlow: a paste moves at the host's pace, and the session is told when the
// host is full (mates then hold back) and when it has room again.
//
// The host's controls (statesync/host_state.h) come with its screen; the link
// carries out what is new to the session (answers to waiting mates, removals, new
// tokens) and tells the host what came of it (KickDone, NewTokens), on the same
// ordered, once-only input log.
#pragma once

#include <memory>

#include "relay/session.h"
#include "statesync/host_state.h"
#include "statesync/input_flow.h"
#include "statesync/input_state.h"
#include "statesync/sync_endpoints.h"

namespace tandem::relay {

// What the relay does when the host asks for new tokens: rotates them (and removes
// every mate with `kick_all`), and says what the host needs of the new ones.
using Rotate = std::function<statesync::NewTokens(Session& session, bool kick_all)>;

class HostLink {
 public:
  // A fresh link on `endpoint`; `pending` is input the host has not had yet (from a
  // link it never learnt of). The host is told at once who is here and how small.
  HostLink(event_base* base, transport::ServerEndpoint& endpoint, Session& session, statesync::InputState pending,
           Rotate rotate);
  HostLink(const HostLink&) = delete;
  ~HostLink();

  uint64_t link_id() const { return link_.link_id(); }
  const transport::LinkKey& key() const { return link_.key(); }
  // The input not yet acknowledged by the host.
  statesync::InputState undelivered() const;
  uint64_t silent_for_ms() const { return link_.sync().silent_for_ms(); }
  // The host ended the session on purpose (the shutdown handshake).
  bool host_left() const { return link_.sync().status() == statesync::SyncStatus::kPeerClosed; }
  // The host's screen has been still for kPackAfterMs: the chunk of history lines are
  // appended to is packed too (a session idles most of its life), and the session
  // shows the packed copy. True if it packed anything.
  bool pack_history(uint64_t now_ms);
  static constexpr uint64_t kPackAfterMs = 2000;
  // Called whenever the link's status changes (the relay then looks at it).
  void set_on_status(std::function<void()> cb) { on_status_ = std::move(cb); }

 private:
  void push(statesync::InputEvent event);
  void obey(const statesync::HostControls& controls);

  using Link = statesync::EndpointSync<statesync::InputState, statesync::HostState<screen::ScreenState>>;
  Session& session_;
  Rotate rotate_;
  statesync::HostControls obeyed_;  // the controls last carried out
  Link link_;
  statesync::InputFlow<Link::Connection> flow_;
  std::function<void()> on_status_;
  uint64_t changed_ms_ = 0;  // when the host's screen last changed
};

}  // namespace tandem::relay
