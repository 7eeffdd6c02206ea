// Plain-ssh mates: an SSH server (libssh, non-blocking, on the event loop) where the
// user name is a session token. A mate's terminal is drawn from the session's
// screen with the display (frame diffs, never a replay of the byte stream), within
// the channel's window: a slow mate gets fewer, fresher frames and never holds up
// the others. A read-write mate's keystrokes go to the host; a read-only mate's go
// nowhere.
#pragma once

#include <event2/event.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "statesync/screen/display.h"
#include "statesync/screen/screen_state.h"
#include "transport/address.h"
#include "transport/udp_socket.h"

namespace tandem::relay {

enum class Role { kNone, kReadWrite, kReadOnly };

inline const char* role_name(Role r) {
  return r == Role::kReadWrite ? "read-write" : r == Role::kReadOnly ? "read-only" : "none";
}

// A mate as `tandem status` lists it.
struct MateInfo {
  std::string who;   // address it came from
  Role role = Role::kNone;
  std::string via;   // "ssh" or "native"
  int64_t last_heard_ms_ago = -1;  // native mates only
  double srtt_ms = -1;             // native mates only
};

// One session as the SSH server sees it: what its mates are shown, and where their
// input and comings and goings go. The relay owns it and keeps it current; the
// server's connections hold it as long as they watch it.
struct SshSession {
  std::string name = "the host";  // join notices say "read-only view of NAME's session"
  // Only mates proving one of these keys (SHA256 fingerprints) may join; the token
  // is still needed. Empty: no key is asked for.
  std::set<std::string> allowed_keys;
  std::unique_ptr<screen::ScreenState> screen;  // nullptr until the host's first frame
  bool ended = false;
  std::string end_message;
  // Keystrokes from a read-write mate.
  std::function<void(std::string_view bytes)> on_input;
  // A mate joined (true) or left (false); `who` describes them.
  std::function<void(const std::string& who, Role role, bool joined)> on_mate;
  // A mate's terminal size, on joining and whenever it changes.
  std::function<void(const std::string& who, Role role, int cols, int rows)> on_mate_size;
  // A native mate asked for the "tandem" subsystem: the bytes to answer with (the
  // bootstrap reply), or nothing to refuse.
  std::function<std::optional<std::string>(Role role, const std::string& who)> on_bootstrap;
};

struct Grant {
  std::shared_ptr<SshSession> session;  // nullptr: no session has this token
  Role role = Role::kNone;
};

// The user name a host bootstraps with (anything else is a mate's token).
inline constexpr const char* kHostUser = "tandem-host";

struct SshServerCallbacks {
  // Which session and role a token grants.
  std::function<Grant(std::string_view token)> authorize;
  // A host (user kHostUser, any public key) sent its request on the "tandem"
  // subsystem: the framed reply. `fingerprint` names the host's key.
  std::function<std::string(const std::string& fingerprint, const std::string& who, std::string_view request)> on_host;
};

// The "SHA256:..." fingerprint of a public key, as ssh-keygen -l prints it.
std::string key_fingerprint(ssh_key key);
// Fingerprints of the keys in an authorized_keys-style file; false with `error` if unreadable.
bool read_allowed_keys(const std::string& path, std::set<std::string>& out, std::string* error);

class SshServer {
 public:
  // Listens on `listen` with `host_key` (taken over; nullptr: a fresh ed25519 key).
  // nullptr with `error` on failure.
  static std::unique_ptr<SshServer> open(event_base* base, const transport::Address& listen, ssh_key host_key,
                                         SshServerCallbacks callbacks, std::string* error);
  ~SshServer();

  uint16_t port() const { return port_; }
  // The host key's fingerprint, as `ssh-keygen -l` prints it ("SHA256:...").
  const std::string& fingerprint() const { return fingerprint_; }
  // Mates of one session (all sessions: nullptr).
  size_t mates(const SshSession* session = nullptr) const;
  std::vector<MateInfo> mate_list(const SshSession& session) const;
  size_t connections() const { return connections_.size(); }

  // The session's screen changed: its mates are redrawn when their channels allow.
  void publish(const SshSession& session);
  // The session is over (`ended` and `end_message` set): its mates are told and disconnected.
  void end_session(SshSession& session);

  struct Connection;

 private:
  SshServer(event_base* base, SshServerCallbacks callbacks);
  void grant(Connection& c, const char* user);
  void host_request(Connection& c, std::string_view bytes);
  void accept_all();
  // Unknown tokens: each answered after a random delay; too many from one address
  // and its connections are closed on sight for a while.
  void note_failure(const std::string& ip);
  bool blocked(const std::string& ip);
  static void on_delayed_refusal(evutil_socket_t, short, void* arg);
  static void on_notice_expired(evutil_socket_t, short, void* arg);
  void service(Connection& c);
  void render(Connection& c);
  void flush(Connection& c);
  void reap();
  static void on_listen(evutil_socket_t, short, void* arg);
  static void on_socket(evutil_socket_t, short, void* arg);
  static void on_reap(evutil_socket_t, short, void* arg);

  friend struct ConnectionCallbacks;

  event_base* base_;
  SshServerCallbacks callbacks_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  ssh_bind bind_ = nullptr;
  std::string fingerprint_;
  transport::EventPtr listen_event_;
  transport::EventPtr reap_event_;
  std::list<std::unique_ptr<Connection>> connections_;
  screen::Display display_;
  struct Failures {
    int count = 0;
    uint64_t since_ms = 0;
  };
  std::unordered_map<std::string, Failures> failures_;
};

}  // namespace tandem::relay
