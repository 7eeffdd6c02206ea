// tandem: instant terminal sharing that survives bad networks.
//
// Sharing (`tandem`), joining (`tandem join`) and the relay (`tandem relay`) arrive
// with their issues; this entry point already parses the command line the same way.
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

constexpr const char* kUsage =
    "usage: tandem [--version] [--help]\n"
    "\n"
    "tandem shares a terminal through a relay; mates join with ssh or `tandem join`.\n"
    "This build has the screen model only: sharing, joining and the relay are not in it yet.\n";

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--version" || arg == "-V") {
      std::printf("tandem %s\n", TANDEM_VERSION);
      return 0;
    }
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "tandem: unknown argument '%s'\n\n%s", argv[i], kUsage);
    return 2;
  }
  std::fputs(kUsage, stderr);
  return 2;
}
