// `tandem status [--json] [--rw]`, `tandem links [--rw]` and `tandem wait-ready`, run
// inside a session: ask the host through $TANDEM_SOCKET for the links, the mates and
// the link health, or the links alone, or wait until the session is ready to be
// joined (for scripts, like tmate's `wait tmate-ready`). What they print lands on
// the shared screen, so the read-write links come only with --rw.
#include <cstdio>
#include <cstdlib>

#include "src/commands.h"
#include "src/host/control_socket.h"

namespace tandem {
namespace {

int ask_session(const ControlRequest& request) {
  const char* path = std::getenv("TANDEM_SOCKET");
  if (!path || !*path) {
    std::fprintf(stderr, "tandem: not inside a tandem session (TANDEM_SOCKET is not set)\n");
    return 1;
  }
  std::string error;
  std::optional<std::string> answer = ControlSocket::ask(path, request, &error);
  if (!answer) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  std::fputs(answer->c_str(), stdout);
  return 0;
}

}  // namespace

int cmd_status(const Options& args);
int cmd_links(const Options& args);
int cmd_wait_ready(const Options& args);

constexpr Flag kStatusFlags[] = {
    {.name = "json", .help = "the same as one JSON object, for scripts"},
    {.name = "rw", .help = "show the read-write links too (they land on the\nshared screen, which viewers may see)"},
};

const Command kStatus{
    .name = "status",
    .usage = "[--json] [--rw]",
    .summary = "inside a session: its links, mates and link health",
    .description =
        "tandem status, run inside a session, asks its host (through $TANDEM_SOCKET)\n"
        "for the links, the relay and how recently it was heard, the mates (address,\n"
        "role, ssh or native, last heard, round trip) and the size. It prints on the\n"
        "shared screen, so the read-write links are left out unless --rw is given.",
    .flags = kStatusFlags,
    .run = cmd_status,
};

constexpr Flag kLinksFlags[] = {
    {.name = "rw", .help = "the read-write links too (they land on the shared\nscreen, which viewers may see)"},
};

const Command kLinks{
    .name = "links",
    .usage = "[--rw]",
    .summary = "inside a session: the links mates join with",
    .description =
        "tandem links, run inside a session, prints the links mates join with: plain\n"
        "ssh and tandem join, as printed at start. It prints on the shared screen, so\n"
        "the read-write links are left out unless --rw is given. Ctrl-^ then l shows\n"
        "them all on the host's terminal alone; $TANDEM_LINKS holds them all too.",
    .flags = kLinksFlags,
    .run = cmd_links,
};

const Command kWaitReady{
    .name = "wait-ready",
    .usage = "",
    .summary = "inside a session: return once it can be joined",
    .description =
        "tandem wait-ready, run inside a session, returns once the session can be\n"
        "joined (for scripts, like tmate's `wait tmate-ready`).",
    .run = cmd_wait_ready,
};

int cmd_status(const Options& args) {
  return ask_session({.ask = ControlRequest::Ask::kStatus, .json = args.has("json"), .read_write = args.has("rw")});
}

int cmd_links(const Options& args) {
  return ask_session({.ask = ControlRequest::Ask::kLinks, .read_write = args.has("rw")});
}

int cmd_wait_ready(const Options&) { return ask_session({.ask = ControlRequest::Ask::kWaitReady}); }

}  // namespace tandem
