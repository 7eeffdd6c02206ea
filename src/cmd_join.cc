// `tandem join [--udp-endpoint ADDR:PORT] LINK`: joins a session as a native mate.
//
// The link is taken as pasted (proto/pasted_link.h): wrapped, spaced, quoted, or even
// a plain-ssh line, which is joined natively only when the relay's key is already
// known here (pinned in the config, or remembered in known_relays).
//
// SSH only bootstraps (the relay's key is checked against the link, the token
// authenticates, a UDP link key comes back); then the screen arrives by state sync
// over the encrypted, roaming datagram link and is drawn here in raw mode. Keys and
// resizes go back as input; a read-only join sends none. Ctrl-^ then . leaves.
// A relay silent for a while is asked again with the same link (JoinRecovery): after
// a relay restart the mate comes back by itself, and when the session is gone it
// says so and exits non-zero.
// Keys are echoed locally before the session's screen comes back (EchoPredictor,
// --predict): only on this terminal; what is sent is what was typed.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "proto/pasted_link.h"
#include "src/bootstrap_client.h"
#include "src/commands.h"
#include "src/config.h"
#include "src/join_recovery.h"
#include "src/options.h"
#include "src/screen_view.h"
#include "src/scroll_mode.h"
#include "statesync/input_flow.h"
#include "statesync/input_state.h"
#include "statesync/screen/echo_predictor.h"
#include "statesync/sync_endpoints.h"

namespace tandem {
namespace {

constexpr char kEscapeKey = 0x1e;                // Ctrl-^, then '.' to leave (as mosh)
constexpr uint64_t kLostContactMs = 5000;        // say so after this much silence
constexpr auto kStatusTick = std::chrono::milliseconds(500);
constexpr auto kViewNotice = std::chrono::seconds(5);
constexpr auto kRoleNotice = std::chrono::seconds(5);  // "read-only" at join, for this long

using ScreenLink = statesync::ClientSync<statesync::InputState, screen::ScreenState>;

// How a join ended.
enum class JoinEnd { kLeft, kEnded, kGone };

// The options of a link the relay gave: its TCP path is the relay's web port, or
// `tcp_override` (--tcp-endpoint).
transport::ClientLinkOptions join_link_options(const JoinLink& link, const proto::JoinAccept& accept,
                                               transport::LinkTransport transport,
                                               const std::optional<transport::Address>& tcp_override) {
  transport::ClientLinkOptions o = link_options(link.host, uint16_t(accept.web_port()), accept.web_tls(), transport);
  if (tcp_override && transport != transport::LinkTransport::kUdp) {
    o.tcp_server = tcp_override;
    o.transport = transport;
  }
  return o;
}

// The joiner's end: the session's screen drawn on this terminal, this terminal's
// keys and size sent back (none for a read-only link), a line when it is quiet.
class JoinClient {
  using Connection = ScreenLink::Connection;

