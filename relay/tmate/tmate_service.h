// Stock tmate hosts on a tandem relay: the "tmate" subsystem (user "tmate", no key,
// as tmate-ssh-server takes them). A tmate 2.4 host speaks the daemon protocol
// (proto/tmate/daemon.h); its panes become a tandem session that every kind of mate
// joins, and what read-write mates type goes back to it as tmux key codes.
//
// A session outlives its host's connection: a host that comes back with the
// reconnection data it was handed (SET_ENV tmate_reconnection_data, a MAC under the
// relay's secret) gets its session and tokens back, even from a restarted relay, and
// its mates stay. Until then mates are told the host is unreachable, and the session
// ends after the linger time. Bytes that are not the protocol cost the sender a log
// line and, at worst, its own session; a message over kMaxMessage is dropped in words.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "relay/bootstrap_service.h"
#include "relay/session.h"
#include "relay/ssh/front_door.h"

namespace tandem::relay {

// What the tmate subsystem needs of the relay's sessions.
class TmateDirectory {
 public:
  virtual ~TmateDirectory() = default;
  // A new session with fresh tokens.
  virtual Session& create_tmate_session(SessionOptions options) = 0;
  virtual Session* find(const std::string& id) = 0;
  virtual bool token_in_use(std::string_view token) const = 0;
  // A session the relay forgot (it restarted), with the id and tokens it had.
  virtual Session& create(std::string id, std::string rw_token, std::string ro_token, SessionOptions options) = 0;
  // Ends the session: mates are told `message`, its tokens admit no one.
  virtual void end_session(Session& s, const std::string& message) = 0;
  virtual Links links(const Session& s, const std::string& host) const = 0;
  virtual size_t sessions_from(const std::string& ip) const = 0;
};

struct TmateOptions {
  std::string public_host;  // the name links carry; empty: the address the host dialed
  size_t history = screen::kDefaultHistoryLines;
  size_t sessions_per_address = 64;
};

class TmateService : public Subsystem {
 public:
  static constexpr size_t kMaxMessage = 1024 * 1024;  // a larger message is dropped (SNAPSHOTs are the large ones)
  static constexpr size_t kMaxPendingInput = 64 * 1024;  // keys kept for a host that is away
  static constexpr size_t kMaxOutbound = 256 * 1024;     // queued for a host before mates are held back

  TmateService(event_base* base, TmateDirectory& directory, const Secret& secret, TmateOptions options);
  ~TmateService() override;

  // ---- Subsystem
  std::string_view service_user() const override;
  bool admits_without_key() const override { return true; }
  bool open(Caller& caller) override;
  void data(Caller& caller, std::string_view bytes) override;
  void drained(Caller& caller) override;
  void closed(Caller& caller) override;

  // ---- For the relay's sweep
  // How long the host of session `id` has been away (zero: connected); nullopt if
  // the session is not a tmate host's.
  std::optional<std::chrono::milliseconds> host_silence(const std::string& id, uint64_t now_ms) const;
  // The session is gone from the relay.
  void forget(const std::string& id);
  // Every session is going (the relay is): their hosts are let go first.
  void forget_all();
  size_t hosts() const { return hosts_.size(); }

  // The reconnection data for a session (what the host presents to come back).
  std::string reconnection_data(const Session& s) const;

 private:
  class Channel;
  class Host;
  friend class Channel;
  friend class Host;
  Host& add_host(Session& s);
  // The host of the session `data` names, if the data is this relay's and the
  // session (or its tokens, after a restart) can be had; `back` is then set.
  Host* reattach(const std::string& data, const SessionOptions& options, bool* back);

  event_base* base_;
  TmateDirectory& directory_;
  Secret secret_;
  TmateOptions options_;
  std::map<Caller*, std::unique_ptr<Channel>> channels_;
  std::map<std::string, std::unique_ptr<Host>> hosts_;  // by session id
};

}  // namespace tandem::relay
