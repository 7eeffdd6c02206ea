// A relay: many sessions on one event loop, and the doors into them. This file is
// wiring: the SSH front door (plain-ssh mates, the native join and the host
// bootstrap, see relay/ssh/), one UDP endpoint for every native mate's and remote
// host's link, the sessions by id and by token, and a sweep that notices silent or
// departed hosts and lets ended sessions go.
//
// A host elsewhere bootstraps over SSH (BootstrapService), then syncs its screen
// over its own link (HostLink). A host in the same process (the embedded relay of
// `tandem`) attaches with create_session and its HostEvents.
#pragma once

#include <event2/event.h>
#include <libssh/libssh.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "relay/bootstrap_service.h"
#include "relay/host_link.h"
#include "relay/native_mate.h"
#include "relay/session.h"
#include "relay/ssh/front_door.h"
#include "relay/tmate/tmate_service.h"
#include "relay/web/web_door.h"
#include "transport/event_loop.h"
#include "transport/server_endpoint.h"

namespace tandem::relay {

struct RelayOptions {
  transport::Address ssh_listen;
  transport::Address udp_listen;     // port 0: any free one
  ssh_key host_key = nullptr;        // taken over; nullptr: a fresh one
  ssh_key rsa_host_key = nullptr;    // taken over; nullptr: none (tmate hosts may pin RSA)
  bool tmate_hosts = false;          // stock tmate hosts may share through it (the "tmate" subsystem)
  std::optional<Secret> secret;      // resume secrets are MACs under it; default: a fresh one
  std::string public_host;           // the name in links; empty: the one the host dialed
  HostTimeouts timeouts;             // how long a silent host is waited for
  NativeLimits natives;              // what native mates may cost, how long a quiet one is kept
  BootstrapLimits hosts;             // sessions per host key and per address
  ssh::ListenerLimits connections;   // SSH connections at once, and how long an unused one lives
  std::optional<WebOptions> web;    // the web port for browsers (and TCP links); none: no web port
  bool ends_with_host = false;       // embedded in its host: native mates are told the session goes with it
};

class Relay : private HostDirectory, private TmateDirectory {
 public:
  static std::unique_ptr<Relay> open(event_base* base, RelayOptions options, std::string* error);
  ~Relay() override;

  uint16_t ssh_port() const { return door_->port(); }
  uint16_t udp_port() const { return endpoint_->local_address().port(); }
  const std::string& fingerprint() const { return door_->fingerprint(); }
  const std::string& rsa_fingerprint() const { return door_->rsa_fingerprint(); }
  // The web port (0: none), and whether it speaks TLS.
  uint16_t web_port() const { return web_ ? web_->port() : 0; }
  const WebDoor* web() const { return web_.get(); }

  // A session whose host is in this process; it lives until end_session. With `id`
  // and tokens (a named session coming back), those; else new ones.
  Session& create_session(SessionOptions options, HostEvents events);
  Session& create_session(SessionOptions options, HostEvents events, std::string id, std::string rw_token,
                          std::string ro_token);
  // The host is done: mates are told `message` and let go; the session goes once
  // they are.
  void end_session(Session& session, const std::string& message) override;
  // New tokens for the session (`tandem rotate`): the old ones admit no one from now
  // on; mates already in stay.
  void rotate(Session& session);
  size_t sessions() const { return sessions_.size(); }
  // The relay is about to stop (SIGTERM, SIGINT): plain-ssh mates are told `message`
  // and let go; native mates and hosts are not told goodbye (they come back by
  // themselves when it is back), only shown `message` while the loop still runs.
  void stopping(const std::string& message);
  // Mates still connected to any session (for a clean goodbye).
  size_t connected_mates() const;
  // UDP links open (remote hosts' and native mates').
  size_t links() const { return endpoint_->links(); }
  // Connections open: SSH, and the web port's (pages, TCP paths).
  size_t connections() const { return door_->connections() + (web_ ? web_->connections() : 0); }
  const ssh::ListenerCounters& connection_counters() const { return door_->counters(); }
  // The session's links, naming this relay as `host`.
  Links links(const Session& s, const std::string& host) const override;
  // Sessions whose host is a stock tmate.
  size_t tmate_hosts() const { return tmate_ ? tmate_->hosts() : 0; }

 private:
  class TandemSubsystem;
  Relay(event_base* base, RelayOptions options);

  // HostDirectory, for the bootstrap service.
  Session* find(const std::string& id) override;
  bool token_in_use(std::string_view token) const override;
  Session& create(std::string id, std::string rw_token, std::string ro_token, SessionOptions options) override;
  void drop(const std::string& id) override { remove(id); }
  uint64_t host_link(const Session& s) const override;
  std::pair<uint64_t, LinkKeyBytes> attach_host(Session& s) override;
  size_t sessions_of_key(const std::string& key) const override;
  size_t sessions_from(const std::string& ip) const override;

  // TmateDirectory, for tmate hosts.
  Session& create_tmate_session(SessionOptions options) override;

  // A remote host's `tandem rotate` (HostLink): new tokens, and what the host needs of them.
  statesync::NewTokens new_tokens(Session& s, bool kick_all);
  std::shared_ptr<Session> by_token(std::string_view token) const;
  void forget_tokens(const Session& s);
  void sweep();
  void remove(const std::string& id);

  event_base* base_;
  RelayOptions options_;
  Secret secret_{};
  // Declared in the order they may be torn down backwards: hosts before their
  // sessions, sessions (and their mates) before the doors the mates came through.
  std::unique_ptr<transport::ServerEndpoint> endpoint_;
  std::unique_ptr<FrontDoor> door_;
  std::unique_ptr<WebDoor> web_;
  std::unique_ptr<BootstrapService> bootstrap_;
  TmateService* tmate_ = nullptr;  // owned by the door; nullptr unless tmate_hosts
  std::map<std::string, std::shared_ptr<Session>> sessions_;      // by id
  std::unordered_map<std::string, std::weak_ptr<Session>> by_token_;  // by a hash of each token
  std::map<std::string, std::unique_ptr<HostLink>> hosts_;        // remote hosts, by session id
  transport::Timer sweep_, sweep_soon_;
  uint64_t dropped_logged_ = 0, drop_log_at_ = 0;
  uint64_t refused_logged_ = 0, refused_log_at_ = 0;
};

}  // namespace tandem::relay