 public:
  // `join`: the link joined with, asked again after a silence (its UDP going to
  // `udp_override` if set); `accept`: the relay's first answer.
  JoinClient(event_base* base, LocalTerminal& tty, std::unique_ptr<ScreenLink> link, const JoinLink& join,
             const std::string& udp_override, const proto::JoinAccept& accept, const std::string& name,
             screen::PredictMode predict, transport::LinkTransport transport,
             std::optional<transport::Address> tcp_override)
      : base_(base),
        relay_(join),
        transport_(transport),
        tcp_override_(tcp_override),
        tty_(tty),
        link_(std::move(link)),
        flow_(link_->sync()),
        view_(tty),
        pacer_(base, [this] { draw(); }),
        predictor_(predict),
        predict_tick_(base, [this] { predict_tick(); }),
        read_only_(accept.read_only()),
        stdin_(base, STDIN_FILENO, transport::Watch::For::kRead, [this] { read_stdin(); }),
        winch_(base, SIGWINCH,
               [this] {
                 predictor_.reset();  // the session's frames change size: every guess is off
                 view_.forget();
                 pacer_.draw_now();
                 if (!read_only_) send_size();
               }),
        term_(base, SIGTERM, [this] { leave(); }),
        hup_(base, SIGHUP, [this] { leave(); }),
        status_(base, [this] { status(); }),
        view_notice_(base,
                     [this] {
                       if (view_.notice() == view_said_) set_notice({});
                     }),
        role_notice_(base,
                     [this] {
                       if (view_.notice() == role_text_) set_notice({});
                     }),
        recovery_(base, join, udp_override, accept.relay_ends_with_host(),
                  JoinRecovery::Events{
                      [this](const proto::JoinAccept& accept, const transport::Address& udp) { swap(accept, udp); },
                      [this](const std::string& why) {
                        gone_ = why;
                        event_base_loopbreak(base_);
                      },
                      [this](const std::string& words) {
                        retry_text_ = words.empty() ? std::string() : "tandem: " + words + " (Ctrl-^ . leaves)";
                        status();
                      },
                  }) {
    status_.start_repeating(kStatusTick);
    recovery_.set_name(name);
    attach();
    if (!read_only_) send_size();
    if (read_only_) {
      // Said at once, not only at the first key: a viewer knows what it is.
      role_text_ =
          "tandem: read-only view of " + clean_mate_name(accept.session_name()) + "'s session; your keys are not sent";
      set_notice(role_text_);
      role_notice_.start(kRoleNotice);
    }
  }

  // Runs until the session ends, is gone, or we leave.
  JoinEnd run() {
    pacer_.draw_now();
    event_base_dispatch(base_);
    view_.leave();
    return !gone_.empty() ? JoinEnd::kGone : ended_ ? JoinEnd::kEnded : JoinEnd::kLeft;
  }
  const std::string& gone() const { return gone_; }
  // Why the relay closed the link, as its last frame said ("[tandem: ...]"): only
  // when the host removed us.
  const std::string& farewell() const { return farewell_; }

 private:

  void attach() {
    Connection& c = sync();
    c.set_on_incoming([this] {
      held_.reset();  // the new link's screen is here: no need for the old one's
      const transport::Link& link = link_->link().link();
      if (link.rtt().has_sample()) predictor_.set_rtt(link.rtt().srtt_ms());
      predictor_.observe(sync().incoming(), transport::now_ms());
      predict_tick_start();
      pacer_.request();
    });
    // A paste moves at the relay's pace: stdin is read only while there is room.
    c.set_on_acked([this] {
      // The relay has the keys before the first still held here (acknowledged ones
      // were dropped from the outgoing log).
      predictor_.acknowledged(sync().outgoing().begin(), transport::now_ms());
      flow_.pump();
      if (flow_.has_room() && !left_) stdin_.enable();
    });
    c.set_on_status([this](statesync::SyncStatus s) {
      if (s == statesync::SyncStatus::kPeerClosed || s == statesync::SyncStatus::kClosed) {
        ended_ = s == statesync::SyncStatus::kPeerClosed;
        if (ended_) farewell_ = last_words(sync().incoming());
        event_base_loopbreak(base_);
      }
    });
  }

  // The relay gave us a new link (it restarted): the screen stays as it is until the
  // new link brings one, and input it never acknowledged goes again, once, in order
  // (the relay that had it is gone), before anything typed since.
  void swap(const proto::JoinAccept& accept, const transport::Address& udp) {
    if (left_) return;
    transport::LinkKey key;
    std::copy(accept.link_key().begin(), accept.link_key().end(), key.begin());
    std::string error;
    std::unique_ptr<ScreenLink> fresh =
        ScreenLink::open(base_, udp, key, accept.link_id(), statesync::InputState(),
                         screen::initial_screen(screen::kMaxHistoryLines), statesync::kInputSendDelayMs,
                         join_link_options(relay_, accept, transport_, tcp_override_), &error);
    if (!fresh) return;  // no socket: the next check asks again
    if (!held_) held_ = sync().incoming();
    const statesync::InputState& unacked = sync().outgoing();
    for (uint64_t seq = unacked.begin(); seq < unacked.end(); ++seq) fresh->sync().outgoing().push(unacked.at(seq));
    fresh->sync().outgoing_changed();
    link_ = std::move(fresh);
    predictor_.reset();  // its input log starts again
    flow_.rebind(link_->sync());
    attach();
    flow_.pump();
    if (!read_only_) send_size();
    if (flow_.has_room()) stdin_.enable();
    status();
  }
  void send_size() { flow_.push(statesync::Resize{tty_.size()}); }

