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

struct SshServerCallbacks {
  // Which role a token grants (kNone: unknown token).
  std::function<Role(std::string_view token)> authorize;
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

// The "SHA256:..." fingerprint of a public key, as ssh-keygen -l prints it.
std::string key_fingerprint(ssh_key key);
// Fingerprints of the keys in an authorized_keys-style file; false with `error` if unreadable.
bool read_allowed_keys(const std::string& path, std::set<std::string>& out, std::string* error);

class SshServer {
 public:
  // Listens on `listen` with a fresh ed25519 host key. nullptr with `error` on failure.
  static std::unique_ptr<SshServer> open(event_base* base, const transport::Address& listen,
                                         SshServerCallbacks callbacks, std::string* error);
  ~SshServer();

  uint16_t port() const { return port_; }
  // The host key's fingerprint, as `ssh-keygen -l` prints it ("SHA256:...").
  const std::string& fingerprint() const { return fingerprint_; }
  size_t mates() const;
  std::vector<MateInfo> mate_list() const;

  // The session's screen changed: every mate is redrawn when its channel allows.
  void publish(const screen::ScreenState& screen);
  // The session is over: mates are told `message` and disconnected.
  void end_session(const std::string& message);
  // How mates' join notices name the session ("read-only view of NAME").
  void set_session_name(std::string name) { session_name_ = std::move(name); }
  // Only mates proving one of these keys (SHA256 fingerprints) may join; the token
  // is still needed. Empty: no key is asked for.
  void set_allowed_keys(std::set<std::string> fingerprints) { allowed_keys_ = std::move(fingerprints); }

  struct Connection;

 private:
  SshServer(event_base* base, SshServerCallbacks callbacks);
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
  std::unique_ptr<screen::ScreenState> screen_;
  screen::Display display_;
  bool ended_ = false;
  std::string end_message_;
  std::string session_name_ = "the host";
  std::set<std::string> allowed_keys_;
  struct Failures {
    int count = 0;
    uint64_t since_ms = 0;
  };
  std::unordered_map<std::string, Failures> failures_;
};

}  // namespace tandem::relay
