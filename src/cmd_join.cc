// `tandem join [--udp-endpoint ADDR:PORT] LINK`: joins a session as a native mate.
//
// SSH only bootstraps (the relay's key is checked against the link, the token
// authenticates, a UDP link key comes back); then the screen arrives by state sync
// over the encrypted, roaming datagram link and is drawn here in raw mode. Keys and
// resizes go back as input; a read-only join sends none. Ctrl-^ then . leaves.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "relay/native_mates.h"
#include "src/bootstrap_client.h"
#include "src/commands.h"
#include "src/screen_view.h"
#include "statesync/channel.h"

namespace tandem {
namespace {

constexpr char kEscapeKey = 0x1e;                // Ctrl-^, then '.' to leave (as mosh)
constexpr uint64_t kLostContactMs = 5000;        // say so after this much silence
constexpr auto kStatusTick = std::chrono::milliseconds(500);
constexpr uint64_t kFrameMs = 8;

using ScreenSync = statesync::SyncConnection<statesync::InputState, screen::ScreenState>;

class Mate {
 public:
  Mate(event_base* base, LocalTerminal& tty, ScreenSync& sync, bool read_only)
      : base_(base), tty_(tty), sync_(sync), view_(tty), read_only_(read_only) {
    stdin_event_.reset(event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST, on_stdin, this));
    winch_event_.reset(evsignal_new(base, SIGWINCH, on_winch, this));
    term_event_.reset(evsignal_new(base, SIGTERM, on_quit, this));
    hup_event_.reset(evsignal_new(base, SIGHUP, on_quit, this));
    draw_event_.reset(evtimer_new(base, on_draw, this));
    status_event_.reset(event_new(base, -1, EV_PERSIST, on_status, this));
    for (event* e : {stdin_event_.get(), winch_event_.get(), term_event_.get(), hup_event_.get()}) event_add(e, nullptr);
    timeval tick{0, suseconds_t(kStatusTick.count() * 1000)};
    event_add(status_event_.get(), &tick);
    sync_.set_on_incoming([this] { schedule_draw(); });
    sync_.set_on_status([this](statesync::SyncStatus s) {
      if (s == statesync::SyncStatus::kPeerClosed || s == statesync::SyncStatus::kClosed) {
        ended_ = s == statesync::SyncStatus::kPeerClosed;
        event_base_loopbreak(base_);
      }
    });
    if (!read_only_) send_size();
  }

  // Runs until the session ends or we leave; true if the session ended.
  bool run() {
    draw();
    event_base_dispatch(base_);
    return ended_;
  }

 private:
  void send_size() {
    int cols, rows;
    tty_.size(cols, rows);
    sync_.outgoing().push(statesync::Resize{uint16_t(cols), uint16_t(rows)});
    sync_.outgoing_changed();
  }

  void read_stdin() {
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      event_del(stdin_event_.get());  // the terminal is gone: nothing more to read
      leave();
      return;
    }
    if (n < 0) return;
    std::string keys;
    for (ssize_t i = 0; i < n; ++i) {
      char c = buf[i];
      if (escape_pending_) {
        escape_pending_ = false;
        if (c == '.') {
          leave();
          return;
        }
        if (c != kEscapeKey) keys.push_back(kEscapeKey);
      } else if (c == kEscapeKey) {
        escape_pending_ = true;
        continue;
      }
      keys.push_back(c);
    }
    if (keys.empty()) return;
    if (read_only_) {
      set_notice("tandem: read-only; your keys are not sent (Ctrl-^ . leaves)");
      return;
    }
    sync_.outgoing().push(statesync::Keys{keys});
    sync_.outgoing_changed();
  }

  void leave() {
    if (left_) return;
    left_ = true;
    sync_.shutdown();  // the loop ends when the relay acknowledges (or gives up)
    set_notice("tandem: leaving...");
  }

  void status() {
    const uint64_t silent = sync_.silent_for_ms();
    if (silent > kLostContactMs && !left_) {
      set_notice("tandem: last contact " + std::to_string(silent / 1000) + " s ago (Ctrl-^ . leaves)");
    } else if (view_.notice().rfind("tandem: last contact", 0) == 0) {
      set_notice({});
    }
  }

  void set_notice(std::string text) {
    if (text == view_.notice()) return;
    view_.set_notice(std::move(text));
    schedule_draw();
  }

  void schedule_draw() {
    if (evtimer_pending(draw_event_.get(), nullptr)) return;
    const uint64_t now = transport::now_ms();
    uint64_t wait = last_draw_ + kFrameMs > now ? last_draw_ + kFrameMs - now : 0;
    timeval tv{0, suseconds_t(wait * 1000)};
    evtimer_add(draw_event_.get(), &tv);
  }

