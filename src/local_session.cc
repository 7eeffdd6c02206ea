#include "src/local_session.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "transport/link.h"

namespace tandem {
namespace {

constexpr uint64_t kFrameMs = 8;                  // at most ~120 frames a second to the user's terminal
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxReadPerWakeup = 1024 * 1024;  // then let the loop breathe (draw, keystrokes)

}  // namespace

LocalSession::LocalSession(event_base* base, LocalTerminal& tty, std::unique_ptr<Pty> pty, int cols, int rows)
    : base_(base), tty_(tty), pty_(std::move(pty)), terminal_(cols, rows), view_(tty) {
  buffer_.resize(kReadChunk);
  pty_event_.reset(event_new(base, pty_->fd(), EV_READ | EV_PERSIST, on_pty, this));
  stdin_event_.reset(event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST, on_stdin, this));
  winch_event_.reset(evsignal_new(base, SIGWINCH, on_winch, this));
  term_event_.reset(evsignal_new(base, SIGTERM, on_quit_signal, this));
  hup_event_.reset(evsignal_new(base, SIGHUP, on_quit_signal, this));
  draw_event_.reset(evtimer_new(base, on_draw, this));
  notice_event_.reset(evtimer_new(base, on_notice_expired, this));
  for (event* e : {pty_event_.get(), stdin_event_.get(), winch_event_.get(), term_event_.get(), hup_event_.get()}) {
    event_add(e, nullptr);
  }
}

LocalSession::~LocalSession() = default;

int LocalSession::run() {
  draw();
  event_base_dispatch(base_);
  return status_;
}

void LocalSession::read_pty() {
  size_t total = 0;
  while (total < kMaxReadPerWakeup) {
    ssize_t n = read(pty_->fd(), buffer_.data(), buffer_.size());
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
  std::string answer = terminal_.take_answerback();
  if (!answer.empty()) pty_->write(answer);
  schedule_draw();
}

void LocalSession::read_stdin() {
  char buf[4096];
  ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n > 0) {
    if (!view_.notice().empty()) {
      view_.set_notice({});  // the user is typing: give them the whole screen back
      evtimer_del(notice_event_.get());
      schedule_draw();
    }
    pty_->write(std::string_view(buf, size_t(n)));
  } else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    event_del(stdin_event_.get());  // the user's terminal went away; the program decides
  }
}

void LocalSession::resized() {
  view_.forget();  // the terminal changed: draw afresh
  apply_size();
  draw();
}

void LocalSession::set_size_limit(std::optional<std::pair<int, int>> cols_rows) {
  size_limit_ = cols_rows;
  apply_size();
}

// The session's size: the host's terminal, or smaller when a limit says so.
void LocalSession::apply_size() {
  int cols, rows;
  tty_.size(cols, rows);
  if (size_limit_) {
    cols = std::min(cols, size_limit_->first);
    rows = std::min(rows, size_limit_->second);
  }
  if (cols == terminal_.cols() && rows == terminal_.rows()) return;
  terminal_.resize(cols, rows);
  pty_->resize(terminal_.cols(), terminal_.rows());
  view_.forget();
  schedule_draw();
}

void LocalSession::schedule_draw() {
  if (evtimer_pending(draw_event_.get(), nullptr)) return;
  const uint64_t now = transport::now_ms();
  uint64_t wait = last_draw_ms_ + kFrameMs > now ? last_draw_ms_ + kFrameMs - now : 0;
  timeval tv{0, suseconds_t(wait * 1000)};
  evtimer_add(draw_event_.get(), &tv);
}

void LocalSession::draw() {
  view_.draw(terminal_.state());
  last_draw_ms_ = transport::now_ms();
  if (on_frame_) on_frame_(terminal_.state());
}

void LocalSession::show_notice(const std::string& text, std::chrono::milliseconds how_long) {
  view_.set_notice(text);
  timeval tv{time_t(how_long.count() / 1000), suseconds_t((how_long.count() % 1000) * 1000)};
  evtimer_add(notice_event_.get(), &tv);
  schedule_draw();
}

void LocalSession::on_notice_expired(evutil_socket_t, short, void* arg) {
  auto* s = static_cast<LocalSession*>(arg);
  s->view_.set_notice({});
  s->draw();
}

void LocalSession::finish() {
  draw();
  event_del(pty_event_.get());
  // The terminal closed; the process has exited or is about to.
  status_ = pty_->reap(true);
  event_base_loopbreak(base_);
}

void LocalSession::on_pty(evutil_socket_t, short, void* arg) { static_cast<LocalSession*>(arg)->read_pty(); }
void LocalSession::on_stdin(evutil_socket_t, short, void* arg) { static_cast<LocalSession*>(arg)->read_stdin(); }
void LocalSession::on_winch(evutil_socket_t, short, void* arg) { static_cast<LocalSession*>(arg)->resized(); }
void LocalSession::on_draw(evutil_socket_t, short, void* arg) { static_cast<LocalSession*>(arg)->draw(); }
void LocalSession::on_quit_signal(evutil_socket_t, short, void* arg) {
  auto* s = static_cast<LocalSession*>(arg);
  event_base_loopbreak(s->base_);
}

}  // namespace tandem
