// A relay: many sessions on one event loop, each with a host and its mates.
//
// Plain-ssh mates come through the SSH server; native mates and remote hosts talk
// UDP state sync through one endpoint. A remote host bootstraps over SSH (user
// kHostUser, its key names it), then sends its screen and receives its mates' input
// (keystrokes, the smallest read-write terminal, who joined and left). A host in
// the same process (the embedded relay of `tandem`) attaches through HostHooks.
//
// A session outlives its host's silence for the linger time; a host that comes back
// with its resume secret gets the same session (the same tokens), also from a relay
// that restarted in between: the secret is a MAC of the tokens under a key the relay
// keeps in its state directory.
#pragma once

#include <event2/event.h>
#include <libssh/libssh.h>

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/bootstrap.pb.h"
#include "relay/native_mates.h"
#include "relay/ssh_server.h"
#include "transport/server_endpoint.h"

namespace tandem::relay {

using Secret = std::array<uint8_t, 32>;

struct RelayOptions {
  transport::Address ssh_listen;
  transport::Address udp_listen;     // port 0: any free one
  ssh_key host_key = nullptr;        // taken over; nullptr: a fresh one
  std::optional<Secret> secret;      // resume secrets are MACs under it; default: a fresh one
  std::string public_host;           // the name in links; empty: the one the host dialed
  std::chrono::seconds linger{3600}; // a silent host's session is kept this long
  std::chrono::milliseconds host_lost{7000};  // silence before mates are told (two heartbeats)
};

struct SessionOptions {
  std::string name = "the host";
  bool read_only_only = false;            // no read-write token at all
  std::set<std::string> allowed_keys;     // mates must prove one of these keys (empty: none asked)
};

// The host's end of a session when it lives in this process.
struct HostHooks {
  std::function<void(std::string_view bytes)> on_input;        // a read-write mate typed
  std::function<void(const MateInfo& mate, bool joined)> on_mate;
  // The smallest read-write mate's terminal (cols, rows), or nullopt when there is none.
  std::function<void(std::optional<std::pair<int, int>>)> on_mates_size;
};

class Session;
struct RemoteHost;  // a host's link and sync connection, on the relay's side

class Relay {
 public:
  static std::unique_ptr<Relay> open(event_base* base, RelayOptions options, std::string* error);
  ~Relay();

  uint16_t ssh_port() const { return ssh_->port(); }
  uint16_t udp_port() const { return endpoint_->local_address().port(); }
  const std::string& fingerprint() const { return ssh_->fingerprint(); }

  // A session whose host is in this process; it lives until end_session.
  Session& create_session(SessionOptions options, HostHooks hooks);
  // The host is done: mates are told `message` and let go; the session goes once
  // they are.
  void end_session(Session& session, const std::string& message);
  size_t sessions() const { return sessions_.size(); }
  // Mates still connected to any session (for a clean goodbye).
  size_t connected_mates() const;
  // The session's links naming this relay as `host`, with the ports and the key, into
  // the fields of `a` a host is given (ssh_rw/ro, join_rw/ro, ports, fingerprint).
  void fill_links(const Session& s, const std::string& host, proto::HostAccept& a) const;

  // A host's request on the SSH subsystem (any bytes: a HostHello, one hopes), from
  // the key `host_key` at `who`; the framed HostAccept to send back. Public for the
  // fuzzer; the SSH server is its caller.
  std::string host_request(const std::string& host_key, const std::string& who, std::string_view request);

 private:
  explicit Relay(event_base* base, RelayOptions options);
  Session& make_session(std::string id, std::string rw_token, std::string ro_token, SessionOptions options);
  void attach_host(Session& s, statesync::InputState pending, uint64_t& link_id,
                   transport::LinkKey& key);
  Secret resume_secret(const std::string& id, const std::string& rw_token, const std::string& ro_token,
                       const std::string& host_key) const;
  size_t connected_mates_of(const Session& s) const;
  Grant authorize(std::string_view token);
  void sweep();
  void remove(Session& s);
  static void on_sweep(evutil_socket_t, short, void* arg);

  event_base* base_;
  RelayOptions options_;
  Secret secret_{};
  std::unique_ptr<transport::ServerEndpoint> endpoint_;
  std::unique_ptr<SshServer> ssh_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;       // by id
  std::unordered_map<std::string, Session*> by_token_;             // by a hash of each token
  transport::EventPtr sweep_event_;
  uint64_t dropped_logged_ = 0, drop_log_at_ = 0;
};

// One shared session on a relay.
class Session {
 public:
  const std::string& id() const { return id_; }
  const std::string& rw_token() const { return rw_token_; }  // empty: read-only-only
  const std::string& ro_token() const { return ro_token_; }

  // The host's screen changed.
  void publish(const screen::ScreenState& screen);
  std::vector<MateInfo> mates() const;

 private:
  friend class Relay;
  Session(event_base* base, transport::ServerEndpoint& endpoint, SshServer& ssh);
 public:
  ~Session();

 private:
  void mate_event(const std::string& who, Role role, const char* via, bool joined);
  void mate_size(const std::string& who, Role role, int cols, int rows);
  void set_host_notice(std::string text);
  void republish();

  SshServer& ssh_server_;
  std::string id_, rw_token_, ro_token_;
  SessionOptions options_;
  std::shared_ptr<SshSession> ssh_;
  NativeMates natives_;
  HostHooks hooks_;
  std::unique_ptr<RemoteHost> host_;  // a remote host; nullptr when it is in this process
  std::string host_key_;             // the remote host's key fingerprint
  screen::ScreenState screen_ = initial_screen();
  std::string host_notice_;          // over every mate's view: "host unreachable since ..."
  std::map<std::string, std::pair<int, int>> rw_sizes_;
  std::optional<std::pair<int, int>> mates_size_;
  bool ended_ = false;
  uint64_t ended_at_ = 0;
};

}  // namespace tandem::relay
