// A native mate (`tandem join`): its own encrypted UDP link, handed over by the SSH
// bootstrap, and a sync connection that sends it the session's screen and brings
// back its input. It roams and survives silence up to a limit: the shutdown
// handshake (the mate leaving, or the session ending) removes it, and so does a link
// nobody ever spoke on (after NativeLimits::unheard) or one silent for as long as a
// host may be (NativeLimits::silent). While the host cannot take more input, the
// mate's input is not accepted (its sender holds back) until the session has room.
#pragma once

#include <memory>
#include <string>

#include "relay/mate.h"
#include "relay/session.h"
#include "statesync/input_state.h"
#include "statesync/sync_endpoints.h"
#include "transport/event_loop.h"

namespace tandem::relay {

// What native links may cost a session, and how long a quiet one is kept.
struct NativeLimits {
  std::chrono::milliseconds unheard{60000};   // a link nobody ever spoke on goes after this
  std::chrono::milliseconds silent{3600000};  // one that fell silent, after this (as a host's linger)
  size_t per_session = 1024;                  // native links of one session
  size_t per_read_write_token = 64;           // of them, read-write ones
};

class NativeMate : public Mate {
 public:
  // Joins `session` (announced at the mate's first datagram) on a fresh link of
  // `endpoint`; returns the framed JoinAccept to send the mate, or a refusal in words
  // when the session has as many native links as `limits` allow.
  static std::string admit(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role,
                           const std::string& who, const NativeLimits& limits);

  void show(const screen::ScreenState& screen) override;
  void end(const std::string& message) override;
  MateInfo info() const override;
  Role role() const override { return role_; }
  bool connected() const override;
  void input_room() override;

 private:
  using Sync = statesync::EndpointSync<screen::ScreenState, statesync::InputState>;
  NativeMate(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role, std::string who,
             const NativeLimits& limits);
  void consume();
  void check_silence();

  Session& session_;
  Role role_;
  std::string who_;
  Sync link_;
  uint64_t consumed_ = 0;
  bool heard_ = false;
  uint64_t created_ms_;
  std::chrono::milliseconds unheard_, silent_;
  transport::Timer silence_;  // wakes at the next deadline only: an idle link costs nothing
};

}  // namespace tandem::relay
