#include "relay/ssh_server.h"

#include <arpa/inet.h>
#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "proto/framing.h"
#include "relay/log.h"
#include "transport/link.h"

namespace tandem::relay {
namespace {

constexpr uint32_t kRefusalDelayMinMs = 50;    // an unknown token waits this long, plus up to
constexpr uint32_t kRefusalDelaySpreadMs = 150;
constexpr int kMaxFailuresPerWindow = 10;       // unknown tokens from one address...
constexpr uint64_t kFailureWindowMs = 60000;    // ...in this long, then it is shut out for the rest
constexpr size_t kMaxTrackedAddresses = 4096;
constexpr auto kJoinNotice = std::chrono::seconds(5);
constexpr size_t kMaxHostRequestBytes = 64 * 1024;

std::string ip_of(const std::string& address) { return address.substr(0, address.rfind(':')); }

}  // namespace

struct SshServer::Connection {
  SshServer* server = nullptr;
  ssh_session session = nullptr;
  ssh_event poll = nullptr;
  transport::EventPtr readable, writable;
  bool kex_done = false;
  ssh_channel channel = nullptr;
  ssh_server_callbacks_struct server_cb{};
  ssh_channel_callbacks_struct channel_cb{};
  std::string user;
  std::string peer;
  std::shared_ptr<SshSession> target;  // the session the token named
  Role role = Role::kNone;
  bool host = false;       // a host bootstrapping (user kHostUser, with a key)
  std::string host_key;    // its key's fingerprint
  std::string request;     // a host's request, as it arrives
  int cols = 80, rows = 24;
  bool ready = false;      // a shell was requested: the mate is watching
  bool announced = false;  // on_mate(joined) was called
  bool dirty = false;      // a frame is waiting for the channel to drain
  bool closing = false;    // close once the pending bytes are out
  bool dead = false;
  std::string pending;     // display bytes the channel window has not taken yet
  std::unique_ptr<screen::ScreenState> shown;  // what the mate's terminal shows
  std::string notice;      // over the bottom row of this mate's view, for a while
  transport::EventPtr timer;  // a delayed refusal, or the end of the notice

  ~Connection() {
    // The events go first: libssh closes the socket, and an event on a closed fd
    // would leave the loop's poller out of step.
    readable.reset();
    writable.reset();
    timer.reset();
    if (channel) ssh_channel_free(channel);
    if (poll) {
      ssh_event_remove_session(poll, session);
      ssh_event_free(poll);
    }
    if (session) {
      ssh_disconnect(session);
      ssh_free(session);
    }
  }
  std::string who() const { return peer; }
};

namespace {

using Connection = SshServer::Connection;

}  // namespace

// libssh's callbacks, all forwarding to the connection named by `userdata`.
struct ConnectionCallbacks {
  static int auth_none(ssh_session, const char* user, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    if (user && std::string_view(user) == kHostUser) return SSH_AUTH_DENIED;  // a host proves a key
    c->server->grant(*c, user);
    if (c->target && !c->target->allowed_keys.empty()) {
      c->target.reset();  // this session wants a listed key
      c->role = Role::kNone;
      return SSH_AUTH_DENIED;
    }
    // Accepted either way: an unknown token is told so in plain words on its channel.
    return SSH_AUTH_SUCCESS;
  }

  // A host: any key, which then names it. A mate of a session with an allow-list:
  // the key must be on it. The first call is a probe; libssh checks the signature
  // before we see the key again as valid.
  static int auth_pubkey(ssh_session, const char* user, ssh_key key, char state, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    if (state != SSH_PUBLICKEY_STATE_NONE && state != SSH_PUBLICKEY_STATE_VALID) return SSH_AUTH_DENIED;
    const std::string fingerprint = key_fingerprint(key);
    if (user && std::string_view(user) == kHostUser) {
      if (state == SSH_PUBLICKEY_STATE_VALID) {
        c->host = true;
        c->host_key = fingerprint;
      }
      return SSH_AUTH_SUCCESS;
    }
    Grant g = c->server->callbacks_.authorize ? c->server->callbacks_.authorize(user ? user : "") : Grant{};
    if (!g.session || !g.session->allowed_keys.count(fingerprint)) return SSH_AUTH_DENIED;
    if (state == SSH_PUBLICKEY_STATE_VALID) c->server->grant(*c, user);
    return SSH_AUTH_SUCCESS;
  }

