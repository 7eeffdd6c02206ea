#include "relay/ssh/listener.h"

#include <libssh/callbacks.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "relay/log.h"

namespace tandem::ssh {
namespace {

constexpr int kMaxAcceptsPerWakeup = 64;
constexpr int kListenBacklog = 64;
constexpr size_t kMaxWriteBytes = 32768;  // per channel write
constexpr auto kOutOfFdsPause = std::chrono::milliseconds(250);
constexpr size_t kMaxTermName = 64;  // TERM and COLORTERM values kept

// A mate's terminal costs the relay its cells on every full draw: bounded by cells.
Size clamp_size(int cols, int rows) { return Size::bounded(cols, rows); }

}  // namespace

// libssh's callbacks, each forwarding to the connection named by `userdata`.
struct Callbacks {
  static Connection& of(void* userdata) { return *static_cast<Connection*>(userdata); }

  static int auth_none(ssh_session, const char* user, void* userdata) {
    return of(userdata).handler_->auth_none(user ? user : "") ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
  }

  static int auth_pubkey(ssh_session, const char* user, ssh_key key, char state, void* userdata) {
    if (state != SSH_PUBLICKEY_STATE_NONE && state != SSH_PUBLICKEY_STATE_VALID) return SSH_AUTH_DENIED;
    const bool ok = of(userdata).handler_->auth_key(user ? user : "", key_fingerprint(key),
                                                    state == SSH_PUBLICKEY_STATE_VALID);
    return ok ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
  }

  static ssh_channel open_session(ssh_session session, void* userdata) {
    Connection& c = of(userdata);
    if (c.channel_) return nullptr;  // one channel per connection
    c.channel_.reset(ssh_channel_new(session));
    ssh_callbacks_init(&c.channel_cb_);
    c.channel_cb_.userdata = &c;
    c.channel_cb_.channel_data_function = data;
    c.channel_cb_.channel_close_function = gone;
    c.channel_cb_.channel_pty_request_function = pty_request;
    c.channel_cb_.channel_env_request_function = env_request;
    c.channel_cb_.channel_shell_request_function = shell_request;
    c.channel_cb_.channel_pty_window_change_function = window_change;
    c.channel_cb_.channel_exec_request_function = exec_request;
    c.channel_cb_.channel_subsystem_request_function = subsystem_request;
    ssh_set_channel_callbacks(c.channel_.get(), &c.channel_cb_);
    return c.channel_.get();
  }

  static int pty_request(ssh_session, ssh_channel, const char* term, int width, int height, int, int,
                         void* userdata) {
    Connection& c = of(userdata);
    c.pty_size_ = clamp_size(width, height);
    if (term) c.term_ = std::string(term).substr(0, kMaxTermName);
    return 0;
  }

  // Only COLORTERM is taken (it says whether the mate's terminal has true colour); any
  // other variable is refused, as a view runs no program to give it to.
  static int env_request(ssh_session, ssh_channel, const char* name, const char* value, void* userdata) {
    if (!name || !value || std::string_view(name) != "COLORTERM") return -1;
    of(userdata).colorterm_ = std::string(value).substr(0, kMaxTermName);
    return 0;
  }

  static int shell_request(ssh_session, ssh_channel, void* userdata) {
    Connection& c = of(userdata);
    if (!c.handler_->shell()) return 1;
    c.used();
    return 0;
  }

  static int window_change(ssh_session, ssh_channel, int width, int height, int, int, void* userdata) {
    Connection& c = of(userdata);
    c.pty_size_ = clamp_size(width, height);
    c.handler_->resized(c.pty_size_);
    return 0;
  }

  static int exec_request(ssh_session, ssh_channel, const char*, void*) { return 1; }  // a view, not a shell

  static int subsystem_request(ssh_session, ssh_channel, const char* name, void* userdata) {
    Connection& c = of(userdata);
    if (!c.handler_->subsystem(name ? name : "")) return 1;
    c.used();
    return 0;
  }

