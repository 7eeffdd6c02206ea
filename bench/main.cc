// tandem-bench: reproducible micro-benchmarks that print JSON.
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench.h"

namespace tandem::bench {

bool parse_size(const std::string& text, int& cols, int& rows) {
  return std::sscanf(text.c_str(), "%dx%d", &cols, &rows) == 2 && cols > 0 && rows > 0;
}

}  // namespace tandem::bench

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* usage =
      "usage: tandem-bench emulator --input FILE [--size COLSxROWS] [--scrollback LINES] [--repeat N]\n"
      "       tandem-bench display [--size COLSxROWS]\n"
      "       tandem-bench transport\n"
      "       tandem-bench sync --scenario flood|typing [--delay MS] [--loss P]\n"
      "       tandem-bench session --tandem PATH --scenario startup|flood|echo|tcp-echo|roam|wake\n"
      "                    [--net lan|wan|wan-loss|bad] [--keys N] [--rate KEYS_PER_S] [--blackouts S,S,...]\n"
      "                    [--only native|ssh] [--impl tandem|mosh|compare] [--seed N]\n"
      "       tandem-bench scale --tandem PATH --hosts N [--seconds S] [--history LINES]\n"
      "       tandem-bench tmate --tandem PATH --peer DIR (of tmate-ssh-server; needs root)\n"
      "       tandem-bench web --tandem PATH [--viewers N] [--lines N]\n";
  if (args.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string command = args.front();
  args.erase(args.begin());
  if (command == "emulator") return tandem::bench::emulator_main(args);
  if (command == "display") return tandem::bench::display_main(args);
  if (command == "transport") return tandem::bench::transport_main(args);
  if (command == "sync") return tandem::bench::sync_main(args);
  if (command == "session") return tandem::bench::session_main(args);
  if (command == "scale") return tandem::bench::scale_main(args);
  if (command == "tmate") return tandem::bench::tmate_main(args);
  if (command == "web") return tandem::bench::web_main(args);
  std::fprintf(stderr, "tandem-bench: unknown command '%s'\n%s", command.c_str(), usage);
  return 2;
}
