#include "relay/web/web_mate.h"

#include "relay/log.h"
#include "relay/ssh/ssh_mate.h"
#include "statesync/screen/terminal_type.h"

namespace tandem::relay {
namespace {

// What xterm.js shows: true colour, styled underlines, hyperlinks; the host's
// clipboard only if the host allowed it to read-write mates.
screen::DisplayOptions display_options(const Session& session, Role role) {
  screen::DisplayOptions o = screen::options_for_terminal("xterm-256color", "truecolor");
  o.clipboard = role == Role::kReadWrite && session.options().mate_clipboard;
  o.cwd = false;
  o.blank_viewer = true;  // the page resets its terminal at WELCOME
  return o;
}

constexpr auto kResizeRedraw = std::chrono::milliseconds(50);

// "[tandem: session ended by the host]" (as an ssh mate's last line) in a page's words:
// "session ended by the host".
std::string page_words(std::string text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.starts_with("tandem: ")) text.erase(0, 8);
  return text;
}

}  // namespace

WebMate::WebMate(event_base* base, std::unique_ptr<transport::WebSocket> socket, Session& session, Role role,
                 std::string who, Size size)
    : socket_(std::move(socket)),
      session_(session),
      role_(role),
      who_(std::move(who)),
      size_(size),
      terminal_(base, display_options(session, role), [this] { render(); }),
      redraw_(base, [this] { render(); }),
      keepalive_(base, [this] { keepalive(); }) {
  socket_->set_callbacks({
      .on_message = [this](std::string_view m) { message(m); },
      .on_closed = [this](const std::string& why) { closed(why); },
      .on_drained = [this] {
        if (dirty_) render();
      },
  });
  socket_->send(proto::web::welcome(role == Role::kReadWrite, session.options().name, session.id()));
  if (!session.host_notice().empty()) {
    notice_ = session.host_notice();
    socket_->send(proto::web::notice(notice_));
  }
  last_sent_ms_ = transport::now_ms();
  keepalive_.start_repeating(kKeepalive);
}

WebMate::~WebMate() {
  if (socket_ && socket_->open()) socket_->close(1001, "going away");
}

void WebMate::show(const screen::ScreenState&) { render(); }

void WebMate::message(std::string_view bytes) {
  std::string error;
  std::optional<proto::web::FromBrowser> m = proto::web::decode_from_browser(bytes, &error);
  if (!m) {
    log("relay: web mate %s: %s; closed\n", who_.c_str(), error.c_str());
    goodbye("tandem: the page sent " + error, false);
    return;
  }
  if (auto* input = std::get_if<proto::web::Input>(&*m)) {
    if (role_ != Role::kReadWrite) return;  // read-only: nothing it sends reaches the host
    held_bytes_ += input->bytes.size();
    held_.push_back(std::move(input->bytes));
    feed_host();
  } else if (auto* r = std::get_if<proto::web::Resize>(&*m)) {
    const Size size{r->cols, r->rows};
    if (size == size_) return;
    size_ = size;
    terminal_.resized();
    session_.resized(*this, size_);
    redraw_.start_if_idle(kResizeRedraw);
  } else if (auto* a = std::get_if<proto::web::Ack>(&*m)) {
    // Only frames we sent can be acknowledged.
    if (a->frame - acked_ <= sent_ - acked_) acked_ = a->frame;
    if (dirty_) render();
  }
  // A second HELLO changes nothing.
}

void WebMate::feed_host() {
  while (!held_.empty() && session_.accepts_input()) {
    std::string keys = std::move(held_.front());
    held_.pop_front();
    held_bytes_ -= keys.size();
    session_.input(*this, keys);
  }
  // A paste faster than the host takes it: the page waits (TCP backpressure), nothing is dropped.
  if (held_bytes_ > kMaxHeldInput) {
    socket_->pause_reading();
  } else {
    socket_->resume_reading();
  }
}

void WebMate::input_room() { feed_host(); }

void WebMate::closed(const std::string& why) {
  if (left_) return;
  left_ = true;
  keepalive_.stop();
  log("relay: web mate %s left (%s)\n", who_.c_str(), why.c_str());
  session_.leave(*this);
}

void WebMate::render() {
  const screen::ScreenState* screen = session_.shown();
  if (!connected() || !screen) return;
  if (redraw_.pending()) return;  // a resize's redraw is due: that one draws
  if (sent_ - acked_ >= kFramesInFlight || socket_->pending() > kMaxQueuedBytes) {
    dirty_ = true;  // draw the newest frame once the page caught up, skipping those between
    return;
  }
  screen::ScreenState frame = viewport_.frame(*screen, size_.cols, size_.rows);
  // The status line says what the screen does not: a partial view, a lost host.
  std::string notice = session_.host_notice();
  if (notice.empty()) notice = view_notice(role_, viewport_);
  if (notice != notice_) {
    notice_ = notice;
    socket_->send(proto::web::notice(notice_));
  }
  const std::string out = terminal_.draw(std::move(frame));
  dirty_ = false;
  if (out.empty()) return;
  socket_->send(proto::web::frame(++sent_, out));
  last_sent_ms_ = transport::now_ms();
}

void WebMate::keepalive() {
  if (!connected()) return;
  const uint64_t now = transport::now_ms();
  if (now - socket_->last_heard_ms() > kSilentMs) {
    log("relay: web mate %s silent for %llu s; closed\n", who_.c_str(),
        (unsigned long long)((now - socket_->last_heard_ms()) / 1000));
    socket_->close(1001, "silent");
    return;
  }
  socket_->ping();  // the browser answers by itself: the page need not be awake
  if (now - last_sent_ms_ >= uint64_t(std::chrono::milliseconds(kKeepalive).count()) - 1000) {
    socket_->send(proto::web::keepalive());  // "last contact" on the page
    last_sent_ms_ = now;
  }
}

void WebMate::end(const std::string& message) { goodbye(message, false); }

void WebMate::goodbye(const std::string& message, bool again) {
  if (!connected()) return;
  // The newest screen first, whatever is in flight: it is the last one the page gets.
  if (dirty_ || redraw_.pending()) {
    redraw_.stop();
    acked_ = sent_;
    render();
  }
  socket_->send(proto::web::bye(page_words(message), again));
  socket_->close(again ? 1012 : 1000, again ? "service restart" : "session ended");
}

}  // namespace tandem::relay
