// `tandem [share] [OPTIONS] [-- CMD ARGS...]`: runs $SHELL (or CMD) as a shared session.
//
// The program runs on a PTY, through tandem's emulator, and is drawn on this
// terminal by the display. The session lives on a relay: the configured one
// (RemoteSession: SSH bootstrap, then UDP state sync), or else one embedded in this
// process (relay::Relay, with this host attached directly). The links are printed at
// start, shown for a while at the bottom of the screen, given to the program as
// $TANDEM_LINKS, and reported by `tandem status` over $TANDEM_SOCKET.
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <vector>

#include "relay/relay.h"
#include "src/commands.h"
#include "src/config.h"
#include "src/control_socket.h"
#include "src/local_session.h"
#include "src/remote_session.h"
#include "src/session_status.h"

namespace tandem {
namespace {

constexpr const char* kDefaultListen = "0.0.0.0:2222";
constexpr auto kLinksNotice = std::chrono::seconds(15);
constexpr auto kMateNotice = std::chrono::seconds(5);
constexpr uint64_t kRelayQuietMs = 7000;  // a relay elsewhere silent this long (two heartbeats): say so
constexpr timeval kBannerTick{1, 0};

// The address mates should dial: the one we listen on, or this machine's first
// non-loopback IPv4 address when listening on all of them.
std::string link_host(const transport::Address& listen) {
  std::string text = listen.to_string();
  std::string host = text.substr(0, text.rfind(':'));
  if (host != "0.0.0.0" && host != "[::]") return host;
  ifaddrs* list = nullptr;
  std::string found = "127.0.0.1";
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* i = list; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
      transport::Address a(i->ifa_addr, sizeof(sockaddr_in));
      std::string s = a.to_string();
      if (s.rfind("127.", 0) == 0) continue;
      found = s.substr(0, s.rfind(':'));
      break;
    }
    freeifaddrs(list);
  }
  return found;
}

void fill_links(SessionStatus& links, const proto::HostAccept& a) {
  links.ssh_port = uint16_t(a.ssh_port());
  links.udp_port = uint16_t(a.udp_port());
  links.fingerprint = a.fingerprint();
  links.rw_link = a.ssh_rw();
  links.rw_join = a.join_rw();
  links.ro_link = a.ssh_ro();
  links.ro_join = a.join_ro();
}

void write_links_file(const std::string& path, const SessionStatus& links) {
  if (path.empty()) return;
  std::ofstream out(path);
  if (!links.rw_link.empty()) out << "rw " << links.rw_link << "\njoin-rw " << links.rw_join << "\n";
  out << "ro " << links.ro_link << "\njoin-ro " << links.ro_join << "\nudp " << links.udp_port
      << "\nfingerprint " << links.fingerprint << "\n";
}

std::string short_links(const SessionStatus& links) {
  return links.rw_link.empty() ? "ro " + links.ro_link : "rw " + links.rw_link + "  ro " + links.ro_link;
}

}  // namespace

int cmd_share(const Options& args);

constexpr Flag kShareFlags[] = {
    {.name = "relay", .value = "HOST[:PORT]", .help = "share through this relay (default port 2222)"},
    {.name = "relay-fingerprint", .value = "SHA256:...", .help = "the relay's key, if not pinned in the config"},
    {.name = "identity",
     .value = "FILE",
     .help = "the SSH key to register with\n(default: ssh-agent's, or ~/.ssh/id_*)"},
    {.name = "local", .help = "use an embedded relay even if one is configured"},
    {.name = "listen",
     .value = "ADDR:PORT",
     .help = "where the embedded relay listens (default 0.0.0.0:2222,\nor any free port if 2222 is taken)"},
    {.name = "links-file", .value = "PATH", .help = "also write the links to PATH"},
    {.name = "read-only", .help = "make no read-write link at all: mates can only watch"},
    {.name = "allow",
     .value = "FILE",
     .help = "admit only mates whose key is listed in FILE\n(authorized_keys format)"},
    {.name = "size",
     .value = "host|smallest",
     .help = "host (the default): the session is the host's size;\n"
             "smallest: the smallest read-write terminal's\n"
             "(read-only mates never shrink it)"},
    {.name = "udp-endpoint", .value = "ADDR:PORT", .help = "send UDP here, not to the relay (tests, odd networks)"},
};

const Command kShare{
    .name = "share",
    .usage =
        "[--read-only] [--allow FILE] [--size host|smallest]\n"
        "[--relay HOST[:PORT]] [--local] [--listen ADDR:PORT]\n"
        "[--links-file PATH] [-- COMMAND [ARGS...]]",
    .summary = "share your shell (or COMMAND) with mates; the default",
    .description =
        "tandem shares your shell (or COMMAND): it runs on a PTY through tandem's own\n"
        "terminal emulator, drawn on this terminal, and a relay lets mates watch or type\n"
        "with plain ssh or `tandem join`, read-write or read-only, using the links it\n"
        "prints (also in $TANDEM_LINKS inside the session). The relay is the one in\n"
        "~/.config/tandem/config (relay-host = ...), or tmate-server-host in\n"
        "~/.tmate.conf, or else one embedded in tandem itself. Inside the session,\n"
        "`tandem status` and `tandem wait-ready` ask it how it is.",
    .flags = kShareFlags,
    .takes_command = true,
    .run = cmd_share,
};