  void read_stdin() {
    char buf[4096];
    const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      stdin_.disable();  // the terminal is gone: nothing more to read
      leave();
      return;
    }
    if (n < 0) return;
    std::string keys;
    for (ssize_t i = 0; i < n; ++i) {
      const char c = buf[i];
      if (scroll_) {
        send_keys(keys);  // what came before Ctrl-^ [ is the session's
        if (!scroll_->key(std::string_view(buf + i, size_t(n - i)))) scroll_.reset();
        pacer_.request();
        return;
      }
      if (escape_pending_) {
        escape_pending_ = false;
        if (c == '.') {
          leave();
          return;
        }
        if (c == '[') {  // the scroll mode: what follows goes to it
          scroll_.emplace(held_ ? *held_ : sync().incoming());
          pacer_.request();
          continue;
        }
        if (c != kEscapeKey) keys.push_back(kEscapeKey);
      } else if (c == kEscapeKey) {
        escape_pending_ = true;
        continue;
      }
      keys.push_back(c);
    }
    send_keys(keys);
  }

  void send_keys(const std::string& keys) {
    if (keys.empty()) return;
    if (read_only_) {
      set_notice("tandem: read-only: your keys are not sent (Ctrl-^ . leaves)");
      return;
    }
    flow_.push_keys(keys);
    predictor_.type(keys, sync().outgoing().end(), transport::now_ms());
    predict_tick_start();
    if (predictor_.showing()) pacer_.draw_now();  // the point of it: no frame's wait
    if (!flow_.has_room()) stdin_.disable();
  }

  // While predictions wait for their echo, they are judged again now and then (an
  // echo that never comes takes its prediction away).
  void predict_tick_start() {
    if (predictor_.active()) predict_tick_.start_if_idle(std::chrono::milliseconds(screen::EchoPredictor::kTickMs));
  }
  void predict_tick() {
    const bool was_showing = predictor_.showing();
    predictor_.tick(transport::now_ms());
    if (was_showing || predictor_.showing()) pacer_.request();
    predict_tick_start();
  }

  void leave() {
    if (left_) return;
    left_ = true;
    sync().shutdown();  // the loop ends when the relay acknowledges (or gives up)
    set_notice("tandem: leaving...");
  }

  // Says when the relay is quiet (and what asking it again found), and asks again.
  void status() {
    if (left_) return;
    const uint64_t silent = sync().silent_for_ms();
    recovery_.check(silent, link_->link().link().link_id());
    if (silent <= kLostContactMs) retry_text_.clear();
    const std::string text = !retry_text_.empty()      ? retry_text_
                             : silent > kLostContactMs ? "tandem: last contact " + std::to_string(silent / 1000) +
                                                             " s ago (Ctrl-^ . leaves)"
                                                       : std::string();
    if (!text.empty()) {
      set_notice(text);
      status_text_ = text;
    } else if (!status_text_.empty() && view_.notice() == status_text_) {
      set_notice({});
    }
  }

