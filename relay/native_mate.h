// A native mate (`tandem join`): its own encrypted UDP link, handed over by the SSH
// bootstrap, and a sync connection that sends it the session's screen and brings
// back its input. It roams and survives silence; only the shutdown handshake (the
// mate leaving, or the session ending) removes it.
#pragma once

#include <memory>
#include <string>

#include "relay/mate.h"
#include "relay/session.h"
#include "statesync/input_state.h"
#include "statesync/sync_endpoints.h"
#include "transport/event_loop.h"

namespace tandem::relay {

class NativeMate : public Mate {
 public:
  // Joins `session` (announced at the mate's first datagram) on a fresh link of
  // `endpoint`; returns the framed JoinAccept to send the mate.
  static std::string admit(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role,
                           const std::string& who);

  void show(const screen::ScreenState& screen) override;
  void end(const std::string& message) override;
  MateInfo info() const override;
  bool connected() const override;

 private:
  using Sync = statesync::EndpointSync<screen::ScreenState, statesync::InputState>;
  NativeMate(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role, std::string who);
  void consume();

  Session& session_;
  Role role_;
  std::string who_;
  Sync link_;
  uint64_t consumed_ = 0;
  bool heard_ = false;
  transport::Timer leave_;  // leaves outside the connection's own callback
};

}  // namespace tandem::relay
