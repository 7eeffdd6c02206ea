// `tandem status [--json]` and `tandem wait-ready`, run inside a session: ask the
// host through $TANDEM_SOCKET for the links, the mates and the link health, or
// wait until the session is ready to be joined (for scripts, like tmate's
// `wait tmate-ready`).
#include <cstdio>
#include <cstdlib>

#include "src/commands.h"
#include "src/host/control_socket.h"

namespace tandem {
namespace {

int ask_session(ControlRequest request) {
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
int cmd_wait_ready(const Options& args);

constexpr Flag kStatusFlags[] = {
    {.name = "json", .help = "the same as one JSON object, for scripts"},
};

const Command kStatus{
    .name = "status",
    .usage = "[--json]",
    .summary = "inside a session: its links, mates and link health",
    .description =
        "tandem status, run inside a session, asks its host (through $TANDEM_SOCKET)\n"
        "for the links, the relay and how recently it was heard, the mates (address,\n"
        "role, ssh or native, last heard, round trip) and the size.",
    .flags = kStatusFlags,
    .run = cmd_status,
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

int cmd_status(const Options& args) { return ask_session(args.has("json") ? ControlRequest::kStatusJson : ControlRequest::kStatus); }

int cmd_wait_ready(const Options&) { return ask_session(ControlRequest::kWaitReady); }

}  // namespace tandem