  // Draws, and says so for a while when the view shows only part of the session.
  void draw() {
    if (scroll_) {
      const Size size = tty_.size();
      view_.draw_still(scroll_->frame(size.cols, size.rows));
      return;
    }
    if (held_) {
      view_.draw(*held_);
    } else if (predictor_.showing()) {
      view_.draw(predictor_.overlay(sync().incoming()));
    } else {
      view_.draw(sync().incoming());
    }
    const std::string text =
        view_.viewport().partial() ? "tandem: " + view_.viewport().describe() + " follows the cursor" : "";
    if (text == view_text_) return;
    view_text_ = text;
    const bool over_role =
        !role_text_.empty() && (view_.notice() == role_text_ || (view_.notice() == view_said_ && view_said_ != text));
    if (text.empty() || (!view_.notice().empty() && view_.notice() != view_said_ && !over_role)) return;
    // Both said on one line: "tandem: read-only; view 60x12 of 100x30 follows the cursor".
    view_said_ = over_role ? "tandem: read-only; " + text.substr(8) : text;
    set_notice(view_said_);
    view_notice_.start(kViewNotice);
  }

  void set_notice(std::string text) {
    if (text == view_.notice()) return;
    view_.set_notice(std::move(text));
    pacer_.request();
  }

  Connection& sync() { return link_->sync(); }

  // The relay puts why a link ends on the bottom row of its last frame.
  static std::string last_words(const screen::ScreenState& screen) {
    if (screen.rows() == 0) return {};
    std::string row;
    for (int x = 0; x < screen.cols(); ++x) {
      const char32_t ch = screen.fb.row(screen.rows() - 1).cell(x).ch;
      row.push_back(ch >= 0x20 && ch < 0x7F ? char(ch) : '?');
    }
    const size_t start = row.find_first_not_of(' ');
    const size_t end = row.find_last_not_of(' ');
    if (start == std::string::npos || row.compare(start, 9, "[tandem: ") != 0 || row[end] != ']') return {};
    return row.substr(start, end - start + 1);
  }

  event_base* base_;
  JoinLink relay_;  // where its links' datagrams go over TCP when UDP is blocked
  transport::LinkTransport transport_;
  std::optional<transport::Address> tcp_override_;
  LocalTerminal& tty_;
  std::unique_ptr<ScreenLink> link_;
  statesync::InputFlow<Connection> flow_;
  ScreenView view_;
  FramePacer pacer_;
  screen::EchoPredictor predictor_;  // only what this terminal shows: never sent
  transport::Timer predict_tick_;
  bool read_only_;
  bool escape_pending_ = false;
  bool left_ = false;
  bool ended_ = false;
  std::string gone_;                              // why the session is gone, if it is
  std::string farewell_;                          // what the relay's last frame said
  std::string retry_text_;                        // what asking the relay again says
  std::string status_text_;                       // the last line status() showed
  std::optional<screen::ScreenState> held_;       // shown until a new link brings a screen
  std::optional<ScrollMode> scroll_;              // Ctrl-^ [: the history, not the session
  transport::Watch stdin_;
  transport::SignalWatch winch_, term_, hup_;
  transport::Timer status_;
  transport::Timer view_notice_;
  transport::Timer role_notice_;
  std::string view_text_;  // what a partial view was last said to be
  std::string view_said_;  // the line that said it
  std::string role_text_;  // "read-only view of ..." at join
  JoinRecovery recovery_;  // last: its thread's answer reaches the members above
};

// The relay's key for a pasted ssh line, if this machine knows it: pinned in the
// config for that relay, or remembered from an earlier visit.
std::string known_key(const JoinLink& link) {
  std::string ignored;
  if (std::optional<Config> c = load_config(&ignored);
      c && c->relay_host == link.host && c->relay_port == link.port && !c->relay_fingerprint.empty()) {
    return c->relay_fingerprint;
  }
  return known_relay(link.host + ":" + std::to_string(link.port));
}

// The link from what was pasted; nothing, with a message printed, if it is not one.
std::optional<JoinLink> pasted_link(const Options& args) {
  std::string text;
  for (const std::string& piece : args.positionals()) text += (text.empty() ? "" : " ") + piece;
  // `tandem join ssh -p 2222 TOKEN@HOST` unquoted: the shell split it, and -p is ours.
  if (args.has("port")) text += " -p " + args.value("port");
  std::string error;
  std::optional<PastedLink> pasted = parse_pasted_link(text, &error);
  if (!pasted) {
    std::fprintf(stderr, "tandem join: %s\n", error.c_str());
    return std::nullopt;
  }
  if (!pasted->ssh_line) {
    if (args.has("port")) {
      std::fprintf(stderr, "tandem join: -p is for a pasted ssh line; a tandem:// link names its port\n");
      return std::nullopt;
    }
    return pasted->link;
  }
  const std::string relay = pasted->link.host + ":" + std::to_string(pasted->link.port);
  pasted->link.fingerprint = known_key(pasted->link);
  if (pasted->link.fingerprint.empty()) {
    std::fprintf(stderr,
                 "tandem join: that is a plain-ssh line: it names the relay (%s) and the token, but not\n"
                 "  the relay's key, which tandem join checks, and this machine does not know that relay.\n"
                 "  Ask the host for the tandem://... link of the same role (the host sees it with\n"
                 "  Ctrl-^ then l, or `tandem links`), or run the ssh line as it is.\n",
                 relay.c_str());
    return std::nullopt;
  }
  std::fprintf(stderr, "tandem join: a plain-ssh line: joining natively, with the key this machine knows for %s\n",
               relay.c_str());
  return pasted->link;
}

}  // namespace

