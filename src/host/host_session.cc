#include "src/host/host_session.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "proto/join_link.h"
#include "src/host/session_terminfo.h"

namespace tandem {
namespace {

constexpr auto kLinksNotice = std::chrono::seconds(15);
constexpr auto kMateNotice = std::chrono::seconds(5);
constexpr auto kRelayCheck = std::chrono::seconds(1);
constexpr uint64_t kRelayQuietMs = 7000;  // a relay elsewhere silent this long (two heartbeats): say so
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxReadPerWakeup = 1024 * 1024;  // then let the loop breathe (draw, keystrokes)

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Links are secrets: the file holding them is the user's alone.
void write_links_file(const std::string& path, const Links& links) {
  if (path.empty()) return;
  const mode_t old = umask(077);
  std::ofstream out(path, std::ios::trunc);
  umask(old);
  chmod(path.c_str(), 0600);
  out << all_links(links) << "udp " << links.udp_port << "\nfingerprint " << links.fingerprint << "\n";
}

}  // namespace

HostSession::HostSession(event_base* base, LocalTerminal& tty, HostOptions options)
    : base_(base),
      tty_(tty),
      options_(std::move(options)),
      terminal_(tty.size().cols, tty.size().rows),
      view_(tty),
      pacer_(base, [this] { draw(); }),
      winch_(base, SIGWINCH, [this] { resized(); }),
      term_(base, SIGTERM, [this] { event_base_loopbreak(base_); }),
      hup_(base, SIGHUP, [this] { event_base_loopbreak(base_); }),
      notice_timer_(base, [this] { update_notices(); }),
      relay_timer_(base, [this] { check_relay(); }) {
  buffer_.resize(kReadChunk);
}

HostSession::~HostSession() = default;

BackendEvents HostSession::events() {
  BackendEvents e;
  e.on_input = [this](std::string_view bytes) {
    if (pty_) pty_->write(bytes);
  };
  e.on_mate = [this](const MateInfo& m, bool joined) {
    show_notice("tandem: " + std::string(role_name(m.role)) + " mate " + m.label() + (joined ? " joined" : " left"),
                kMateNotice);
  };
  e.on_approval = [this](uint64_t ticket, const MateInfo& m) {
    asking_.push_back(Asking{ticket, m});
    if (showing_ == Showing::kNothing || showing_ == Showing::kApproval) show(Showing::kApproval);
  };
  e.on_withdrawn = [this](uint64_t ticket) {
    std::erase_if(asking_, [&](const Asking& a) { return a.ticket == ticket; });
    if (showing_ == Showing::kApproval) show(asking_.empty() ? Showing::kNothing : Showing::kApproval);
  };
  e.on_mates_size = [this](std::optional<Size> size) {
    mates_size_ = size;
    if (!bounded_by_mates()) return;
    size_limit_ = size;
    apply_size();
  };
  e.on_notice = [this](const std::string& text) { show_notice(text, kLinksNotice, "relay"); };
  e.on_links_changed = [this](const Links& links) {
    set_links(links);
    if (showing_ != Showing::kNothing) show(showing_);  // the panel shows the new links
    show_notice(links_notice("tandem: the relay lost the session; new links: ", links), kLinksNotice, "links");
  };
  e.on_late_rotation = [this](const Links& links) { rotated(links, false, {}); };
  return e;
}

void HostSession::set_links(const Links& links) {
  links_.links = links;
  write_links_file(options_.links_file, links);
}

bool HostSession::start(RelayBackend& backend, const std::vector<std::string>& command, std::string* error) {
  backend_ = &backend;
  if (bounded_by_mates()) size_limit_ = mates_size_;  // mates may have said before the backend was ours
  links_.relay = backend.relay_name();
  set_links(backend.links());
  control_ = ControlSocket::open(
      base_,
      [this](const ControlRequest& r, ControlSocket::Reply reply) {
        if (r.ask == ControlRequest::Ask::kKick || r.ask == ControlRequest::Ask::kRotate) {
          act(r, std::move(reply));
        } else {
          reply(answer(r));
        }
      },
      error);
  if (!control_) return false;
  // xterm-256color is everywhere; COLORTERM and the session's terminfo say true colour
  // too (tandem's emulator keeps it, and each viewer gets what its terminal shows).
  std::vector<std::string> env = {"TERM=xterm-256color", "COLORTERM=truecolor", "TANDEM=1",
                                  "TANDEM_LINKS=" + trimmed(all_links(links_.links)),
                                  "TANDEM_SOCKET=" + control_->path()};
  for (std::string& entry : session_terminfo_env()) env.push_back(std::move(entry));
  pty_ = Pty::spawn(command, env, Size{uint16_t(terminal_.cols()), uint16_t(terminal_.rows())}, error);
  if (!pty_) return false;
  apply_size();  // mates may have bound the size already
  pty_watch_ = std::make_unique<transport::Watch>(base_, pty_->fd(), transport::Watch::For::kRead,
                                                  [this] { read_pty(); });
  stdin_watch_ = std::make_unique<transport::Watch>(base_, STDIN_FILENO, transport::Watch::For::kRead,
                                                    [this] { read_stdin(); });
  if (backend.health()) relay_timer_.start_repeating(kRelayCheck);
  show_notice(links_notice("tandem: ", links_.links), kLinksNotice, "links");
  if (options_.code_at_start) show(Showing::kCode);
  return true;
}

// `tandem kick` and `tandem rotate`: the host's say over who is in. A relay elsewhere
// answers later; the callbacks may hold the session, which outlives its backend.
void HostSession::act(const ControlRequest& request, ControlSocket::Reply reply) {
  std::string error;
  if (request.ask == ControlRequest::Ask::kKick) {
    std::optional<MateInfo> mate = pick_mate(backend_->mates(), request.target, &error);
    if (!mate) return reply(kick_refusal(request.target, error));
    backend_->kick(*mate, [reply, label = mate->label()](const std::string& error) {
      reply(error.empty() ? "tandem: removed " + label + "\n" : std::string(kRefusedPrefix) + error + "\n");
    });
    return;
  }
  backend_->rotate(request.kick_all,
                   [this, reply, kick_all = request.kick_all](std::optional<Links> links, const std::string& error) {
                     reply(links ? rotated(*links, kick_all, error) : std::string(kRefusedPrefix) + error + "\n");
                   });
}

std::string HostSession::rotated(const Links& links, bool kick_all, const std::string& remark) {
  set_links(links);
  if (showing_ == Showing::kLinks) show(Showing::kLinks);  // the panel shows the new links
  show_notice(links_notice("tandem: new links; the old ones admit no one: ", links), kLinksNotice, "links");
  // Printed on the shared screen: the read-only links alone, as `tandem links` does.
  return std::string("tandem: new links; the old ones admit no one") + (kick_all ? " and every mate was removed" : "") +
         (remark.empty() ? "" : " (" + remark + ")") + "\n" + links_text(links, false);
}

std::string HostSession::answer(const ControlRequest& request) const {
  if (request.ask == ControlRequest::Ask::kWaitReady) return "ready\n";
  if (request.ask == ControlRequest::Ask::kLinks) return links_text(links_.links, request.read_write);
  SessionStatus now = links_;
  now.read_write = request.read_write;
  now.mates = backend_->mates();
  if (std::optional<LinkHealth> h = backend_->health()) {
    now.relay_heard_ms_ago = int64_t(h->silent_ms);
    now.relay_srtt_ms = h->srtt_ms;
  }
  now.cols = terminal_.cols();
  now.rows = terminal_.rows();
  return request.json ? now.json() : now.text();
}

void HostSession::show(Showing what) {
  showing_ = what;
  const Links& links = links_.links;
  const bool read_write = options_.code_read_write && !links.join_rw.empty();
  std::optional<JoinLink> link = JoinLink::parse(read_write ? links.join_rw : links.join_ro, nullptr);
  std::optional<QrCode> code = what == Showing::kCode && link ? QrCode::encode(link->ssh_uri(), nullptr) : std::nullopt;
  if (what == Showing::kApproval && asking_.empty()) what = showing_ = Showing::kNothing;
  if (what == Showing::kNothing && !asking_.empty()) what = showing_ = Showing::kApproval;  // waiting mates next
  if (what == Showing::kApproval) {
    panel_ = Panel(approval_panel(asking_.front().mate, asking_.size() - 1));
  } else if (what == Showing::kLinks || (what == Showing::kCode && !code)) {
    panel_ = Panel(links_panel(links));
  } else if (what == Showing::kCode) {
    const Size size = tty_.size();
    panel_ = Panel(code_panel(*code, read_write ? "read-write" : "read-only", link->ssh_uri(), size.cols, size.rows));
  } else {
    panel_ = Panel();
  }
  pacer_.request();
}

std::string HostSession::host_keys(std::string_view bytes) {
  if (showing_ != Showing::kNothing && showing_ != Showing::kApproval) {
    show(Showing::kNothing);  // the whole read: one key, or its escape sequence
    return {};
  }
  // While a mate asks to join, only Ctrl-^ then y or n answers: the host typing on
  // must neither admit anyone by chance nor lose what it typed.
  std::string typed;
  while (!bytes.empty()) {
    HostKeys::Read read = keys_.read(bytes, showing_ == Showing::kApproval ? "lqyYnN" : "lq");
    typed += read.typed;
    if (read.command == 'l' || read.command == 'q') {
      show(read.command == 'l' ? Showing::kLinks : Showing::kCode);
      return typed;  // what came after in this read was meant for the panel
    }
    if (!read.command) break;
    const uint64_t ticket = asking_.front().ticket;
    asking_.erase(asking_.begin());
    backend_->answer(ticket, read.command == 'y' || read.command == 'Y');
    show(asking_.empty() ? Showing::kNothing : Showing::kApproval);
    bytes = read.rest;
  }
  return typed;
}

int HostSession::run() {
  pacer_.draw_now();
  event_base_dispatch(base_);
  return status_;
}

void HostSession::read_pty() {
  size_t total = 0;
  while (total < kMaxReadPerWakeup) {
    const ssize_t n = read(pty_->fd(), buffer_.data(), buffer_.size());
    if (n > 0) {
      terminal_.write(std::string_view(buffer_.data(), size_t(n)));
      total += size_t(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    // EIO (Linux) or EOF: the program and everything on its terminal are gone.
    finish();
    return;
  }
  const std::string answer = terminal_.take_answerback();
  if (!answer.empty()) pty_->write(answer);
  pacer_.request();
}

void HostSession::read_stdin() {
  char buf[4096];
  const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n > 0) {
    if (!notices_.empty()) {
      notices_.clear();  // the user is typing: give them the whole screen back
      update_notices();
    }
    const std::string keys = host_keys(std::string_view(buf, size_t(n)));
    if (!keys.empty()) pty_->write(keys);
  } else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    stdin_watch_->disable();  // the user's terminal went away; the program decides
  }
}

void HostSession::resized() {
  view_.forget();  // the terminal changed: draw afresh
  update_notices();  // in the forms that fit its new width
  apply_size();
  pacer_.draw_now();
}

// The session's size: the host's terminal, or smaller when mates bound it.
void HostSession::apply_size() {
  Size size = tty_.size();
  if (size_limit_) size = Size{std::min(size.cols, size_limit_->cols), std::min(size.rows, size_limit_->rows)};
  if (size.cols == terminal_.cols() && size.rows == terminal_.rows()) return;
  // The host is told when mates' terminals make the session smaller than its own,
  // and when that ends (its shell then runs in a part of its terminal).
  const Size tty = tty_.size();
  const bool smaller = size.cols < tty.cols || size.rows < tty.rows;
  const bool was_smaller = terminal_.cols() < tty.cols || terminal_.rows() < tty.rows;
  if (pty_ && smaller) {
    show_notice("tandem: the session is " + std::to_string(size.cols) + "x" + std::to_string(size.rows) +
                    ", the smallest read-write mate's terminal",
                kMateNotice, "size");
  } else if (pty_ && was_smaller && !smaller) {
    show_notice("tandem: the session has your terminal's size again", kMateNotice, "size");
  }
  terminal_.resize(size.cols, size.rows);
  if (pty_) pty_->resize(Size{uint16_t(terminal_.cols()), uint16_t(terminal_.rows())});
  if (showing_ != Showing::kNothing) show(showing_);  // a QR code may fit now, or no longer
  view_.forget();
  pacer_.request();
}

void HostSession::draw() {
  if (panel_.shown()) {
    // Over a copy: the panel is the host's alone, never the shared screen. A session
    // smaller than this terminal (--size smallest) cuts it to the session's width.
    screen::ScreenState frame = terminal_.state();
    panel_.lay_over(frame);
    view_.draw(frame);
  } else {
    view_.draw(terminal_.state());
  }
  if (backend_) backend_->publish(terminal_.state());
}

void HostSession::show_notice(const std::string& text, std::chrono::milliseconds how_long, std::string kind) {
  show_notice(std::vector<std::string>{text}, how_long, std::move(kind));
}

void HostSession::show_notice(std::vector<std::string> forms, std::chrono::milliseconds how_long, std::string kind) {
  notices_.push(std::move(forms), transport::now_ms() + uint64_t(how_long.count()), std::move(kind));
  update_notices();
}

// The notices whose time is up go; the timer wakes for the next one.
void HostSession::update_notices() {
  const uint64_t now = transport::now_ms();
  notices_.expire(now);
  view_.set_notices(notices_.lines(tty_.size().cols));
  if (std::optional<uint64_t> next = notices_.next_expiry()) {
    notice_timer_.start(std::chrono::milliseconds(*next > now ? *next - now : 0));
  } else {
    notice_timer_.stop();
  }
  pacer_.request();
}

// A relay elsewhere that has gone quiet: a discreet banner until it is back.
void HostSession::check_relay() {
  std::optional<LinkHealth> h = backend_->health();
  if (h && h->silent_ms >= kRelayQuietMs) {
    show_notice("tandem: relay unreachable for " + std::to_string(h->silent_ms / 1000) + " s, reconnecting",
                std::chrono::milliseconds(1500), "relay-health");
  }
}

void HostSession::finish() {
  pacer_.draw_now();
  view_.leave();
  pty_watch_->disable();
  // The terminal closed; the process has exited or is about to.
  status_ = pty_->reap(true);
  event_base_loopbreak(base_);
}

std::string ended_message(int status, const std::string& program) {
  if (status >= 0 && WIFEXITED(status)) {
    return "[tandem: session ended; " + program + " exited with status " + std::to_string(WEXITSTATUS(status)) + "]";
  }
  if (status >= 0 && WIFSIGNALED(status)) {
    return "[tandem: session ended; " + program + " was killed by signal " + std::to_string(WTERMSIG(status)) + "]";
  }
  return "[tandem: session ended]";
}

int exit_code(int status) {
  if (status >= 0 && WIFEXITED(status)) return WEXITSTATUS(status);
  if (status >= 0 && WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 0;
}

void say_goodbye(event_base* base, RelayBackend& backend, const std::string& message) {
  backend.end(message);
  for (int i = 0; i < 100 && !backend.ended(); ++i) transport::run_loop_for(base, std::chrono::milliseconds(10));
}

}  // namespace tandem