  static int data(ssh_session, ssh_channel, void* bytes, uint32_t len, int is_stderr, void* userdata) {
    Connection& c = of(userdata);
    if (is_stderr || c.state_ != Connection::State::kOpen) return int(len);  // dropped
    return int(c.handler_->data(std::string_view(static_cast<const char*>(bytes), len)));
  }

  static void gone(ssh_session, ssh_channel, void* userdata) { of(userdata).state_ = Connection::State::kDead; }
};

// ---- Connection ----

Connection::~Connection() {
  // The events go first: libssh closes the socket, and an event on a closed fd
  // would leave the loop's poller out of step.
  readable_.reset();
  writable_.reset();
  soon_.reset();
  deadline_.reset();
  channel_.reset();
  if (poll_ && session_) ssh_event_remove_session(poll_.get(), session_.get());
  poll_.reset();
  session_.reset();
}

void Connection::send(std::string_view bytes) {
  if (state_ != State::kOpen) return;
  pending_.append(bytes);
  // Written from the loop, not here: a handler may send from inside libssh's own
  // callbacks (before libssh has answered the request that led to it).
  soon_->start_if_idle(std::chrono::milliseconds(0));
}

void Connection::watch_writes() {
  if (state_ == State::kDead || !session_) return;
  if (ssh_get_poll_flags(session_.get()) & SSH_WRITE_PENDING) {
    writable_->enable();
  } else {
    writable_->disable();
  }
}

void Connection::close_after_flush(int exit_status) {
  if (state_ != State::kOpen) return;
  state_ = State::kClosing;
  exit_status_ = exit_status;
  soon_->start(std::chrono::milliseconds(0));
}

void Connection::kill() {
  state_ = State::kDead;
  service();
}

void Connection::used() { deadline_->stop(); }

void Connection::banner(std::string_view text) {
  ssh_string s = ssh_string_new(text.size());
  if (!s) return;
  ssh_string_fill(s, text.data(), text.size());
  ssh_send_issue_banner(session_.get(), s);
  ssh_string_free(s);
}

std::string Connection::read_unread(size_t max) {
  std::string out(max, '\0');
  // With data waiting in its buffer, libssh reads it without handling packets (no
  // callback runs from in here), and reopens the peer's window as it goes.
  const int n = channel_ && state_ == State::kOpen
                    ? ssh_channel_read_nonblocking(channel_.get(), out.data(), uint32_t(max), 0)
                    : 0;
  out.resize(n > 0 ? size_t(n) : 0);
  return out;
}

void Connection::flush() {
  while (!pending_.empty() && channel_ && state_ != State::kDead) {
    // What libssh has not yet got onto the socket stays there: a peer that stops
    // reading is owed one write more, whatever window it advertises.
    if (ssh_get_poll_flags(session_.get()) & SSH_WRITE_PENDING) return;
    const uint32_t window = ssh_channel_window_size(channel_.get());
    if (window == 0) return;
    const size_t n = std::min<size_t>({pending_.size(), window, kMaxWriteBytes});
    const int written = ssh_channel_write(channel_.get(), pending_.data(), uint32_t(n));
    if (written == SSH_ERROR) {
      state_ = State::kDead;
      return;
    }
    if (written <= 0) return;
    pending_.erase(0, size_t(written));
  }
}

void Connection::service() {
  if (state_ == State::kHandshake) {
    const int rc = ssh_handle_key_exchange(session_.get());
    if (rc == SSH_OK) {
      state_ = State::kOpen;
    } else if (rc == SSH_ERROR) {
      relay::log("relay: %s: SSH handshake failed (%s); closed\n", peer_.c_str(), ssh_get_error(session_.get()));
      state_ = State::kDead;
    }
  }
  if (state_ != State::kHandshake && state_ != State::kDead && ssh_event_dopoll(poll_.get(), 0) == SSH_ERROR) {
    state_ = State::kDead;
  }
  // The peer hung up (its TCP connection closed): libssh notes it in the status.
  if (state_ != State::kDead && (ssh_get_status(session_.get()) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
    state_ = State::kDead;
  }
  if (state_ == State::kOpen || state_ == State::kClosing) {
    // libssh 0.10 does not say when the peer's window reopens: try after every poll.
    flush();
    if (pending_.empty() && state_ == State::kOpen) handler_->drained();
    flush();
    if (state_ == State::kClosing && pending_.empty() && channel_ && !ssh_channel_is_closed(channel_.get())) {
      ssh_channel_request_send_exit_status(channel_.get(), exit_status_);
      ssh_channel_send_eof(channel_.get());
      ssh_channel_close(channel_.get());
    }
  }
  if (state_ == State::kDead) {
    readable_->disable();  // libssh may already have closed the socket
    writable_->disable();
    listener_.reaper_.start(std::chrono::milliseconds(0));
  } else {
    watch_writes();
  }
}

// ---- Listener ----

Listener::Listener(event_base* base, HandlerFactory handlers, ListenerLimits limits)
    : base_(base),
      handlers_(std::move(handlers)),
      limits_(limits),
      reaper_(base, [this] { reap(); }),
      resume_(base, [this] { accepting_->enable(); }) {}

Listener::~Listener() {
  for (auto& c : connections_) {
    if (c->handler_) c->handler_->closed();
  }
  connections_.clear();
  accepting_.reset();
}

std::string Connection::local_host() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int fd = session_ ? ssh_get_fd(session_.get()) : -1;
  if (fd < 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return transport::Address(reinterpret_cast<sockaddr*>(&ss), len).host();
}

std::unique_ptr<Listener> Listener::open(event_base* base, const transport::Address& listen, ssh_key host_key,
                                         ssh_key rsa_key, HandlerFactory handlers, ListenerLimits limits,
                                         std::string* error) {
  KeyPtr key(host_key), rsa(rsa_key);
  if (sodium_init() < 0) {
    if (error) *error = "libsodium cannot start";
    return nullptr;
  }
  std::unique_ptr<Listener> l(new Listener(base, std::move(handlers), limits));
  l->fd_.reset(socket(listen.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  int one = 1;
  if (l->fd_) setsockopt(l->fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!l->fd_ || ::bind(l->fd_.get(), listen.sockaddr_ptr(), listen.length()) != 0 ||
      ::listen(l->fd_.get(), kListenBacklog) != 0) {
    if (error) *error = "cannot listen on " + listen.to_string() + ": " + std::strerror(errno);
    return nullptr;
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(l->fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  l->port_ = transport::Address(reinterpret_cast<sockaddr*>(&ss), len).port();

  if (!key) {
    ssh_key fresh = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &fresh) != SSH_OK) {
      if (error) *error = "cannot generate a host key";
      return nullptr;
    }
    key.reset(fresh);
  }
  l->fingerprint_ = key_fingerprint(key.get());
  l->bind_.reset(ssh_bind_new());
  bool no = false;
  ssh_bind_options_set(l->bind_.get(), SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
  if (ssh_bind_options_set(l->bind_.get(), SSH_BIND_OPTIONS_IMPORT_KEY, key.get()) != SSH_OK) {
    if (error) *error = "cannot use the host key";
    return nullptr;
  }
  key.release();  // the bind owns it now
  if (rsa) {
    if (ssh_key_type(rsa.get()) != SSH_KEYTYPE_RSA ||
        ssh_bind_options_set(l->bind_.get(), SSH_BIND_OPTIONS_IMPORT_KEY, rsa.get()) != SSH_OK) {
      if (error) *error = "cannot use the RSA host key";
      return nullptr;
    }
    l->rsa_fingerprint_ = key_fingerprint(rsa.get());
    rsa.release();
  }
  Listener* raw = l.get();
  l->accepting_ = std::make_unique<transport::Watch>(base, l->fd_.get(), transport::Watch::For::kRead,
                                                     [raw] { raw->accept_all(); });
  return l;
}

void Listener::accept_all() {
  ++counters_.wakeups;
  for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    transport::UniqueFd fd(accept4(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) {
      if (errno == EMFILE || errno == ENFILE) {
        // The connection waits in the backlog; the listen socket stays readable, so
        // accepting pauses instead of spinning.
        if (counters_.pauses++ == 0) relay::log("relay: out of file descriptors; accepting pauses a moment\n");
        accepting_->disable();
        resume_.start(kOutOfFdsPause);
      }
      return;
    }
    int one = 1;  // keystrokes and small frames: no Nagle delay
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::unique_ptr<Connection> c(new Connection(*this, transport::Address(reinterpret_cast<sockaddr*>(&ss), len)));
    if (!admit(*c)) continue;
    ++counters_.accepted;
    c->session_.reset(ssh_new());
    const int raw_fd = fd.get();
    if (ssh_bind_accept_fd(bind_.get(), c->session_.get(), raw_fd) != SSH_OK) continue;
    fd.release();  // the session owns the socket now
    ssh_set_blocking(c->session_.get(), 0);
    ssh_callbacks_init(&c->server_cb_);
    c->server_cb_.userdata = c.get();
    c->server_cb_.auth_none_function = Callbacks::auth_none;
    c->server_cb_.auth_pubkey_function = Callbacks::auth_pubkey;
    c->server_cb_.channel_open_request_session_function = Callbacks::open_session;
    ssh_set_server_callbacks(c->session_.get(), &c->server_cb_);
    ssh_set_auth_methods(c->session_.get(), SSH_AUTH_METHOD_NONE | SSH_AUTH_METHOD_PUBLICKEY);
    // libssh creates the session's poll context in the first key-exchange call; only
    // then can the session join an ssh_event.
    if (ssh_handle_key_exchange(c->session_.get()) == SSH_ERROR) {
      relay::log("relay: %s: SSH handshake failed (%s); closed\n", c->peer_.c_str(), ssh_get_error(c->session_.get()));
      continue;
    }
    c->poll_.reset(ssh_event_new());
    if (ssh_event_add_session(c->poll_.get(), c->session_.get()) != SSH_OK) continue;
    Connection* conn = c.get();
    c->handler_ = handlers_(*c);
    c->readable_ = std::make_unique<transport::Watch>(base_, raw_fd, transport::Watch::For::kRead,
                                                      [conn] { conn->service(); });
    c->writable_ = std::make_unique<transport::Watch>(base_, raw_fd, transport::Watch::For::kWrite,
                                                      [conn] { conn->service(); }, false);
    c->soon_ = std::make_unique<transport::Timer>(base_, [conn] { conn->service(); });
    c->deadline_ = std::make_unique<transport::Timer>(base_, [this, conn] {
      ++counters_.timed_out;
      relay::log("relay: %s: no shell or subsystem within %lld s; closed\n", conn->peer_.c_str(),
                 (long long)std::chrono::duration_cast<std::chrono::seconds>(limits_.until_used).count());
      conn->kill();
    });
    c->deadline_->start(limits_.until_used);
    connections_.push_back(std::move(c));
    conn->service();
  }
}

// Whether there is room for one more connection, in all and from its address.
bool Listener::admit(const Connection& c) {
  if (connections_.size() >= limits_.max_connections) {
    ++counters_.refused_full;
    return false;
  }
  const std::string ip = c.ip();
  const size_t from_there =
      size_t(std::count_if(connections_.begin(), connections_.end(), [&](const auto& x) { return x->ip() == ip; }));
  if (from_there >= limits_.max_per_address) {
    ++counters_.refused_address;
    return false;
  }
  return true;
}

void Listener::reap() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if ((*it)->state_ != Connection::State::kDead) {
      ++it;
      continue;
    }
    (*it)->handler_->closed();
    it = connections_.erase(it);
  }
}

}  // namespace tandem::ssh