int cmd_join(const Options& args);

constexpr Flag kJoinFlags[] = {
    {.name = "udp-endpoint", .value = "ADDR:PORT", .help = "send UDP here, not to the relay (tests, odd networks)"},
    {.name = "tcp-endpoint",
     .value = "ADDR:PORT",
     .help = "the TCP path goes here, not to the relay's web port\n(tests, odd networks)"},
    {.name = "name",
     .value = "NAME",
     .help = "how the host is told of you (at most 32\nprintable characters; default: your key's\nfingerprint, or your "
             "address)"},
    {.name = "port",
     .short_name = 'p',
     .value = "PORT",
     .help = "the port of a pasted ssh line, so that\n`tandem join ssh -p PORT TOKEN@HOST` works unquoted"},
    {.name = "transport",
     .value = "udp|tcp|auto",
     .help = "how the screen travels: UDP, TCP (the relay's web\nport), or auto (the default: UDP, and TCP while\nUDP is blocked)"},
    {.name = "predict",
     .value = "WHEN",
     .help = "echo keys locally before the session does:\nadaptive (default: on a slow link or after\na "
             "glitch), always, or never"},
};

const Command kJoin{
    .name = "join",
    .usage = "[--name NAME] [--predict adaptive|always|never]\n[--transport udp|tcp|auto] [--udp-endpoint ADDR:PORT] LINK",
    .summary = "join a session as a native mate (Ctrl-^ then . leaves)",
    .description =
        "tandem join joins the session a tandem://... LINK names, as the host printed it.\n"
        "SSH only bootstraps (the relay's key is checked against the link, the token\n"
        "authenticates); then the screen is synced over encrypted UDP that survives\n"
        "roaming and sleep (over TCP to the relay's web port while UDP is blocked),\n"
        "and drawn on this terminal. A read-only link sends no keys.\n"
        "A relay silent for a while is asked again with the same link (a restarted relay\n"
        "gives a new one; typed keys are kept). Exits 1 when the session is gone\n"
        "(its relay, or the host that embedded it, went away), or when the relay refuses\n"
        "the link (a wrong token). Ctrl-^ then . leaves; Ctrl-^ then [ scrolls the\n"
        "session's history (Up/Down, PgUp/PgDn, g/G, / searches, n/N, q leaves).\n"
        "The link may come wrapped across lines, in pieces, or quoted. A plain-ssh line\n"
        "(ssh -p PORT TOKEN@HOST, or ssh://TOKEN@HOST:PORT) carries no relay key: it is\n"
        "joined natively only if this machine knows that relay's key (pinned in the\n"
        "config, or from an earlier visit).\n"
        "Keys are echoed locally before the session's screen comes back (--predict;\n"
        "by default when the round trip is long or the link stalls): wrong guesses are\n"
        "taken back within a round trip, and nothing predicted is ever sent.",
    .flags = kJoinFlags,
    .max_positionals = 16,  // a link pasted in pieces, or an ssh line split by the shell
    .run = cmd_join,
};