int cmd_share(const Options& args) {
  std::string error;
  std::optional<Config> config = load_config(&error);
  if (!config) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 2;
  }
  std::vector<std::string> command = args.command();
  const std::string listen_text = args.value("listen", kDefaultListen);
  const std::string links_file = args.value("links-file"), allow_file = args.value("allow");
  const std::string udp_override = args.value("udp-endpoint");  // for tests and odd networks: UDP goes there
  const bool listen_given = args.has("listen");
  const bool read_only_only = args.has("read-only");  // no read-write link exists at all
  bool size_smallest = config->size == "smallest";
  if (args.has("size")) {
    const std::string policy = args.value("size");
    if (policy != "smallest" && policy != "host") {
      std::fprintf(stderr, "tandem: --size is 'host' (the default) or 'smallest', not '%s'\n", policy.c_str());
      return 2;
    }
    size_smallest = policy == "smallest";
  }
  if (args.has("relay")) {
    std::string relay = args.value("relay");
    config->relay_from = "--relay";
    config->relay_fingerprint.clear();
    const size_t colon = relay.rfind(':');
    if (colon != std::string::npos && relay.find(':') == colon) {
      std::optional<long> port = parse_number(std::string_view(relay).substr(colon + 1), kPort);
      if (!port) {
        std::fprintf(stderr, "tandem: --relay wants HOST or HOST:PORT, not '%s'\n", relay.c_str());
        return 2;
      }
      config->relay_port = uint16_t(*port);
      relay.resize(colon);
    }
    config->relay_host = relay;
  }
  if (args.has("relay-fingerprint")) config->relay_fingerprint = args.value("relay-fingerprint");
  if (args.has("identity")) config->identity_file = args.value("identity");
  if (args.has("local")) config->relay_host.clear();
  if (const char* nested = std::getenv("TANDEM"); nested && *nested) {
    std::fprintf(stderr, "tandem: already inside a tandem session (TANDEM is set); unset TANDEM to nest anyway\n");
    return 1;
  }
  std::optional<transport::Address> listen = transport::Address::parse(listen_text);
  if (!listen) {
    std::fprintf(stderr, "tandem: --listen wants ADDR:PORT, e.g. 127.0.0.1:2222, not '%s'\n", listen_text.c_str());
    return 2;
  }
  if (command.empty()) command = config->command;
  if (command.empty()) {
    const char* shell = std::getenv("SHELL");
    command.push_back(shell && *shell ? shell : "/bin/sh");
  }
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "tandem: stdin and stdout must be a terminal\n");
    return 1;
  }
  relay::SessionOptions options;
  options.read_only_only = read_only_only;
  if (!allow_file.empty() && !relay::read_allowed_keys(allow_file, options.allowed_keys, &error)) {
    std::fprintf(stderr, "tandem: --allow: %s\n", error.c_str());
    return 1;
  }
  {
    const char* user = std::getenv("USER");
    char hostname[256] = "";
    gethostname(hostname, sizeof hostname - 1);
    options.name = std::string(user && *user ? user : "someone") + "@" + hostname;
  }
  LocalTerminal tty;
  int cols, rows;
  tty.size(cols, rows);

  transport::EventBasePtr base = transport::make_event_base();
  LocalSession* session_ptr = nullptr;
  auto on_input = [&](std::string_view bytes) {
    if (session_ptr) session_ptr->type(bytes);
  };
  auto on_mate = [&](const relay::MateInfo& m, bool joined) {
    if (session_ptr) {
      session_ptr->show_notice("tandem: " + std::string(relay::role_name(m.role)) + " mate " + m.who +
                                   (joined ? " joined" : " left"),
                               kMateNotice);
    }
  };
  // --size smallest: read-write mates' terminals bound the session; read-only ones never do.
  std::optional<std::pair<int, int>> mates_size;
  auto on_mates_size = [&](std::optional<std::pair<int, int>> size) {
    mates_size = size;
    if (session_ptr && size_smallest) session_ptr->set_size_limit(size);
  };

  SessionStatus links;  // the fixed part of `tandem status`; mates and size are added when asked
  std::unique_ptr<relay::Relay> relay;
  relay::Session* local = nullptr;
  std::unique_ptr<RemoteSession> remote;
  if (!config->relay_host.empty()) {
    proto::HostHello hello;
    hello.set_version(relay::kBootstrapVersion);
    hello.set_client_version(std::string("tandem ") + TANDEM_VERSION);
    hello.set_cols(uint32_t(cols));
    hello.set_rows(uint32_t(rows));
    hello.set_session_name(options.name);
    hello.set_read_only_only(read_only_only);
    for (const std::string& k : options.allowed_keys) hello.add_allowed_keys(k);
    hello.set_relay_host(config->relay_host);
    RelayAddress where{config->relay_host, config->relay_port, config->relay_fingerprint, config->identity_file};
    RemoteHooks hooks{on_input, on_mate, on_mates_size, [&](const proto::HostAccept& a) {
                        fill_links(links, a);
                        write_links_file(links_file, links);
                        if (session_ptr) session_ptr->show_notice("tandem: the relay lost the session; new links: " +
                                                                      short_links(links), kLinksNotice);
                      }};
    remote = RemoteSession::open(base.get(), where, hello, udp_override, hooks, &error);
    if (!remote) {
      std::fprintf(stderr, "tandem: cannot share through the relay %s:%u (from %s): %s\n",
                   config->relay_host.c_str(), unsigned(config->relay_port), config->relay_from.c_str(),
                   error.c_str());
      return 1;
    }
    fill_links(links, remote->accept());
    links.relay = config->relay_host + ":" + std::to_string(config->relay_port);
  } else {
    relay::RelayOptions ro;
    ro.ssh_listen = *listen;
    ro.udp_listen = *listen;
    relay = relay::Relay::open(base.get(), ro, &error);
    if (!relay && !listen_given) {
      ro.ssh_listen = ro.udp_listen = listen->with_port(0);  // the default port is taken: any port will do
      relay = relay::Relay::open(base.get(), ro, &error);
    }
    if (!relay) {
      std::fprintf(stderr, "tandem: %s\n", error.c_str());
      return 1;
    }
    local = &relay->create_session(options, relay::HostHooks{on_input, on_mate, on_mates_size});
    proto::HostAccept made;
    relay->fill_links(*local, link_host(*listen), made);
    fill_links(links, made);
  }
  std::fputs(links.links_text().c_str(), stderr);
  write_links_file(links_file, links);

  // $TANDEM_SOCKET: `tandem status` and `tandem wait-ready` from inside the session.
  auto control = ControlSocket::open(
      base.get(),
      [&](const std::string& request) -> std::string {
        if (request == "wait-ready") return "ready\n";
        SessionStatus now = links;
        now.mates = local ? local->mates() : remote->mates();
        if (remote) {
          now.relay_heard_ms_ago = int64_t(remote->silent_for_ms());
          now.relay_srtt_ms = remote->srtt_ms();
        }
        if (session_ptr) {
          now.cols = session_ptr->screen().cols();
          now.rows = session_ptr->screen().rows();
        }
        return request == "status json" ? now.json() : now.text();
      },
      &error);
  if (!control) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }

  std::unique_ptr<Pty> pty = Pty::spawn(command,
                                        {"TERM=xterm-256color", "TANDEM=1", "TANDEM_LINKS=" + short_links(links),
                                         "TANDEM_SOCKET=" + control->path()},
                                        cols, rows, &error);
  if (!pty) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  if (!tty.open(&error)) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  int status;
  {
    LocalSession session(base.get(), tty, std::move(pty), cols, rows);
    session_ptr = &session;
    if (size_smallest && mates_size) session.set_size_limit(mates_size);
    session.set_on_frame([&](const screen::ScreenState& s) {
      if (local) local->publish(s);
      if (remote) remote->publish(s);
    });
    session.show_notice("tandem: " + short_links(links), kLinksNotice);
    // A relay elsewhere that has gone quiet: a discreet banner until it is back.
    auto banner = [&] {
      if (!remote) return;
      const uint64_t quiet = remote->silent_for_ms();
      if (quiet >= kRelayQuietMs) {
        session.show_notice("tandem: relay unreachable for " + std::to_string(quiet / 1000) + " s, reconnecting",
                            std::chrono::milliseconds(1500));
      }
    };
    transport::EventPtr banner_event(event_new(
        base.get(), -1, EV_PERSIST, [](evutil_socket_t, short, void* arg) { (*static_cast<decltype(banner)*>(arg))(); },
        &banner));
    event_add(banner_event.get(), &kBannerTick);
    status = session.run();
    session_ptr = nullptr;
  }
  tty.restore();

  std::string ended = "[tandem: session ended]";
  if (status >= 0 && WIFEXITED(status)) {
    ended = "[tandem: session ended; " + command[0] + " exited with status " + std::to_string(WEXITSTATUS(status)) + "]";
  } else if (status >= 0 && WIFSIGNALED(status)) {
    ended = "[tandem: session ended; " + command[0] + " was killed by signal " + std::to_string(WTERMSIG(status)) + "]";
  }
  // Tell the mates, and give the goodbyes a moment to get through.
  if (local) relay->end_session(*local, ended);
  if (remote) remote->end();
  for (int i = 0; i < 100 && (local ? relay->connected_mates() > 0 : !remote->ended()); ++i) {
    timeval tv{0, 10000};
    event_base_loopexit(base.get(), &tv);
    event_base_dispatch(base.get());
  }
  std::printf("%s\n", ended.c_str());
  if (status >= 0 && WIFEXITED(status)) return WEXITSTATUS(status);
  if (status >= 0 && WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 0;
}

}  // namespace tandem
