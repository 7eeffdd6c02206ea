#include "relay/ssh/ssh_mate.h"

#include "statesync/screen/terminal_type.h"

namespace tandem::relay {
namespace {

// Bytes for this mate's terminal (its TERM, and COLORTERM if its ssh sent it); the
// host's clipboard only if the host allowed it to read-write mates; never the
// host's working directory.
screen::DisplayOptions display_options(const ssh::Connection& connection, const Session& session, Role role) {
  screen::DisplayOptions o = screen::options_for_terminal(connection.term(), connection.colorterm());
  o.clipboard = role == Role::kReadWrite && session.options().mate_clipboard;
  o.cwd = false;
  return o;
}

constexpr auto kJoinNotice = std::chrono::seconds(5);
constexpr auto kReadOnlyNote = std::chrono::seconds(3);
constexpr uint64_t kReadOnlyNoteEveryMs = 10000;  // a viewer typing on is told at most this often
// A resize redraws the whole terminal: however fast a mate resizes, at most this often.
constexpr auto kResizeRedraw = std::chrono::milliseconds(50);

}  // namespace

std::string view_notice(Role role, const screen::Viewport& viewport) {
  // Short enough for a small terminal's bottom line; it says the role too.
  return viewport.partial()
             ? std::string("tandem: ") + role_name(role) + "; " + viewport.describe() + " follows the cursor"
             : std::string();
}

std::string next_notice(const std::string& notice, const std::string& was, const std::string& now) {
  return !now.empty() || notice == was ? now : notice;
}

SshMate::SshMate(event_base* base, ssh::Connection& connection, Session& session, Role role)
    : connection_(&connection),
      session_(session),
      role_(role),
      who_(connection.peer()),
      terminal_(base, display_options(connection, session, role), [this] { render(); }),
      notice_timer_(base,
                    [this] {
                      notice_.clear();
                      render();
                    }),
      redraw_(base, [this] { render(); }),
      unread_(base, [this] {
        int chunks = 0;
        for (; chunks < 64 && connection_ && session_.accepts_input(); ++chunks) {
          const std::string keys = connection_->read_unread(16 << 10);
          if (keys.empty()) break;
          session_.input(*this, keys);
        }
        if (chunks == 64) unread_.start(std::chrono::milliseconds(0));  // more: after the loop breathes
        if (connection_) connection_->service();
      }) {
  const std::string& name = session.options().name;
  notice_ = role == Role::kReadOnly ? "tandem: read-only view of " + name + "'s session"
                                    : "tandem: you are in " + name + "'s session (read-write)";
  notice_timer_.start(kJoinNotice);
}

SshMate::~SshMate() {
  if (connection_) connection_->close_after_flush();
  if (on_destroy_) on_destroy_();
}

bool SshMate::connected() const {
  return connection_ && connection_->state() != ssh::Connection::State::kDead;
}

void SshMate::show(const screen::ScreenState&) { render(); }

void SshMate::typed_read_only() {
  const uint64_t now = transport::now_ms();
  if (read_only_told_ms_ != 0 && now - read_only_told_ms_ < kReadOnlyNoteEveryMs) return;
  read_only_told_ms_ = now;
  notice_ = "tandem: read-only: your keys are not sent";
  notice_timer_.start(kReadOnlyNote);
  render();
}

void SshMate::input_room() { unread_.start_if_idle(std::chrono::milliseconds(0)); }

void SshMate::resized() {
  terminal_.resized();
  session_.resized(*this, connection_->pty_size());
  redraw_.start_if_idle(kResizeRedraw);
}

void SshMate::drained() {
  if (dirty_) render();
}

void SshMate::render() {
  const screen::ScreenState* screen = session_.shown();
  if (!connection_ || connection_->state() != ssh::Connection::State::kOpen || !screen) return;
  if (redraw_.pending()) return;  // a resize's redraw is due: that one draws
  if (connection_->pending() > 0) {
    dirty_ = true;  // draw the newest frame once this one is out, skipping those between
    return;
  }
  const Size size = connection_->pty_size();
  screen::ScreenState frame = viewport_.frame(*screen, size.cols, size.rows);
  // A view smaller than the session follows the cursor, and says so for a while.
  const std::string view = view_notice(role_, viewport_);
  if (view != view_text_) {
    notice_ = next_notice(notice_, view_text_, view);
    view_text_ = view;
    if (!view.empty()) notice_timer_.start(kJoinNotice);
  }
  if (!notice_.empty()) screen::overlay_notice(frame, notice_, screen::NoticeRow::kOffTheCursor);
  dirty_ = false;
  connection_->send(terminal_.draw(std::move(frame)));
}

void SshMate::end(const std::string& message) { say_goodbye(message, 0); }

void SshMate::remove(const std::string& message) { say_goodbye(message, 1); }

void SshMate::say_goodbye(const std::string& message, int exit_status) {
  if (!connection_ || connection_->state() != ssh::Connection::State::kOpen) return;
  connection_->send("\x1b[m\x1b[" + std::to_string(connection_->pty_size().rows) + ";1H\r\n" + message + "\r\n");
  connection_->close_after_flush(exit_status);
}

}  // namespace tandem::relay
