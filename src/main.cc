// tandem: instant terminal sharing that survives bad networks.
#include <cstdio>
#include <string>
#include <string_view>

#include "src/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: tandem [share] [-- COMMAND [ARGS...]]\n"
    "       tandem --version | --help\n"
    "\n"
    "tandem runs your shell (or COMMAND) as a session: on a PTY, through tandem's own\n"
    "terminal emulator, drawn on this terminal. Sharing it through a relay, and\n"
    "`tandem join` and `tandem relay`, are not in this build yet.\n";

}  // namespace

int main(int argc, char** argv) {
  tandem::Args args(argv + 1, argv + argc);
  if (!args.empty()) {
    const std::string& first = args.front();
    if (first == "--version" || first == "-V") {
      std::printf("tandem %s\n", TANDEM_VERSION);
      return 0;
    }
    if (first == "--help" || first == "-h" || first == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (first == "share") args.erase(args.begin());
    else if (first != "--") {
      std::fprintf(stderr, "tandem: unknown command '%s'\n\n%s", first.c_str(), kUsage);
      return 2;
    }
  }
  return tandem::cmd_share(args);
}
