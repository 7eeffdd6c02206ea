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
  if (answer->rfind(kRefusedPrefix, 0) == 0) {
    std::fputs(answer->c_str(), stderr);
    return 1;
  }
  std::fputs(answer->c_str(), stdout);
  return 0;
}

}  // namespace

int cmd_status(const Options& args);
int cmd_links(const Options& args);
int cmd_wait_ready(const Options& args);
int cmd_kick(const Options& args);
int cmd_rotate(const Options& args);

const Command kKick{
    .name = "kick",
    .usage = "MATE",
    .summary = "inside a session: remove a mate",
    .description =
        "tandem kick, run inside a session, removes a mate: MATE is its number, name\n"
        "or address as `tandem status` lists them. The mate is told \"the host removed\n"
        "you\" and disconnected; its link still works, so to keep it out run\n"
        "`tandem rotate` too (or share with --approve).",
    .max_positionals = 1,
    .run = cmd_kick,
};

constexpr Flag kRotateFlags[] = {
    {.name = "kick-all", .help = "remove every mate in the session too"},
};

const Command kRotate{
    .name = "rotate",
    .usage = "[--kick-all]",
    .summary = "inside a session: new links; the old ones stop working",
    .description =
        "tandem rotate, run inside a session, gives it new tokens: the old links admit\n"
        "no one from now on, and mates already in stay (unless --kick-all). The new\n"
        "links are shown to the host alone (Ctrl-^ then l, the links file and\n"
        "`tandem links`); $TANDEM_LINKS in shells started before keeps the old ones.",
    .flags = kRotateFlags,
    .run = cmd_rotate,
};

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

int cmd_kick(const Options& args) {
  if (args.positionals().size() != 1) {
    std::fprintf(stderr, "usage: tandem kick MATE   (its number, name or address, as `tandem status` lists it)\n");
    return 2;
  }
  return ask_session({.ask = ControlRequest::Ask::kKick, .target = args.positionals()[0]});
}

int cmd_rotate(const Options& args) {
  return ask_session({.ask = ControlRequest::Ask::kRotate, .kick_all = args.has("kick-all")});
}

int cmd_wait_ready(const Options&) { return ask_session({.ask = ControlRequest::Ask::kWaitReady}); }

}  // namespace tandem
