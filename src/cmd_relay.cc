// `tandem relay [--listen ADDR:PORT] [--udp-port PORT] [--state-dir DIR]
// [--public-host NAME] [--linger SECONDS] [--user NAME]`: a relay of one's own.
//
// One process and one event loop for every session. Its SSH host key and the key
// of its resume secrets live in the state directory (0600), so a restarted relay
// has the same fingerprint and gives hosts their sessions back. It prints the lines
// hosts put in their config to use it, then logs one line per notable event. When
// stopped (SIGTERM, SIGINT), it tells plain-ssh mates why they are dropped.
// Started as root, it gives root up (for `nobody`, or --user) once its ports are
// bound and its keys read.
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "relay/log.h"
#include "relay/relay.h"
#include "relay/state_dir.h"
#include "relay/web/web_assets.h"
#include "src/commands.h"
#include "src/options.h"
#include "src/web_options.h"

namespace tandem {
namespace {

constexpr const char* kDefaultListen = "0.0.0.0:2222";
constexpr Range kLinger{1, 30L * 24 * 3600};  // seconds: up to 30 days
constexpr Range kCount{1, 1000000};
constexpr Range kHistory{0, long(screen::kMaxHistoryLines)};
constexpr int kGoodbyeTicks = 100;  // of 10 ms: how long stopping waits for ssh mates to be told
constexpr const char* kStoppingMessage =
    "[tandem: the relay is shutting down, most likely to restart: join again with the same link in a moment]";

}  // namespace

int cmd_relay(const Options& args);

constexpr Flag kRelayFlags[] = {
    {.name = "listen", .value = "ADDR:PORT", .help = "where SSH (and UDP) listen (default 0.0.0.0:2222)"},
    {.name = "udp-port", .value = "PORT", .help = "UDP on this port, not the SSH one (0: any free one)"},
    {.name = "state-dir",
     .value = "DIR",
     .help = "where its SSH host key and resume key live (default:\n"
             "$STATE_DIRECTORY, /var/lib/tandem-relay as root,\n"
             "else ~/.local/state/tandem/relay)"},
    {.name = "public-host", .value = "NAME", .help = "the name in links (default: the one each host dialed)"},
    {.name = "linger", .value = "SECONDS", .help = "how long a silent host's session waits (default 3600)"},
    {.name = "user", .value = "NAME", .help = "started as root, serve as this user (default nobody)"},
    {.name = "sessions-per-key", .value = "N", .help = "sessions one host key may have (default 32)"},
    {.name = "sessions-per-address", .value = "N", .help = "sessions from one address (default 64)"},
    {.name = "history",
     .value = "LINES",
     .help = "scrollback each session keeps for late joiners, at most\n"
             "(default 1000; hosts may ask for less)"},
    {.name = "connections-per-address",
     .value = "N",
     .help = "SSH (and web) connections at once from one address\n(default 128)"},
    TANDEM_WEB_FLAGS,
};

const Command kRelay{
    .name = "relay",
    .usage =
        "[--listen ADDR:PORT] [--udp-port PORT] [--state-dir DIR]\n"
        "[--public-host NAME] [--linger SECONDS] [--user NAME]\n"
        "[--sessions-per-key N] [--sessions-per-address N]\n"
        "[--connections-per-address N] [--history LINES]\n"
        "[--web-listen ADDR:PORT|off] [--tls-cert FILE]\n"
        "[--tls-key FILE] [--trust-proxy] [--web-url URL]",
    .summary = "run a relay of your own, for many hosts",
    .description =
        "tandem relay runs a relay for many hosts, in one process: SSH bootstraps, UDP\n"
        "state sync. It prints its key and the config lines that pin it, then logs one\n"
        "line per notable event. Its keys stay in the state directory, so a restarted\n"
        "relay keeps its fingerprint and gives hosts their sessions back. Started as\n"
        "root, it gives root up once its ports are bound and its keys read.\n"
        "Stock tmate 2.4 hosts share through it too (the ~/.tmate.conf lines it prints):\n"
        "their sessions take every kind of tandem mate.\n"
        "Browsers join on the web port (--web-listen) with the web links hosts print. For\n"
        "https, give --tls-cert and --tls-key, or put a reverse proxy in front (README).",
    .flags = kRelayFlags,
    .run = cmd_relay,
};

int cmd_relay(const Options& args) {
  const std::string listen_text = args.value("listen", kDefaultListen);
  const std::string state_dir = args.value("state-dir", relay::default_state_dir());
  const std::string public_host = args.value("public-host"), run_as = args.value("user", "nobody");
  std::optional<uint16_t> udp_port;  // none: the SSH port
  long linger = 3600;
  relay::BootstrapLimits hosts;
  ssh::ListenerLimits connections;
  long per_key = long(hosts.sessions_per_key), per_address = long(hosts.sessions_per_address);
  long connections_per_address = long(connections.max_per_address);
  long history = long(hosts.history_lines);
  if (std::string error; !args.port("udp-port", kAnyPort, udp_port, &error) ||
                         !args.number("linger", kLinger, "seconds", linger, &error) ||
                         !args.number("sessions-per-key", kCount, "a number", per_key, &error) ||
                         !args.number("sessions-per-address", kCount, "a number", per_address, &error) ||
                         !args.number("history", kHistory, "lines", history, &error) ||
                         !args.number("connections-per-address", kCount, "a number", connections_per_address,
                                      &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  std::optional<transport::Address> listen = transport::Address::parse(listen_text);
  if (!listen) {
    std::fprintf(stderr, "tandem relay: --listen wants ADDR:PORT, e.g. 0.0.0.0:2222, not '%s'\n",
                 listen_text.c_str());
    return 2;
  }
  if (sodium_init() < 0) {
    std::fprintf(stderr, "tandem relay: libsodium cannot start\n");
    return 1;
  }
  std::string error;
  std::optional<relay::RelayState> state = relay::load_state(state_dir, &error);
  if (!state) {
    std::fprintf(stderr, "tandem relay: %s\n", error.c_str());
    return 1;
  }
  std::optional<relay::WebOptions> web;
  bool web_given = false;
  if (!read_web_options(args, *listen, web, &web_given, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  if (web) {
    web->any_port_if_taken = !web_given;
    web->max_per_address = size_t(connections_per_address);  // browsers' connections count as SSH's do
    // A first start has no sessions for hosts to bring back: unknown tokens are wrong at once.
    if (!state->restarted) web->restart_grace = std::chrono::milliseconds(0);
  }
  relay::RelayOptions options;
  options.web = web;
  options.ssh_listen = *listen;
  options.udp_listen = listen->with_port(udp_port.value_or(listen->port()));
  options.host_key = state->host_key.release();
  options.rsa_host_key = state->rsa_host_key.release();
  options.tmate_hosts = true;
  options.secret = state->secret;
  options.public_host = public_host;
  options.timeouts.linger = std::chrono::seconds(linger);
  options.hosts = relay::BootstrapLimits{size_t(per_key), size_t(per_address), size_t(history)};
  connections.max_per_address = size_t(connections_per_address);
  options.connections = connections;

  transport::EventBasePtr base = transport::make_event_base();
  std::unique_ptr<relay::Relay> relay = relay::Relay::open(base.get(), options, &error);
  if (!relay) {
    std::fprintf(stderr, "tandem relay: %s\n", error.c_str());
    return 1;
  }
  if (geteuid() == 0) {
    const passwd* pw = getpwnam(run_as.c_str());
    if (!pw || setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
      std::fprintf(stderr, "tandem relay: cannot give up root for user '%s'; refusing to serve as root\n",
                   run_as.c_str());
      return 1;
    }
  }
  relay::enable_log(true);
  signal(SIGPIPE, SIG_IGN);
  transport::SignalWatch term(base.get(), SIGTERM, [&] { event_base_loopbreak(base.get()); });
  transport::SignalWatch intr(base.get(), SIGINT, [&] { event_base_loopbreak(base.get()); });
  // A terminal that went away (or a habit from other daemons) must not stop the relay.
  transport::SignalWatch hup(base.get(), SIGHUP, [] { relay::log("relay: SIGHUP ignored (the log is stderr)\n"); });

  // The name hosts dial: --public-host, else the address it listens on if that is one.
  const std::string bound = listen->host();
  const bool wildcard = bound == "0.0.0.0" || bound == "::" || bound.empty();
  const std::string host = !public_host.empty() ? public_host : wildcard ? "THIS-RELAY'S-ADDRESS" : bound;
  std::printf("tandem relay %s: SSH on %s, UDP on port %u, state in %s\n", TANDEM_VERSION,
              listen->with_port(relay->ssh_port()).to_string().c_str(), unsigned(relay->udp_port()),
              state_dir.c_str());
  if (const relay::WebDoor* w = relay->web()) {
    std::printf("web on %s: browsers join with the web links hosts print (%s#TOKEN)%s\n",
                web->listen.with_port(w->port()).to_string().c_str(), w->base_url(host).c_str(),
                relay::web_assets().empty() ? "; the page was not built (npm was missing at build time)" : "");
  } else {
    std::printf("no web port (--web-listen off)\n");
  }
  std::printf("key %s\n", relay->fingerprint().c_str());
  std::printf("Hosts use this relay with these lines in ~/.config/tandem/config:\n"
              "  relay-host = %s\n  relay-port = %u\n  relay-fingerprint = %s\n",
              host.c_str(), unsigned(relay->ssh_port()), relay->fingerprint().c_str());
  std::printf("tmate 2.4 hosts use it with these lines in ~/.tmate.conf:\n"
              "  set -g tmate-server-host %s\n  set -g tmate-server-port %u\n"
              "  set -g tmate-server-rsa-fingerprint %s\n  set -g tmate-server-ed25519-fingerprint %s\n",
              host.c_str(), unsigned(relay->ssh_port()), relay->rsa_fingerprint().c_str(),
              relay->fingerprint().c_str());
  std::fflush(stdout);
  event_base_dispatch(base.get());
  relay::log("relay: stopping (%zu sessions; their hosts will resume them when it is back)\n", relay->sessions());
  // Plain-ssh mates cannot come back by themselves: they are told why they are
  // dropped. Hosts and native mates are not told goodbye: they come back by themselves.
  relay->stopping(kStoppingMessage);
  for (int i = 0; i < kGoodbyeTicks && relay->connections() > 0; ++i) {
    transport::run_loop_for(base.get(), std::chrono::milliseconds(10));
  }
  return 0;
}

}  // namespace tandem