  static ssh_channel open_session(ssh_session session, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    if (c->channel) return nullptr;  // one view per connection
    c->channel = ssh_channel_new(session);
    ssh_callbacks_init(&c->channel_cb);
    c->channel_cb.userdata = c;
    c->channel_cb.channel_data_function = data;
    c->channel_cb.channel_eof_function = no_more_input;
    c->channel_cb.channel_close_function = gone;
    c->channel_cb.channel_pty_request_function = pty_request;
    c->channel_cb.channel_shell_request_function = shell_request;
    c->channel_cb.channel_pty_window_change_function = window_change;
    c->channel_cb.channel_exec_request_function = exec_request;
    c->channel_cb.channel_subsystem_request_function = subsystem_request;
    ssh_set_channel_callbacks(c->channel, &c->channel_cb);
    return c->channel;
  }

  static int pty_request(ssh_session, ssh_channel, const char*, int width, int height, int, int, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    c->cols = std::clamp(width, 1, screen::kMaxDimension);
    c->rows = std::clamp(height, 1, screen::kMaxDimension);
    return 0;
  }

  static int shell_request(ssh_session, ssh_channel, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    if (c->host) return 1;  // a host bootstraps; it has nothing to watch
    c->ready = true;
    SshServer* s = c->server;
    if (c->target && c->target->ended) {
      c->pending += c->target->end_message + "\r\n";
      c->closing = true;
      return 0;
    }
    if (c->role == Role::kNone) {
      // Told in plain words, but only after a random pause: guessing is slow.
      s->note_failure(ip_of(c->peer));
      uint32_t delay = kRefusalDelayMinMs + randombytes_uniform(kRefusalDelaySpreadMs + 1);
      c->timer.reset(evtimer_new(s->base_, SshServer::on_delayed_refusal, c));
      timeval tv{0, suseconds_t(delay * 1000)};
      evtimer_add(c->timer.get(), &tv);
      return 0;
    }
    c->announced = true;
    SshSession& t = *c->target;
    if (t.on_mate) t.on_mate(c->who(), c->role, true);
    if (t.on_mate_size) t.on_mate_size(c->who(), c->role, c->cols, c->rows);
    c->notice = c->role == Role::kReadOnly ? "tandem: read-only view of " + t.name + "'s session"
                                           : "tandem: you are in " + t.name + "'s session (read-write)";
    c->timer.reset(evtimer_new(s->base_, SshServer::on_notice_expired, c));
    timeval tv{time_t(kJoinNotice.count()), 0};
    evtimer_add(c->timer.get(), &tv);
    s->render(*c);
    return 0;
  }

  static int window_change(ssh_session, ssh_channel, int width, int height, int, int, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    c->cols = std::clamp(width, 1, screen::kMaxDimension);
    c->rows = std::clamp(height, 1, screen::kMaxDimension);
    c->shown.reset();  // another size: draw afresh
    SshServer* s = c->server;
    if (c->announced && c->target->on_mate_size) c->target->on_mate_size(c->who(), c->role, c->cols, c->rows);
    s->render(*c);
    return 0;
  }

  static int exec_request(ssh_session, ssh_channel, const char*, void*) { return 1; }  // a view, not a shell

  // `tandem join`: hands over a UDP link for this mate, then closes. A host sends
  // its request first (see data()).
  static int subsystem_request(ssh_session, ssh_channel, const char* name, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    SshServer* s = c->server;
    if (!name || std::string_view(name) != "tandem") return 1;
    if (c->host) return s->callbacks_.on_host ? 0 : 1;
    if (c->role == Role::kNone) {
      s->note_failure(ip_of(c->peer));
      return 1;
    }
    if (c->target->ended || !c->target->on_bootstrap) return 1;
    std::optional<std::string> reply = c->target->on_bootstrap(c->role, c->who());
    if (!reply) return 1;
    c->pending += *reply;
    c->closing = true;
    return 0;
  }