  void draw() {
    view_.draw(sync_.incoming());
    last_draw_ = transport::now_ms();
  }

  static void on_stdin(evutil_socket_t, short, void* arg) { static_cast<Mate*>(arg)->read_stdin(); }
  static void on_winch(evutil_socket_t, short, void* arg) {
    auto* m = static_cast<Mate*>(arg);
    m->view_.forget();
    m->draw();
    if (!m->read_only_) m->send_size();
  }
  static void on_quit(evutil_socket_t, short, void* arg) { static_cast<Mate*>(arg)->leave(); }
  static void on_draw(evutil_socket_t, short, void* arg) { static_cast<Mate*>(arg)->draw(); }
  static void on_status(evutil_socket_t, short, void* arg) { static_cast<Mate*>(arg)->status(); }

  event_base* base_;
  LocalTerminal& tty_;
  ScreenSync& sync_;
  ScreenView view_;
  bool read_only_;
  bool escape_pending_ = false;
  bool left_ = false;
  bool ended_ = false;
  uint64_t last_draw_ = 0;
  transport::EventPtr stdin_event_, winch_event_, term_event_, hup_event_, draw_event_, status_event_;
};

}  // namespace

int cmd_join(const Options& args);

constexpr Flag kJoinFlags[] = {
    {.name = "udp-endpoint", .value = "ADDR:PORT", .help = "send UDP here, not to the relay (tests, odd networks)"},
};

const Command kJoin{
    .name = "join",
    .usage = "[--udp-endpoint ADDR:PORT] LINK",
    .summary = "join a session as a native mate (Ctrl-^ then . leaves)",
    .description =
        "tandem join joins the session a tandem://... LINK names, as the host printed it.\n"
        "SSH only bootstraps (the relay's key is checked against the link, the token\n"
        "authenticates); then the screen is synced over encrypted UDP that survives\n"
        "roaming and sleep, and drawn on this terminal. A read-only link sends no keys.\n"
        "Ctrl-^ then . leaves.",
    .flags = kJoinFlags,
    .max_positionals = 1,
    .run = cmd_join,
};

int cmd_join(const Options& args) {
  if (args.positionals().empty()) {
    std::fprintf(stderr, "usage: tandem join LINK   (the tandem://... link the host gave you)\n");
    return 2;
  }
  const std::string& link_text = args.positionals()[0];
  const std::string udp_override = args.value("udp-endpoint");  // for tests and odd networks: UDP goes there
  std::string error;
  std::optional<JoinLink> link = JoinLink::parse(link_text, &error);
  if (!link) {
    std::fprintf(stderr, "tandem join: %s\n", error.c_str());
    return 2;
  }
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "tandem join: stdin and stdout must be a terminal\n");
    return 1;
  }
  std::optional<proto::JoinAccept> accept = bootstrap(*link, &error);
  if (!accept) {
    std::fprintf(stderr, "tandem join: %s\n", error.c_str());
    return 1;
  }
  std::optional<transport::Address> udp = udp_override.empty()
                                              ? resolve_udp(link->host, uint16_t(accept->udp_port()), &error)
                                              : transport::Address::parse(udp_override);
  if (!udp) {
    std::fprintf(stderr, "tandem join: cannot use the relay's UDP address: %s\n",
                 error.empty() ? udp_override.c_str() : error.c_str());
    return 1;
  }
  transport::LinkKey key;
  std::copy(accept->link_key().begin(), accept->link_key().end(), key.begin());

  transport::EventBasePtr base = transport::make_event_base();
  ScreenSync* sync_ptr = nullptr;
  auto client = transport::ClientLink::open(
      base.get(), *udp, key, accept->link_id(),
      transport::LinkCallbacks{[&](std::span<const uint8_t> m) {
                                 if (sync_ptr) sync_ptr->receive(m);
                               },
                               {}},
      {}, &error);
  if (!client) {
    std::fprintf(stderr, "tandem join: %s\n", error.c_str());
    return 1;
  }
  statesync::ClientChannel channel(*client);
  ScreenSync sync(base.get(), channel, statesync::InputState(), relay::initial_screen(), statesync::kInputSendDelayMs);
  sync_ptr = &sync;
  sync.set_probe_when_silent(true);
  client->set_on_wake([&] { sync.poke(); });  // back from sleep: say hello at once

  LocalTerminal tty;
  if (!tty.open(&error)) {
    std::fprintf(stderr, "tandem join: %s\n", error.c_str());
    return 1;
  }
  bool ended;
  {
    Mate mate(base.get(), tty, sync, accept->read_only());
    ended = mate.run();
  }
  tty.restore();
  std::printf("%s\n", ended ? "[tandem: the session has ended]" : "[tandem: you left the session]");
  return 0;
}

}  // namespace tandem
