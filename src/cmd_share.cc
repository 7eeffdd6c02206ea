// `tandem [share] [OPTIONS] [-- CMD ARGS...]`: runs $SHELL (or CMD) as a shared session.
//
// It reads as the steps it takes: the options and the config make a BackendOptions
// (where the session lives) and HostOptions (how the host sees it); make_backend()
// opens the session on its relay (embedded or elsewhere); the links are printed and
// scrolled into the terminal's own history, so they stay there above the session;
// the HostSession runs the program on a PTY until it exits; then every mate is told
// and given a moment to hear it.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "proto/join_link.h"
#include "relay/ssh/handles.h"
#include "src/commands.h"
#include "src/host/address_reach.h"
#include "src/host/host_session.h"
#include "src/options.h"
#include "src/web_options.h"
#include "src/web_options.h"
#include "src/qr_code.h"

namespace tandem {
namespace {

constexpr const char* kDefaultListen = "0.0.0.0:2222";
constexpr Range kHistory{0, long(screen::kMaxHistoryLines)};
constexpr uint16_t kDefaultPort = 2222;

// "ADDR" as "ADDR:2222" ("[::1]" and "::1" as "[::1]:2222"): --listen without a port.
std::string with_default_port(const std::string& address) {
  const bool bare_v6 = address.find(':') != std::string::npos && (address.empty() || address.front() != '[');
  std::string out;
  if (bare_v6) out += '[';
  out += address;
  if (bare_v6) out += ']';
  out += ':';
  out += std::to_string(kDefaultPort);
  return out;
}

// "user@machine": how mates' join notices name the host.
std::string host_name() {
  const char* user = std::getenv("USER");
  char hostname[256] = "";
  gethostname(hostname, sizeof hostname - 1);
  return std::string(user && *user ? user : "someone") + "@" + hostname;
}

// The options and the config, as the backend and the host session want them; false
// with `error` a whole message ("tandem: --size is ..."), as Options' own refusals are.
bool read_options(const Options& args, BackendOptions& b, HostOptions& h, std::vector<std::string>& command,
                  std::unique_ptr<NamedSession>& named, std::string* error) {
  auto fail = [&](std::string why) {
    *error = "tandem: " + why;
    return false;
  };
  std::optional<Config> config = load_config(error);
  if (!config) return fail(*error);
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
    config->tmate_fingerprints.clear();
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
  if (args.has("relay-protocol")) {
    std::optional<RelayProtocol> protocol = parse_relay_protocol(args.value("relay-protocol"));
    if (!protocol) return fail("--relay-protocol is 'auto', 'tandem' or 'tmate', not '" + args.value("relay-protocol") + "'");
    config->relay_protocol = *protocol;
  }
  if (args.has("identity")) config->identity_file = args.value("identity");
  if (args.has("transport")) {
    std::optional<transport::LinkTransport> t = parse_transport(args.value("transport"));
    if (!t) return fail("--transport is udp, tcp or auto, not '" + args.value("transport") + "'");
    config->transport = *t;
  }
  if (args.has("local")) config->relay_host.clear();
  const std::string listen = args.value("listen", kDefaultListen);
  std::optional<transport::Address> address = transport::Address::parse(listen);
  const bool port_given = address.has_value();
  if (!address) address = transport::Address::parse(with_default_port(listen));
  if (!address) return fail("--listen wants ADDR or ADDR:PORT, e.g. 127.0.0.1:2222, not '" + listen + "'");
  b.listen = *address;
  b.listen_given = args.has("listen") && port_given;  // a port asked for is that port or none
  bool web_given = false;
  if (!read_web_options(args, *address, b.web, &web_given, error)) return false;
  if (b.web) b.web->any_port_if_taken = !web_given;
  if (b.web && !config->relay_host.empty() && web_given) {
    return fail("--web-listen is for an embedded relay; this session goes through the relay at " + config->relay_host +
                " (from " + config->relay_from + "), whose web port is its own; add --local to use an embedded one");
  }
  if (args.has("public-host")) {
    if (!config->relay_host.empty()) {
      return fail("--public-host names an embedded relay; this session goes through the relay at " +
                  config->relay_host + " (from " + config->relay_from +
                  "), which names itself (tandem relay --public-host); add --local to use an embedded one");
    }
    b.public_host = args.value("public-host");
    if (b.public_host.empty()) return fail("--public-host wants a NAME (or address) mates can reach");
  }
  if (args.has("qr")) {
    const std::string which = args.value("qr");
    if (which != "" && which != "ro" && which != "rw")
      return fail("--qr is --qr, --qr=ro or --qr=rw, not --qr=" + which);
    if (which == "rw" && args.has("read-only")) return fail("--qr=rw: a --read-only session has no read-write link");
    h.code_read_write = which == "rw";
    h.code_at_start = true;
  }
  b.udp_override = args.value("udp-endpoint");  // for tests and odd networks: UDP goes there
  b.read_only_only = args.has("read-only");     // no read-write link exists at all
  b.approve = args.has("approve");
  if (args.has("allow") && !ssh::read_authorized_keys(args.value("allow"), b.allowed_keys, error)) {
    return fail("--allow: " + *error);
  }
  b.mate_clipboard = config->mate_clipboard || args.has("mate-clipboard");
  long history = long(b.history);
  if (!args.number("history", kHistory, "lines", history, error)) return false;
  b.history = size_t(history);
  b.name = host_name();
  if (args.has("name")) {
    named = NamedSession::open(args.value("name"), error);
    if (!named) return fail(*error);
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

// What the host sees before the session's first frame: the links, a word on who can
// reach an embedded relay, the QR code asked for, and how to see them again.
std::string links_block(const RelayBackend& backend, const HostOptions& h) {
  const Links& links = backend.links();
  std::string block = links_text(links);
  std::optional<JoinLink> ro = JoinLink::parse(links.join_ro, nullptr);
  if (backend.relay_name().empty() && ro) block += local_only_warning(ro->host);
  if (h.code_at_start) {
    const bool rw = h.code_read_write;
    std::optional<JoinLink> link = rw ? JoinLink::parse(links.join_rw, nullptr) : ro;
    std::string error;
    std::optional<QrCode> code = link ? QrCode::encode(link->ssh_uri(), &error) : std::nullopt;
    if (code) {
      block += std::string("  the ") + (rw ? "read-write" : "read-only") +
               " link as a QR code, for phones (SSH apps open it):\n" + code->terminal_text() + "  " + link->ssh_uri() +
               "\n";
    } else {
      block += "tandem: no QR code: " + (error.empty() ? std::string("no such link") : error) + "\n";
    }
  }
  return block + "  Ctrl-^ then l shows the links again, to you alone; `tandem links` prints them.\n";
}

}  // namespace

int cmd_share(const Options& args);

constexpr Flag kShareFlags[] = {
    {.name = "relay", .value = "HOST[:PORT]", .help = "share through this relay (default port 2222)"},
    {.name = "relay-fingerprint", .value = "SHA256:...", .help = "the relay's key, if not pinned in the config"},
    {.name = "relay-protocol",
     .value = "PROTO",
     .help = "tandem, tmate (a stock tmate-ssh-server), or auto (the\ndefault: tandem's unless the relay offers only tmate's)"},
    {.name = "identity",
     .value = "FILE",
     .help = "the SSH key to register with\n(default: ssh-agent's, or ~/.ssh/id_*)"},
    {.name = "local", .help = "use an embedded relay even if one is configured"},
    {.name = "listen",
     .value = "ADDR[:PORT]",
     .help = "where the embedded relay listens (default 0.0.0.0:2222;\n"
             "without a port: port 2222, or any free port if 2222\nis taken)"},
    {.name = "links-file", .value = "PATH", .help = "also write the links to PATH"},
    {.name = "name",
     .value = "NAME",
     .help = "a named session: the same links every time, and a host\n"
             "started again takes its session and waiting mates back\n"
             "(kept in ~/.config/tandem/sessions/NAME)"},
    {.name = "read-only", .help = "make no read-write link at all: mates can only watch"},
    {.name = "approve",
     .help = "each mate waits until you admit it (y) or refuse it (n)\n"
             "in a prompt only you see"},
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
    {.name = "mate-clipboard",
     .help = "what programs copy (OSC 52, e.g. vim's yank) reaches\n"
             "read-write mates' clipboards too, not only yours\n"
             "(config: mate-clipboard = yes)"},
    {.name = "qr",
     .value = "ro|rw",
     .value_optional = true,
     .help = "also show the read-only (or read-write) link as a QR\ncode, for phones: ssh://TOKEN@HOST:PORT"},
    {.name = "public-host",
     .value = "NAME",
     .help = "the name (or address) the embedded relay's links\ncarry, where mates reach this machine"},
    {.name = "udp-endpoint", .value = "ADDR:PORT", .help = "send UDP here, not to the relay (tests, odd networks)"},
    {.name = "transport",
     .value = "udp|tcp|auto",
     .help = "how the screen reaches a relay elsewhere: UDP, TCP\n(its web port), or auto (the default: UDP, and TCP\nwhile UDP is blocked)"},
    TANDEM_WEB_FLAGS,
};

const Command kShare{
    .name = "share",
    .usage =
        "[--read-only] [--approve] [--allow FILE]\n"
        "[--size host|smallest]\n"
        "[--relay HOST[:PORT]] [--local] [--listen ADDR[:PORT]]\n"
        "[--name NAME] [--history LINES] [--public-host NAME]\n"
        "[--links-file PATH] [--qr[=ro|rw]] [--mate-clipboard]\n"
        "[--web-listen ADDR:PORT|off] [--tls-cert FILE]\n"
        "[--tls-key FILE]\n"
        "[-- COMMAND [ARGS...]]",
    .summary = "share your shell (or COMMAND) with mates; the default",
    .description =
        "tandem shares your shell (or COMMAND): it runs on a PTY through tandem's own\n"
        "terminal emulator, drawn on this terminal, and a relay lets mates watch or type\n"
        "with plain ssh or `tandem join`, read-write or read-only, using the links it\n"
        "prints (they stay in this terminal's scrollback; Ctrl-^ then l shows them to\n"
        "you alone, Ctrl-^ then q the QR code; $TANDEM_LINKS holds them all inside the\n"
        "session). The relay is the one in ~/.config/tandem/config (relay-host = ...),\n"
        "or tmate-server-host in ~/.tmate.conf, or else one embedded in tandem itself.\n"
        "Inside the session, `tandem status`, `tandem links` and `tandem wait-ready` ask\n"
        "it how it is.",
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
    std::fprintf(stderr, "%s\n", error.c_str());
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
  // The session's first frame pushes this up into the terminal's own scrollback.
  std::fputs(links_block(*backend, host_options).c_str(), stderr);
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