int cmd_join(const Options& args) {
  if (args.positionals().empty()) {
    std::fprintf(stderr, "usage: tandem join LINK   (the tandem://... link the host gave you)\n");
    return 2;
  }
  const std::string udp_override = args.value("udp-endpoint");  // for tests and odd networks: UDP goes there
  std::string error;
  std::optional<JoinLink> link = pasted_link(args);
  if (!link) return 2;
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "tandem join: stdin and stdout must be a terminal\n");
    return 1;
  }
  const std::string name = clean_mate_name(args.value("name"));
  screen::PredictMode predict = screen::PredictMode::kAdaptive;
  if (args.has("predict")) {
    std::optional<screen::PredictMode> mode = screen::parse_predict_mode(args.value("predict"));
    if (!mode) {
      std::fprintf(stderr, "tandem join: --predict is adaptive, always or never, not '%s'\n",
                   args.value("predict").c_str());
      return 2;
    }
    predict = *mode;
  }
  std::string ignored;
  std::optional<Config> config = load_config(&ignored);
  transport::LinkTransport link_transport = config ? config->transport : transport::LinkTransport::kAuto;
  if (args.has("transport")) {
    std::optional<transport::LinkTransport> t = parse_transport(args.value("transport"));
    if (!t) {
      std::fprintf(stderr, "tandem join: --transport is udp, tcp or auto, not '%s'\n", args.value("transport").c_str());
      return 2;
    }
    link_transport = *t;
  }
  std::optional<transport::Address> tcp_override;
  if (args.has("tcp-endpoint")) {
    tcp_override = transport::Address::parse(args.value("tcp-endpoint"));
    if (!tcp_override) {
      std::fprintf(stderr, "tandem join: --tcp-endpoint wants ADDR:PORT, not '%s'\n", args.value("tcp-endpoint").c_str());
      return 2;
    }
  }
  JoinIdentity identity{
      name, [] { std::fprintf(stderr, "tandem join: %s (the host approves each mate)\n", kWaitingForHost); }};
  std::optional<proto::JoinAccept> accept = join_bootstrap(*link, &error, 0, nullptr, identity);
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
  std::unique_ptr<ScreenLink> sync = ScreenLink::open(base.get(), *udp, key, accept->link_id(), statesync::InputState(),
                                                      screen::initial_screen(screen::kMaxHistoryLines),
                                                      statesync::kInputSendDelayMs,
                                                      join_link_options(*link, *accept, link_transport, tcp_override),
                                                      &error);
  if (!sync) {
    std::fprintf(stderr, "tandem join: %s\n", error.c_str());
    return 1;
  }

  LocalTerminal tty;
  if (!tty.open(&error)) {
    std::fprintf(stderr, "tandem join: %s\n", error.c_str());
    return 1;
  }
  JoinEnd end;
  std::string gone, farewell;
  {
    JoinClient client(base.get(), tty, std::move(sync), *link, udp_override, *accept, name, predict, link_transport,
                      tcp_override);
    end = client.run();
    gone = client.gone();
    farewell = client.farewell();
  }
  tty.restore();
  if (end == JoinEnd::kGone) {
    std::printf("[tandem: %s]\n", gone.c_str());
    return 1;
  }
  if (end == JoinEnd::kEnded && !farewell.empty()) {
    std::printf("%s\n", farewell.c_str());  // the host removed us
    return 1;
  }
  std::printf("%s\n", end == JoinEnd::kEnded ? "[tandem: the session has ended]" : "[tandem: you left the session]");
  return 0;
}

}  // namespace tandem