  static int data(ssh_session, ssh_channel, void* bytes, uint32_t len, int is_stderr, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    std::string_view in(static_cast<const char*>(bytes), len);
    if (c->host) {
      c->server->host_request(*c, in);
    } else if (!is_stderr && c->role == Role::kReadWrite && c->target->on_input && !c->target->ended && c->ready) {
      c->target->on_input(in);
    }
    return int(len);  // a read-only mate's keystrokes are consumed and dropped here
  }

  static void gone(ssh_session, ssh_channel, void* userdata) { static_cast<Connection*>(userdata)->dead = true; }
  // The mate sends no more (its stdin ended); it may still be watching.
  static void no_more_input(ssh_session, ssh_channel, void*) {}
};

std::string key_fingerprint(ssh_key key) {
  std::string out;
  unsigned char* hash = nullptr;
  size_t len = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) == 0) {
    char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    if (fp) out = fp;
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
  }
  return out;
}

bool read_allowed_keys(const std::string& path, std::set<std::string>& out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "cannot read " + path;
    return false;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream words(line);
    std::string type, b64;
    if (!(words >> type) || type[0] == '#') continue;
    words >> b64;
    ssh_key key = nullptr;
    if (ssh_pki_import_pubkey_base64(b64.c_str(), ssh_key_type_from_name(type.c_str()), &key) != SSH_OK) {
      if (error) *error = path + ":" + std::to_string(n) + ": not a public key";
      return false;
    }
    out.insert(key_fingerprint(key));
    ssh_key_free(key);
  }
  if (out.empty() && error) *error = path + " lists no keys";
  return !out.empty();
}

SshServer::SshServer(event_base* base, SshServerCallbacks callbacks) : base_(base), callbacks_(std::move(callbacks)) {}

