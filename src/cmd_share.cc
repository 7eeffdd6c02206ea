// `tandem [share] [OPTIONS] [-- CMD ARGS...]`: runs $SHELL (or CMD) as a shared session.
//
// It reads as the steps it takes: the options and the config make a BackendOptions
// (where the session lives) and HostOptions (how the host sees it); make_backend()
// opens the session on its relay (embedded or elsewhere) and prints its links; the
// HostSession runs the program on a PTY until it exits; then every mate is told
// and given a moment to hear it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "relay/ssh/handles.h"
#include "src/commands.h"
#include "src/host/host_session.h"
#include "src/options.h"

namespace tandem {
namespace {

constexpr const char* kDefaultListen = "0.0.0.0:2222";
constexpr Range kHistory{0, long(screen::kMaxHistoryLines)};

// "user@machine": how mates' join notices name the host.
std::string host_name() {
  const char* user = std::getenv("USER");
  char hostname[256] = "";
  gethostname(hostname, sizeof hostname - 1);
  return std::string(user && *user ? user : "someone") + "@" + hostname;
}

// The options and the config, as the backend and the host session want them; false
// with `error` in words.
bool read_options(const Options& args, BackendOptions& b, HostOptions& h, std::vector<std::string>& command,
                  std::unique_ptr<NamedSession>& named, std::string* error) {
  auto fail = [&](std::string why) {
    *error = std::move(why);
    return false;
  };
  std::optional<Config> config = load_config(error);
  if (!config) return false;
  h.size = config->size;
  if (args.has("size")) {
    std::optional<SizePolicy> policy = parse_size_policy(args.value("size"));
    if (!policy) return fail("--size is 'host' (the default) or 'smallest', not '" + args.value("size") + "'");
    h.size = *policy;
  }
  if (args.has("relay")) {
    std::string relay = args.value("relay");
    config->relay_from = "--relay";
    config->relay_fingerprint.clear();
    const size_t colon = relay.rfind(':');
    if (colon != std::string::npos && relay.find(':') == colon) {
      std::optional<long> port = parse_number(std::string_view(relay).substr(colon + 1), kPort);
      if (!port) return fail("--relay wants HOST or HOST:PORT, not '" + relay + "'");
      config->relay_port = uint16_t(*port);
      relay.resize(colon);
    }
    config->relay_host = relay;
  }
  if (args.has("relay-fingerprint")) config->relay_fingerprint = args.value("relay-fingerprint");
  if (args.has("identity")) config->identity_file = args.value("identity");
  if (args.has("local")) config->relay_host.clear();
  const std::string listen = args.value("listen", kDefaultListen);
  std::optional<transport::Address> address = transport::Address::parse(listen);
  if (!address) return fail("--listen wants ADDR:PORT, e.g. 127.0.0.1:2222, not '" + listen + "'");
  b.listen = *address;
  b.listen_given = args.has("listen");
  b.udp_override = args.value("udp-endpoint");  // for tests and odd networks: UDP goes there
  b.read_only_only = args.has("read-only");     // no read-write link exists at all
  if (args.has("allow") && !ssh::read_authorized_keys(args.value("allow"), b.allowed_keys, error)) {
    return fail("--allow: " + *error);
  }
  long history = long(b.history);
  if (!args.number("history", kHistory, "lines", history, error)) return false;
  b.history = size_t(history);
  b.name = host_name();
  if (args.has("name")) {
    named = NamedSession::open(args.value("name"), error);
    if (!named) return false;
    b.named = named.get();
  }
  h.links_file = args.value("links-file");
  command = args.command().empty() ? config->command : args.command();
  if (command.empty()) {
    const char* shell = std::getenv("SHELL");
    command.push_back(shell && *shell ? shell : "/bin/sh");
  }
  b.config = std::move(*config);
  return true;
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
    {.name = "name",
     .value = "NAME",
     .help = "a named session: the same links every time, and a host\n"
             "started again takes its session and waiting mates back\n"
             "(kept in ~/.config/tandem/sessions/NAME)"},
    {.name = "read-only", .help = "make no read-write link at all: mates can only watch"},
    {.name = "allow",
     .value = "FILE",
     .help = "admit only mates whose key is listed in FILE\n(authorized_keys format)"},
    {.name = "size",
     .value = "host|smallest",
     .help = "host (the default): the session is the host's size;\n"
             "smallest: the smallest read-write terminal's\n"
             "(read-only mates never shrink it)"},
    {.name = "history",
     .value = "LINES",
     .help = "scrollback mates get, late joiners too (default 1000,\n"
             "at most 10000; 0: none)"},
    {.name = "udp-endpoint", .value = "ADDR:PORT", .help = "send UDP here, not to the relay (tests, odd networks)"},
};

const Command kShare{
    .name = "share",
    .usage =
        "[--read-only] [--allow FILE] [--size host|smallest]\n"
        "[--relay HOST[:PORT]] [--local] [--listen ADDR:PORT]\n"
        "[--name NAME] [--history LINES] [--links-file PATH]\n"
        "[-- COMMAND [ARGS...]]",
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
  BackendOptions backend_options;
  HostOptions host_options;
  std::vector<std::string> command;
  std::unique_ptr<NamedSession> named;  // held (and locked) while the session runs
  std::string error;
  if (!read_options(args, backend_options, host_options, command, named, &error)) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 2;
  }
  if (const char* nested = std::getenv("TANDEM"); nested && *nested) {
    std::fprintf(stderr, "tandem: already inside a tandem session (TANDEM is set); unset TANDEM to nest anyway\n");
    return 1;
  }
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "tandem: stdin and stdout must be a terminal\n");
    return 1;
  }
  LocalTerminal tty;
  backend_options.size = tty.size();
  transport::EventBasePtr base = transport::make_event_base();
  HostSession host(base.get(), tty, host_options);
  std::unique_ptr<RelayBackend> backend = make_backend(base.get(), backend_options, host.events(), &error);
  if (!backend) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  std::fputs(links_text(backend->links()).c_str(), stderr);
  if (!host.start(*backend, command, &error) || !tty.open(&error)) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  const int status = host.run();
  tty.restore();
  const std::string ended = ended_message(status, command[0]);
  say_goodbye(base.get(), *backend, ended);
  std::printf("%s\n", ended.c_str());
  return exit_code(status);
}

}  // namespace tandem
