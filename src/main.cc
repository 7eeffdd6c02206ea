// tandem: instant terminal sharing that survives bad networks.
#include <event2/event.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "src/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: tandem [share] [--read-only] [--allow FILE] [--size host|smallest] [--relay HOST[:PORT]]\n"
    "              [--local] [--listen ADDR:PORT] [--links-file PATH] [-- COMMAND [ARGS...]]\n"
    "       tandem join LINK\n"
    "       tandem relay [--listen ADDR:PORT] [--udp-port PORT] [--state-dir DIR] [--public-host NAME]\n"
    "                    [--linger SECONDS] [--user NAME]\n"
    "       tandem status [--json] | tandem wait-ready     (inside a session)\n"
    "       tandem --version | --help\n"
    "\n"
    "tandem shares your shell (or COMMAND): it runs on a PTY through tandem's own\n"
    "terminal emulator, drawn on this terminal, and a relay lets mates watch or type\n"
    "with plain ssh or `tandem join`, read-write or read-only, using the links it\n"
    "prints (also in $TANDEM_LINKS inside the session). The relay is the one in\n"
    "~/.config/tandem/config (relay-host = ..., or tmate-server-host in ~/.tmate.conf),\n"
    "or else one embedded in tandem itself.\n"
    "`tandem join` syncs the screen over encrypted UDP that survives roaming and\n"
    "sleep; Ctrl-^ then . leaves.\n"
    "  --relay HOST[:PORT]  share through this relay (default port 2222)\n"
    "  --relay-fingerprint SHA256:...  the relay's key, if not pinned in the config\n"
    "  --identity FILE      the SSH key to register with (default: agent, ~/.ssh/id_*)\n"
    "  --local              use an embedded relay even if one is configured\n"
    "  --listen ADDR:PORT   where the embedded relay listens (default 0.0.0.0:2222,\n"
    "                       or any free port if 2222 is taken)\n"
    "  --links-file PATH    also write the links to PATH\n"
    "  --read-only          make no read-write link at all: mates can only watch\n"
    "  --allow FILE         only mates with a key listed in FILE (authorized_keys format)\n"
    "  --size smallest      fit the session to the smallest read-write terminal\n"
    "                       (default: the host's own; read-only mates never shrink it)\n"
    "\n"
    "`tandem relay` runs a relay for many hosts; it prints the config lines that\n"
    "pin it. Not in this build yet: the tmate-compatible mode.\n";

}  // namespace

int main(int argc, char** argv) {
  // libevent's warnings would land on the terminal we draw; they are not for users.
  event_set_log_callback([](int, const char*) {});
  tandem::Args args(argv + 1, argv + argc);
  if (!args.empty()) {
    const std::string first = args.front();
    if (first == "--version" || first == "-V") {
      std::printf("tandem %s\n", TANDEM_VERSION);
      return 0;
    }
    if (first == "--help" || first == "-h" || first == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (first == "join" || first == "status" || first == "wait-ready" || first == "relay") {
      args.erase(args.begin());
      if (first == "join") return tandem::cmd_join(args);
      if (first == "relay") return tandem::cmd_relay(args);
      if (first == "status") return tandem::cmd_status(args);
      return tandem::cmd_wait_ready(args);
    }
    if (first == "share") {
      args.erase(args.begin());
    } else if (first.empty() || first[0] != '-') {
      std::fprintf(stderr, "tandem: unknown command '%s'\n\n%s", first.c_str(), kUsage);
      return 2;
    }
  }
  return tandem::cmd_share(args);
}
