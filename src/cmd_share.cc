// `tandem [share] [--read-only] [--allow FILE] [--size host|smallest] [--listen ADDR:PORT]
// [--links-file PATH] [-- CMD ARGS...]`: runs $SHELL (or CMD) as a shared session.
//
// The program runs on a PTY, through tandem's emulator, and is drawn on this
// terminal by the display. An embedded relay serves plain-ssh mates (SshServer) and
// native mates (NativeMates, bootstrapped over SSH, then UDP state sync). The links
// are printed at start, shown for a while at the bottom of the screen, given to the
// program as $TANDEM_LINKS, and reported by `tandem status` over $TANDEM_SOCKET.
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <vector>

#include "relay/native_mates.h"
#include "relay/ssh_server.h"
#include "relay/token.h"
#include "src/commands.h"
#include "src/control_socket.h"
#include "src/join_link.h"
#include "src/local_session.h"
#include "src/session_status.h"

namespace tandem {
namespace {

constexpr const char* kDefaultListen = "0.0.0.0:2222";
constexpr auto kLinksNotice = std::chrono::seconds(15);
constexpr auto kMateNotice = std::chrono::seconds(5);

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

}  // namespace

int cmd_share(const Args& args) {
  std::vector<std::string> command;
  std::string listen_text = kDefaultListen, links_file, allow_file;
  bool listen_given = false, read_only_only = false, size_smallest = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      command.assign(args.begin() + long(i) + 1, args.end());
      break;
    }
    if (args[i] == "--listen" && i + 1 < args.size()) {
      listen_text = args[++i];
      listen_given = true;
    } else if (args[i] == "--size" && i + 1 < args.size()) {
      std::string policy = args[++i];
      if (policy != "smallest" && policy != "host") {
        std::fprintf(stderr, "tandem: --size is 'host' (the default) or 'smallest', not '%s'\n", policy.c_str());
        return 2;
      }
      size_smallest = policy == "smallest";
    } else if (args[i] == "--allow" && i + 1 < args.size()) {
      allow_file = args[++i];
    } else if (args[i] == "--read-only") {
      read_only_only = true;  // no read-write link exists at all
    } else if (args[i] == "--links-file" && i + 1 < args.size()) {
      links_file = args[++i];
    } else {
      std::fprintf(stderr, "tandem: unknown option '%s' (a command goes after --)\n", args[i].c_str());
      return 2;
    }
  }
  if (const char* nested = std::getenv("TANDEM"); nested && *nested) {
    std::fprintf(stderr, "tandem: already inside a tandem session (TANDEM is set); unset TANDEM to nest anyway\n");
    return 1;
  }
  std::optional<transport::Address> listen = transport::Address::parse(listen_text);
  if (!listen) {
    std::fprintf(stderr, "tandem: --listen wants ADDR:PORT, e.g. 127.0.0.1:2222, not '%s'\n", listen_text.c_str());
    return 2;
  }
  if (command.empty()) {
    const char* shell = std::getenv("SHELL");
    command.push_back(shell && *shell ? shell : "/bin/sh");
  }
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "tandem: stdin and stdout must be a terminal\n");
    return 1;
  }

  transport::EventBasePtr base = transport::make_event_base();
  const std::string rw_token = read_only_only ? std::string() : relay::new_token(), ro_token = relay::new_token();
  LocalSession* session_ptr = nullptr;
  relay::NativeMates* natives_ptr = nullptr;
  relay::SshServerCallbacks callbacks;
  callbacks.authorize = [&](std::string_view token) {
    if (!rw_token.empty() && relay::same_token(token, rw_token)) return relay::Role::kReadWrite;
    if (relay::same_token(token, ro_token)) return relay::Role::kReadOnly;
    return relay::Role::kNone;
  };
  callbacks.on_input = [&](std::string_view bytes) {
    if (session_ptr) session_ptr->type(bytes);
  };
  // --size smallest: read-write mates' terminals bound the session; read-only ones never do.
  std::map<std::string, std::pair<int, int>> rw_sizes;
  auto apply_sizes = [&] {
    if (!session_ptr || !size_smallest) return;
    if (rw_sizes.empty()) {
      session_ptr->set_size_limit(std::nullopt);
      return;
    }
    std::pair<int, int> limit{INT32_MAX, INT32_MAX};
    for (const auto& [who, size] : rw_sizes) {
      limit.first = std::min(limit.first, size.first);
      limit.second = std::min(limit.second, size.second);
    }
    session_ptr->set_size_limit(limit);
  };
  callbacks.on_mate_size = [&](const std::string& who, relay::Role role, int cols, int rows) {
    if (role != relay::Role::kReadWrite) return;
    rw_sizes[who] = {std::max(cols, 10), std::max(rows, 3)};
    apply_sizes();
  };
  callbacks.on_mate = [&](const std::string& who, relay::Role role, bool joined) {
    if (!joined && rw_sizes.erase(who) > 0) apply_sizes();
    if (!session_ptr) return;
    const char* kind = role == relay::Role::kReadWrite ? "read-write" : "read-only";
    session_ptr->show_notice("tandem: " + std::string(kind) + " mate " + who + (joined ? " joined" : " left"),
                             kMateNotice);
  };
  callbacks.on_bootstrap = [&](relay::Role role, const std::string& who) -> std::optional<std::string> {
    if (!natives_ptr) return std::nullopt;
    return natives_ptr->admit(role, who, command[0]);
  };
  std::string error;
  auto server = relay::SshServer::open(base.get(), *listen, callbacks, &error);
  if (!server && !listen_given) {
    listen = listen->with_port(0);  // the default port is taken: any port will do
    server = relay::SshServer::open(base.get(), *listen, callbacks, &error);
  }
  if (!server) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  if (!allow_file.empty()) {
    std::set<std::string> keys;
    if (!relay::read_allowed_keys(allow_file, keys, &error)) {
      std::fprintf(stderr, "tandem: --allow: %s\n", error.c_str());
      return 1;
    }
    server->set_allowed_keys(std::move(keys));
  }
  {
    const char* user = std::getenv("USER");
    char hostname[256] = "";
    gethostname(hostname, sizeof hostname - 1);
    server->set_session_name(std::string(user && *user ? user : "someone") + "@" + hostname);
  }
  // Native mates' UDP: the SSH port number when it is free, any other otherwise.
  auto natives = relay::NativeMates::open(base.get(), listen->with_port(server->port()), &error);
  if (!natives) natives = relay::NativeMates::open(base.get(), listen->with_port(0), &error);
  if (!natives) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  natives_ptr = natives.get();
  natives->set_on_input(callbacks.on_input);
  natives->set_on_mate(callbacks.on_mate);
  natives->set_on_mate_size(callbacks.on_mate_size);

  const std::string host = link_host(*listen), port = std::to_string(server->port());
  SessionStatus links;  // the fixed part of `tandem status`; mates and size are added when asked
  links.ssh_port = server->port();
  links.udp_port = natives->port();
  links.fingerprint = server->fingerprint();
  links.ro_link = "ssh -p " + port + " " + ro_token + "@" + host;
  links.ro_join = JoinLink{ro_token, host, server->port(), server->fingerprint()}.to_string();
  if (!read_only_only) {
    links.rw_link = "ssh -p " + port + " " + rw_token + "@" + host;
    links.rw_join = JoinLink{rw_token, host, server->port(), server->fingerprint()}.to_string();
  }
  std::fputs(links.links_text().c_str(), stderr);
  if (!links_file.empty()) {
    std::ofstream out(links_file);
    if (!read_only_only) out << "rw " << links.rw_link << "\njoin-rw " << links.rw_join << "\n";
    out << "ro " << links.ro_link << "\njoin-ro " << links.ro_join << "\nudp " << links.udp_port
        << "\nfingerprint " << links.fingerprint << "\n";
  }
  const std::string links_line =
      read_only_only ? "ro " + links.ro_link : "rw " + links.rw_link + "  ro " + links.ro_link;

  // $TANDEM_SOCKET: `tandem status` and `tandem wait-ready` from inside the session.
  auto control = ControlSocket::open(
      base.get(),
      [&](const std::string& request) -> std::string {
        if (request == "wait-ready") return "ready\n";
        SessionStatus now = links;
        now.mates = server->mate_list();
        for (relay::MateInfo& m : natives->mate_list()) now.mates.push_back(std::move(m));
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

  LocalTerminal tty;
  int cols, rows;
  tty.size(cols, rows);
  std::unique_ptr<Pty> pty = Pty::spawn(
      command,
      {"TERM=xterm-256color", "TANDEM=1", "TANDEM_LINKS=" + links_line, "TANDEM_SOCKET=" + control->path()}, cols, rows,
      &error);
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
    session.set_on_frame([&](const screen::ScreenState& s) {
      server->publish(s);
      natives->publish(s);
    });
    session.show_notice("tandem: " + links_line, kLinksNotice);
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
  // Tell the mates, and give their channels a moment to carry it.
  server->end_session(ended);
  natives->end_session();
  for (int i = 0; i < 100 && (server->mates() > 0 || natives->open_mates() > 0); ++i) {
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
