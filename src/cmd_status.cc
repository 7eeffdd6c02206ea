// `tandem status [--json]` and `tandem wait-ready`, run inside a session: ask the
// host through $TANDEM_SOCKET for the links, the mates and the link health, or
// wait until the session is ready to be joined (for scripts, like tmate's
// `wait tmate-ready`).
#include <cstdio>
#include <cstdlib>

#include "src/commands.h"
#include "src/control_socket.h"

namespace tandem {
namespace {

int ask_session(const std::string& request) {
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

int cmd_status(const Args& args) {
  if (args.size() > 1 || (args.size() == 1 && args[0] != "--json")) {
    std::fprintf(stderr, "usage: tandem status [--json]\n");
    return 2;
  }
  return ask_session(args.empty() ? "status" : "status json");
}

int cmd_wait_ready(const Args& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "usage: tandem wait-ready\n");
    return 2;
  }
  return ask_session("wait-ready");
}

}  // namespace tandem
