#include "src/host/tmate_backend.h"

#include "proto/overloaded.h"

#include <libssh/libssh.h>
#include <fcntl.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdlib>
#include <variant>

#include "proto/tmate/keys.h"
#include "src/config.h"

namespace tandem {

namespace out = tmate::out;
namespace in = tmate::in;

namespace {

constexpr long kTimeoutSeconds = 15;
constexpr int64_t kPane = 0;  // the one pane of the one window the relay is shown

// The relay's key must be one the config pins; with none pinned, the one remembered
// for it (trusted on first use).
bool key_is_pinned(const std::string& name, const std::string& seen, const std::vector<std::string>& pinned) {
  if (!pinned.empty()) return std::find(pinned.begin(), pinned.end(), seen) != pinned.end();
  std::string known = known_relay(name);
  if (known.empty()) {
    remember_relay(name, seen);
    return true;
  }
  return known == seen;
}

// Connects as tmate does (user "tmate", no key if the relay takes none) and opens the
// "tmate" subsystem. Blocking.
TmateConnection connect_tmate(const std::string& host, uint16_t port, const std::vector<std::string>& pinned,
                              const std::string& identity_file) {
  TmateConnection c;
  const std::string name = host + ":" + std::to_string(port);
  ssh::SessionPtr s(ssh_new());
  bool no = false;
  long timeout = kTimeoutSeconds;
  unsigned int port_number = port;
  int nodelay = 1;
  ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &no);
  ssh_options_set(s.get(), SSH_OPTIONS_HOST, host.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_PORT, &port_number);
  ssh_options_set(s.get(), SSH_OPTIONS_USER, tmate::kHostUser);
  ssh_options_set(s.get(), SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(s.get(), SSH_OPTIONS_NODELAY, &nodelay);
  ssh_options_set(s.get(), SSH_OPTIONS_COMPRESSION, "yes");  // as tmate: history is text
  if (const char* home = std::getenv("HOME"); home && *home) {
    ssh_options_set(s.get(), SSH_OPTIONS_SSH_DIR, (std::string(home) + "/.ssh").c_str());
  }
  if (ssh_connect(s.get()) != SSH_OK) {
    c.error = "cannot reach the relay at " + name + ": " + ssh_get_error(s.get());
    return c;
  }
  // libssh leaves its socket open across exec: the session's shell must not hold the
  // relay's connection (it would outlive ours, and confuse the event loop's epoll).
  if (const int fd = ssh_get_fd(s.get()); fd >= 0) fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
  ssh_key raw = nullptr;
  std::string seen;
  if (ssh_get_server_publickey(s.get(), &raw) == SSH_OK) {
    ssh::KeyPtr key(raw);
    seen = ssh::key_fingerprint(key.get());
  }
  if (seen.empty() || !key_is_pinned(name, seen, pinned)) {
    c.error = "the relay at " + name + " has key " + seen + ", not the one pinned (" +
              (pinned.empty() ? std::string("in known_relays") : pinned.front()) +
              "): refusing to share through it (someone may be in the middle; if its key really changed, fix "
              "the fingerprint in ~/.tmate.conf or the config)";
    return c;
  }
  if (ssh_userauth_none(s.get(), nullptr) != SSH_AUTH_SUCCESS) {
    bool in = false;
    if (!identity_file.empty()) {
      ssh_key key = nullptr;
      if (ssh_pki_import_privkey_file(identity_file.c_str(), nullptr, nullptr, nullptr, &key) == SSH_OK) {
        ssh::KeyPtr owned(key);
        in = ssh_userauth_publickey(s.get(), nullptr, key) == SSH_AUTH_SUCCESS;
      }
    } else {
      in = ssh_userauth_publickey_auto(s.get(), nullptr, nullptr) == SSH_AUTH_SUCCESS;
    }
    if (!in) {
      c.error = "the relay at " + name + " did not let us in (it wants an SSH key it knows)";
      return c;
    }
  }
  ssh::ChannelPtr ch(ssh_channel_new(s.get()));
  if (!ch || ssh_channel_open_session(ch.get()) != SSH_OK ||
      ssh_channel_request_subsystem(ch.get(), tmate::kSubsystem) != SSH_OK) {
    c.error = "the relay at " + name + " offers neither tandem nor tmate sessions";
    return c;
  }
  c.session = std::move(s);
  c.channel = std::move(ch);
  return c;
}

// The display the relay's pane emulator (tmux 2.x) reads well.
screen::DisplayOptions tmux_display() {
  screen::DisplayOptions o;
  o.colors = 256;
  o.styled_underline = false;
  o.underline_color = false;
  o.hyperlinks = false;
  return o;
}

}  // namespace

TmateBackend::TmateBackend(event_base* base, const BackendOptions& options, BackendEvents events)
    : base_(base),
      events_(std::move(events)),
      host_(options.config.relay_host),
      port_(options.config.relay_port),
      identity_file_(options.config.identity_file),
      history_(options.history),
      backoff_(2000, 30000),
      retry_(base, [this] { reconnect(); }),
      frame_timer_(base, [this] { send_frame(); }),
      display_(tmux_display()),
      pacer_(base, [this] { schedule_frame(); }),
      latest_(options.size.cols, options.size.rows, 0) {
  fingerprints_ = options.config.tmate_fingerprints;
  if (!options.config.relay_fingerprint.empty()) fingerprints_.push_back(options.config.relay_fingerprint);
}

TmateBackend::~TmateBackend() = default;

std::unique_ptr<RelayBackend> TmateBackend::open(event_base* base, const BackendOptions& options, BackendEvents events,
                                                 std::string* error) {
  std::unique_ptr<TmateBackend> b(new TmateBackend(base, options, std::move(events)));
  const std::string from = " (from " + options.config.relay_from + ")";
  TmateConnection c = connect_tmate(b->host_, b->port_, b->fingerprints_, b->identity_file_);
  if (!b->attach(std::move(c), error)) {
    *error = "cannot share through the tmate relay " + b->relay_name() + from + ": " + *error;
    return nullptr;
  }
  const uint64_t start = transport::now_ms();
  while (!b->ready_ && b->channel_ && transport::now_ms() - start < kReadyWithinMs) {
    transport::run_loop_for(base, std::chrono::milliseconds(20));
  }
  if (!b->ready_) {
    *error = "the tmate relay " + b->relay_name() + from + " did not give the session's links";
    return nullptr;
  }
  return b;
}

bool TmateBackend::attach(TmateConnection c, std::string* error) {
  if (!c.session) {
    *error = c.error;
    return false;
  }
  session_ = std::move(c.session);
  channel_ = std::move(c.channel);
  ssh_set_blocking(session_.get(), 0);
  const int fd = ssh_get_fd(session_.get());
  readable_ = std::make_unique<transport::Watch>(base_, fd, transport::Watch::For::kRead, [this] { service(); });
  writable_ = std::make_unique<transport::Watch>(base_, fd, transport::Watch::For::kWrite, [this] { service(); }, false);
  framer_ = tmate::MsgpackFramer(1024 * 1024);
  heard_at_ = transport::now_ms();
  greet();
  service();
  return true;
}

// What a tmate 2.4 host sends first: who it is, then (on a reconnect) its way back,
// READY, the layout, and the whole screen.
void TmateBackend::greet() {
  send(out::Header{});
  if (!reconnection_data_.empty()) send(out::Reconnect{reconnection_data_});
  utsname u{};
  if (uname(&u) == 0) send(out::Uname{{u.sysname, u.nodename, u.release, u.version, u.machine}});
  send(out::Ready{});
  shown_.reset();
  send_frame();
}

void TmateBackend::send(const out::Message& m) {
  out_ += out::encode(m);
}

void TmateBackend::flush() {
  while (channel_ && !out_.empty()) {
    const uint32_t window = ssh_channel_window_size(channel_.get());
    if (window == 0) break;
    const uint32_t n = uint32_t(std::min<size_t>({out_.size(), window, 32 * 1024}));
    const int wrote = ssh_channel_write(channel_.get(), out_.data(), n);
    if (wrote == SSH_ERROR) return lost(std::string("cannot write to the relay: ") + ssh_get_error(session_.get()));
    if (wrote <= 0) break;
    out_.erase(0, size_t(wrote));
    bytes_sent_ += uint64_t(wrote);
  }
}

void TmateBackend::service() {
  if (!channel_) return;
  read_all();
  if (!channel_) return;
  flush();
  if (!channel_) return;
  if (ssh_blocking_flush(session_.get(), 0) == SSH_ERROR) return lost("the relay's connection broke");
  const bool pending = (ssh_get_poll_flags(session_.get()) & SSH_WRITE_PENDING) != 0;
  if (pending || !out_.empty()) {
    writable_->enable();
  } else {
    writable_->disable();
  }
  if (ending_ && out_.empty() && !pending) ended_ = true;
  if (!pending && out_.size() < kMaxQueued && frame_timer_.pending() == false) schedule_frame();
}

void TmateBackend::read_all() {
  char buf[16384];
  for (int i = 0; i < 64 && channel_; ++i) {
    const int n = ssh_channel_read_nonblocking(channel_.get(), buf, sizeof buf, 0);
    if (n == SSH_ERROR || n == SSH_EOF) return lost("the relay closed the connection");
    if (n == 0) {
      if (ssh_channel_is_eof(channel_.get()) || ssh_channel_is_closed(channel_.get()) ||
          !ssh_is_connected(session_.get())) {
        return lost("the relay closed the connection");
      }
      return;
    }
    heard_at_ = transport::now_ms();
    std::optional<DecodeError> e =
        framer_.feed(std::string_view(buf, size_t(n)), {.object = [this](std::string_view o) { message(o); },
                                                        .dropped = [](size_t) {}});
    if (e) return lost("the relay does not speak tmate's protocol (" + e->what + ")");
  }
}

void TmateBackend::message(std::string_view object) {
  std::variant<in::Message, DecodeError> decoded = in::decode(object);
  if (std::holds_alternative<DecodeError>(decoded)) return;  // tmate itself logs and goes on
  std::visit(overloaded{
                 [&](const in::Notify& n) {
                   // The links are shown as tandem shows them; other news in the relay's words.
                   for (const char* known : {"ssh session", "web session", "Note: clear your terminal"}) {
                     if (n.text.rfind(known, 0) == 0) return;
                   }
                   if (events_.on_notice) events_.on_notice("tmate relay: " + n.text);
                 },
                 [&](const in::SetEnv& e) {
                   if (e.name == "tmate_ssh") pending_links_.ssh_rw = e.value;
                   if (e.name == "tmate_ssh_ro") pending_links_.ssh_ro = e.value;
                   if (e.name == "tmate_reconnection_data") reconnection_data_ = e.value;
                 },
                 [&](const in::Ready&) {
                   const bool first = !ever_ready_;
                   const bool same = pending_links_ == links_;
                   links_ = pending_links_;
                   ready_ = ever_ready_ = true;
                   backoff_.reset();
                   lost_at_ = 0;
                   if (first) return;
                   if (events_.on_notice) {
                     events_.on_notice(same ? "tandem: back on the tmate relay; the links are the same"
                                            : "tandem: back on the tmate relay, which keeps no session: new links");
                   }
                   if (!same && events_.on_links_changed) events_.on_links_changed(links_);
                 },
                 [&](const in::Resize& r) {
                   if (!events_.on_mates_size) return;
                   if (r.cols <= 0 || r.rows <= 0) return events_.on_mates_size(std::nullopt);
                   events_.on_mates_size(Size{uint16_t(r.cols), uint16_t(r.rows)});
                 },
                 [&](const in::PaneKey& k) {
                   if (copy_) return copy_key(k.key);
                   const std::string bytes =
                       tmate::bytes_from_key(k.key, (latest_.modes & screen::mode::kAppCursor) != 0,
                                             (latest_.modes & screen::mode::kAppKeypad) != 0);
                   if (!bytes.empty() && events_.on_input) events_.on_input(bytes);
                 },
                 [&](const in::ExecCmd& c) {
                   // A mate's `C-b [`: scroll back through what the relay's pane holds.
                   if (!c.argv.empty() && c.argv[0] == "copy-mode") {
                     const bool up = std::find(c.argv.begin(), c.argv.end(), "-u") != c.argv.end();
                     copy_ = CopyMode{};
                     if (up) copy_->oy = shown_ ? std::min<int64_t>(shown_->rows(), relay_history()) : 0;
                     return send_copy_mode();
                   }
                   send(out::FailedCmd{c.client, "tandem shares one terminal: tmux commands are not taken"});
                 },
                 [&](const in::ExecCmdStr& c) {
                   send(out::FailedCmd{c.client, "tandem shares one terminal: tmux commands are not taken"});
                 },
             },
             std::get<in::Message>(decoded));
}

// How many lines the relay's pane has in its history: what our frames pushed there
// (tmate's relay keeps 2000).
int64_t TmateBackend::relay_history() const {
  return std::min<int64_t>(int64_t(history_sent_), 2000);
}

void TmateBackend::send_copy_mode() {
  out::SyncCopyMode m;
  m.pane = kPane;
  if (copy_) {
    m.on = true;
    m.backing_screen = true;
    m.oy = copy_->oy;
    m.cx = 0;
    m.cy = 0;
  }
  send(m);
  service();
}

// Keys while a tmate mate scrolls back: tmux's copy-mode moves (emacs and vi
// alike), q or Escape to leave; the program sees none of them.
void TmateBackend::copy_key(uint64_t key) {
  const int64_t page = shown_ ? std::max(1, shown_->rows() - 1) : 20, top = relay_history();
  int64_t& oy = copy_->oy;
  switch (key) {
    case 'q': case 0x1b: case 0x03:
      copy_.reset();
      return send_copy_mode();
    case tmate::key::kUp: case 'k': case 0x10: case 'y' & 0x1f: oy += 1; break;
    case tmate::key::kDown: case 'j': case 0x0e: case 'e' & 0x1f: oy -= 1; break;
    case tmate::key::kPageUp: case 0x02: case 'b' | tmate::key::kMeta: oy += page; break;
    case tmate::key::kPageDown: case 0x06: case ' ': oy -= page; break;
    case 'g': case tmate::key::kHome: case '<' | tmate::key::kMeta: oy = top; break;
    case 'G': case tmate::key::kEnd: case '>' | tmate::key::kMeta: oy = 0; break;
    default: return;
  }
  oy = std::clamp<int64_t>(oy, 0, top);
  send_copy_mode();
}

void TmateBackend::publish(const screen::ScreenState& screen) {
  latest_ = screen;
  schedule_frame();
}

void TmateBackend::schedule_frame() {
  if (!channel_ || frame_timer_.pending()) return;
  const uint64_t now = transport::now_ms();
  const uint64_t due = last_frame_ms_ + uint64_t(kFrameInterval.count());
  frame_timer_.start(std::chrono::milliseconds(due > now ? due - now : 0));
}

void TmateBackend::send_frame() {
  if (!channel_) return;
  if (out_.size() >= kMaxQueued || (ssh_get_poll_flags(session_.get()) & SSH_WRITE_PENDING)) return;  // drain first
  screen::ScreenState frame = latest_.with_scrollback(history_);
  const bool resized = !shown_ || shown_->cols() != frame.cols() || shown_->rows() != frame.rows();
  // The window is named after what runs in it (its title), as tmux names windows.
  std::string name = frame.title.empty() ? "tandem" : frame.title.substr(0, 32);
  if (resized || name != window_name_) {
    window_name_ = name;
    out::SyncLayout layout;
    layout.cols = frame.cols();
    layout.rows = frame.rows();
    layout.windows.push_back(out::Window{0, name, {out::Pane{kPane, frame.cols(), frame.rows(), 0, 0}}, kPane});
    layout.active_window = 0;
    send(layout);
  }
  if (shown_ && !resized) pacer_.pace(&*shown_, frame);
  std::string bytes;
  if (shown_ && resized) {
    display_.repaint(*shown_, frame, bytes);
  } else {
    display_.append(shown_ ? &*shown_ : nullptr, frame, bytes);
  }
  history_sent_ = frame.scrollback.total();
  shown_ = std::move(frame);
  shown_->scrollback.clear();  // only its count matters next time
  last_frame_ms_ = transport::now_ms();
  for (size_t at = 0; at < bytes.size(); at += tmate::kMaxPtyChunk) {
    send(out::PtyData{kPane, bytes.substr(at, tmate::kMaxPtyChunk)});
  }
  if (!bytes.empty() || resized) service();
}

std::optional<LinkHealth> TmateBackend::health() const {
  LinkHealth h;
  h.silent_ms = lost_at_ ? transport::now_ms() - lost_at_ : 0;
  return h;
}

void TmateBackend::end(const std::string&) {
  if (!channel_) {
    ended_ = true;
    return;
  }
  ending_ = true;
  retry_.stop();
  send(out::Fin{});
  service();
}

void TmateBackend::lost(const std::string& why) {
  readable_.reset();
  writable_.reset();
  channel_.reset();
  session_.reset();
  out_.clear();
  ready_ = false;
  shown_.reset();
  frame_timer_.stop();
  if (ending_) {
    ended_ = true;
    return;
  }
  if (!lost_at_) lost_at_ = std::max<uint64_t>(transport::now_ms(), 1);
  if (events_.on_notice) events_.on_notice("tandem: lost the tmate relay (" + why + "); reconnecting");
  if (events_.on_mates_size) events_.on_mates_size(std::nullopt);
  retry_.start(std::chrono::milliseconds(backoff_.next_ms()));
}

void TmateBackend::reconnect() {
  if (connecting_ || channel_ || ending_) return;
  connecting_ = BlockingTask<TmateConnection>::start(
      base_,
      [host = host_, port = port_, pinned = fingerprints_, identity = identity_file_] {
        return connect_tmate(host, port, pinned, identity);
      },
      [this](TmateConnection c) {
        std::unique_ptr<BlockingTask<TmateConnection>> done = std::move(connecting_);
        std::string error;
        if (ending_ || !attach(std::move(c), &error)) retry_.start(std::chrono::milliseconds(backoff_.next_ms()));
      });
  if (!connecting_) retry_.start(std::chrono::milliseconds(backoff_.next_ms()));
}

}  // namespace tandem