std::unique_ptr<SshServer> SshServer::open(event_base* base, const transport::Address& listen, ssh_key host_key,
                                           SshServerCallbacks callbacks, std::string* error) {
  std::unique_ptr<ssh_key_struct, void (*)(ssh_key)> key(host_key, ssh_key_free);
  if (sodium_init() < 0) {
    if (error) *error = "libsodium cannot start";
    return nullptr;
  }
  std::unique_ptr<SshServer> s(new SshServer(base, std::move(callbacks)));
  s->listen_fd_ = socket(listen.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(s->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (s->listen_fd_ < 0 || ::bind(s->listen_fd_, listen.sockaddr_ptr(), listen.length()) != 0 ||
      ::listen(s->listen_fd_, 64) != 0) {
    if (error) *error = "cannot listen on " + listen.to_string() + ": " + std::strerror(errno);
    return nullptr;
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  s->port_ = transport::Address(reinterpret_cast<sockaddr*>(&ss), len).port();

  if (!key) {
    ssh_key fresh = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &fresh) != SSH_OK) {
      if (error) *error = "cannot generate a host key";
      return nullptr;
    }
    key.reset(fresh);
  }
  s->fingerprint_ = key_fingerprint(key.get());
  s->bind_ = ssh_bind_new();
  bool no = false;
  ssh_bind_options_set(s->bind_, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
  if (ssh_bind_options_set(s->bind_, SSH_BIND_OPTIONS_IMPORT_KEY, key.get()) != SSH_OK) {
    if (error) *error = "cannot use the host key";
    return nullptr;
  }
  key.release();  // the bind owns it now
  s->listen_event_.reset(event_new(base, s->listen_fd_, EV_READ | EV_PERSIST, on_listen, s.get()));
  event_add(s->listen_event_.get(), nullptr);
  s->reap_event_.reset(evtimer_new(base, on_reap, s.get()));
  return s;
}

SshServer::~SshServer() {
  connections_.clear();
  listen_event_.reset();
  if (listen_fd_ >= 0) close(listen_fd_);
  if (bind_) ssh_bind_free(bind_);
}

size_t SshServer::mates(const SshSession* session) const {
  return size_t(std::count_if(connections_.begin(), connections_.end(), [&](const auto& c) {
    return c->announced && !c->dead && (!session || c->target.get() == session);
  }));
}

std::vector<MateInfo> SshServer::mate_list(const SshSession& session) const {
  std::vector<MateInfo> out;
  for (const auto& c : connections_) {
    if (c->announced && !c->dead && c->target.get() == &session) out.push_back(MateInfo{c->who(), c->role, "ssh"});
  }
  return out;
}

void SshServer::grant(Connection& c, const char* user) {
  c.user = user ? user : "";
  Grant g = callbacks_.authorize ? callbacks_.authorize(c.user) : Grant{};
  c.target = g.session;
  c.role = g.session ? g.role : Role::kNone;
}

void SshServer::host_request(Connection& c, std::string_view bytes) {
  if (c.closing || !callbacks_.on_host) return;
  c.request.append(bytes);
  if (c.request.size() < proto::kFrameHeaderBytes) return;
  const uint32_t size = proto::frame_length(c.request.data());
  if (size > kMaxHostRequestBytes) {
    log("relay: %s: a host's request of %u bytes is too large; closed\n", c.peer.c_str(), size);
    c.dead = true;
    return;
  }
  if (c.request.size() < proto::kFrameHeaderBytes + size_t(size)) return;
  c.pending +=
      callbacks_.on_host(c.host_key, c.peer, std::string_view(c.request).substr(proto::kFrameHeaderBytes, size));
  c.request.clear();
  c.closing = true;
}

void SshServer::accept_all() {
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    std::string peer = transport::Address(reinterpret_cast<sockaddr*>(&ss), len).to_string();
    int one = 1;  // keystrokes and small frames: no Nagle delay
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (blocked(ip_of(peer))) {
      close(fd);
      continue;
    }
    auto c = std::make_unique<Connection>();
    c->server = this;
    c->peer = std::move(peer);
    c->session = ssh_new();
    if (ssh_bind_accept_fd(bind_, c->session, fd) != SSH_OK) {
      close(fd);
      continue;
    }
    ssh_set_blocking(c->session, 0);
    ssh_callbacks_init(&c->server_cb);
    c->server_cb.userdata = c.get();
    c->server_cb.auth_none_function = ConnectionCallbacks::auth_none;
    c->server_cb.auth_pubkey_function = ConnectionCallbacks::auth_pubkey;
    c->server_cb.channel_open_request_session_function = ConnectionCallbacks::open_session;
    ssh_set_server_callbacks(c->session, &c->server_cb);
    ssh_set_auth_methods(c->session, SSH_AUTH_METHOD_NONE | SSH_AUTH_METHOD_PUBLICKEY);
    // libssh creates the session's poll context in the first key-exchange call; only
    // then can the session join an ssh_event.
    if (ssh_handle_key_exchange(c->session) == SSH_ERROR) {
      log("relay: %s: SSH handshake failed (%s); closed\n", c->peer.c_str(), ssh_get_error(c->session));
      continue;
    }
    c->poll = ssh_event_new();
    if (ssh_event_add_session(c->poll, c->session) != SSH_OK) continue;
    c->readable.reset(event_new(base_, fd, EV_READ | EV_PERSIST, on_socket, c.get()));
    c->writable.reset(event_new(base_, fd, EV_WRITE | EV_PERSIST, on_socket, c.get()));
    event_add(c->readable.get(), nullptr);
    Connection& ref = *c;
    connections_.push_back(std::move(c));
    service(ref);
  }
}

void SshServer::service(Connection& c) {
  if (c.dead) return;
  if (!c.kex_done) {
    int rc = ssh_handle_key_exchange(c.session);
    if (rc == SSH_OK) {
      c.kex_done = true;
    } else if (rc == SSH_ERROR) {
      log("relay: %s: SSH handshake failed (%s); closed\n", c.peer.c_str(), ssh_get_error(c.session));
      c.dead = true;
    }
  }
  if (c.kex_done && !c.dead && ssh_event_dopoll(c.poll, 0) == SSH_ERROR) c.dead = true;
  // The peer hung up (its TCP connection closed): libssh notes it in the status.
  if (!c.dead && (ssh_get_status(c.session) & (SSH_CLOSED | SSH_CLOSED_ERROR))) c.dead = true;
  if (!c.dead) {
    // libssh 0.10 does not say when the peer's window reopens: try after every poll.
    flush(c);
    if (c.dirty && c.pending.empty()) render(c);
    if (c.closing && c.pending.empty() && c.channel && !ssh_channel_is_closed(c.channel)) {
      ssh_channel_request_send_exit_status(c.channel, 0);
      ssh_channel_send_eof(c.channel);
      ssh_channel_close(c.channel);
    }
    if (ssh_get_poll_flags(c.session) & SSH_WRITE_PENDING) {
      event_add(c.writable.get(), nullptr);
    } else {
      event_del(c.writable.get());
    }
  }
  if (c.dead) {
    event_del(c.readable.get());  // libssh may already have closed the socket
    event_del(c.writable.get());
    timeval now{0, 0};
    evtimer_add(reap_event_.get(), &now);
  }
}

void SshServer::render(Connection& c) {
  if (!c.ready || c.role == Role::kNone || !c.target || !c.target->screen || c.closing) return;
  if (!c.pending.empty()) {
    c.dirty = true;  // draw the newest frame once this one is out, skipping those between
    return;
  }
  screen::ScreenState frame = c.target->screen->fitted(c.cols, c.rows);
  if (!c.notice.empty()) screen::overlay_notice(frame, c.notice);
  display_.append(c.shown.get(), frame, c.pending);
  c.shown = std::make_unique<screen::ScreenState>(std::move(frame));
  c.dirty = false;
  flush(c);
}

void SshServer::flush(Connection& c) {
  while (!c.pending.empty() && c.channel && !c.dead) {
    uint32_t window = ssh_channel_window_size(c.channel);
    if (window == 0) return;
    size_t n = std::min<size_t>({c.pending.size(), window, 32768});
    int written = ssh_channel_write(c.channel, c.pending.data(), uint32_t(n));
    if (written == SSH_ERROR) {
      c.dead = true;
      return;
    }
    if (written <= 0) return;
    c.pending.erase(0, size_t(written));
  }
}

void SshServer::publish(const SshSession& session) {
  for (auto& c : connections_) {
    if (c->target.get() != &session) continue;
    render(*c);
    if (!c->dead && c->session) {
      if (ssh_get_poll_flags(c->session) & SSH_WRITE_PENDING) event_add(c->writable.get(), nullptr);
    }
  }
}

void SshServer::end_session(SshSession& session) {
  session.ended = true;
  for (auto& c : connections_) {
    if (c->target.get() != &session || !c->ready || c->dead || c->closing) continue;
    c->pending += "\x1b[m\x1b[" + std::to_string(c->rows) + ";1H\r\n" + session.end_message + "\r\n";
    c->closing = true;
    service(*c);
  }
}

void SshServer::reap() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection& c = **it;
    if (!c.dead) {
      ++it;
      continue;
    }
    if (c.announced && c.target && c.target->on_mate) c.target->on_mate(c.who(), c.role, false);
    it = connections_.erase(it);
  }
}

