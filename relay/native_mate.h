// A native mate (`tandem join`): its own encrypted UDP link, handed over by the SSH
// bootstrap, and a sync connection that sends it the session's screen and brings
// back its input. It roams and survives silence up to a limit: the shutdown
// handshake (the mate leaving, or the session ending) removes it, and so does a link
// nobody ever spoke on (after NativeLimits::unheard) or one silent for as long as a
// host may be (NativeLimits::silent). While the host cannot take more input, the
// mate's input is not accepted (its sender holds back) until the session has room.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proto/bootstrap.pb.h"
#include "relay/history_pacer.h"
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

// A mate's JoinHello (any bytes): nullopt, with `error` in words, if anything is off.
std::optional<proto::JoinHello> parse_join_hello(std::string_view body, std::string* error);

// A relay's web port, where links' datagrams may go over TCP when UDP is blocked.
struct TcpPath {
  uint16_t port = 0;  // 0: none
  bool tls = false;
};

class NativeMate : public Mate {
 public:
  // Answers a mate's JoinHello: when the session still has the link the mate names,
  // "keep it"; otherwise the mate joins `session` (announced at its first datagram)
  // on a fresh link of `endpoint`. Returns the framed JoinAccept to send the mate, or
  // a refusal in words (a malformed hello, or as many native links as `limits`
  // allow). `ends_with_host`: this relay is the host's own (embedded).
  // `who`: its address, and the key it proved (if any); its name comes from the hello
  // (`tandem join --name`, cleaned), else the key's short fingerprint.
  // `tcp`: the relay's web port, where the mate's datagrams may go when UDP is blocked.
  static std::string admit(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role,
                           const MateInfo& who, const NativeLimits& limits, std::string_view hello,
                           bool ends_with_host, TcpPath tcp = {});
  // The name a mate is shown to the host by: the one it chose, else its key's short form.
  static std::string name_of(const proto::JoinHello& hello, const std::string& key);

  void show(const screen::ScreenState& screen) override;
  void end(const std::string& message) override;
  // `message` is the bottom row of a last frame, which `tandem join` prints as it
  // exits; then the link closes.
  void remove(const std::string& message) override;
  MateInfo info() const override;
  Role role() const override { return role_; }
  bool connected() const override;
  void input_room() override;
  bool has_link(uint64_t link_id) const override { return link_id == link_.link_id(); }

 private:
  using Sync = statesync::EndpointSync<screen::ScreenState, statesync::InputState>;
  NativeMate(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role, MateInfo who,
             const NativeLimits& limits);
  void consume();
  void check_silence();

  Session& session_;
  Role role_;
  std::string who_, name_, key_;
  Sync link_;
  uint64_t consumed_ = 0;
  bool heard_ = false;
  uint64_t created_ms_;
  std::chrono::milliseconds unheard_, silent_;
  transport::Timer silence_;  // wakes at the next deadline only: an idle link costs nothing
  HistoryPacer history_pacer_;
  bool shown_any_ = false;  // a first frame brings the history whole
  transport::Timer goodbye_;  // a last frame with why it ends, then the shutdown
  uint64_t goodbye_since_ = 0;
};

}  // namespace tandem::relay