void SshServer::note_failure(const std::string& ip) {
  const uint64_t now = transport::now_ms();
  if (failures_.size() >= kMaxTrackedAddresses) {
    std::erase_if(failures_, [&](const auto& kv) { return now - kv.second.since_ms >= kFailureWindowMs; });
    if (failures_.size() >= kMaxTrackedAddresses) failures_.clear();
  }
  Failures& f = failures_[ip];
  if (f.count == 0 || now - f.since_ms >= kFailureWindowMs) f = Failures{0, now};
  ++f.count;
}

bool SshServer::blocked(const std::string& ip) {
  auto it = failures_.find(ip);
  if (it == failures_.end()) return false;
  if (transport::now_ms() - it->second.since_ms >= kFailureWindowMs) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= kMaxFailuresPerWindow;
}

void SshServer::on_delayed_refusal(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  c->pending += "tandem: there is no session with this token; check the link you were given.\r\n";
  c->closing = true;
  c->server->service(*c);
}

void SshServer::on_notice_expired(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  c->notice.clear();
  c->server->render(*c);
  c->server->service(*c);
}

void SshServer::on_listen(evutil_socket_t, short, void* arg) { static_cast<SshServer*>(arg)->accept_all(); }

void SshServer::on_socket(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  c->server->service(*c);
}

void SshServer::on_reap(evutil_socket_t, short, void* arg) { static_cast<SshServer*>(arg)->reap(); }

}  // namespace tandem::relay
