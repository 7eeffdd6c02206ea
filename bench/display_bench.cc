// `tandem-bench display`: bytes the display spends on typical frame changes.
#include <cstdio>

#include "bench/bench.h"
#include "statesync/screen/display.h"
#include "statesync/screen/terminal.h"

namespace tandem::bench {

int display_main(const std::vector<std::string>& args) {
  int cols = 80, rows = 24;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--size" && i + 1 < args.size() && parse_size(args[i + 1], cols, rows)) {
      ++i;
      continue;
    }
    std::fprintf(stderr, "tandem-bench display: unexpected '%s'\n", args[i].c_str());
    return 2;
  }
  screen::Display display;
  screen::Terminal term(cols, rows);
  // A full screen of coloured text, the cursor on a prompt in the middle.
  for (int y = 0; y < rows; ++y) {
    term.write("\x1b[" + std::to_string(y + 1) + "H\x1b[3" + std::to_string(y % 8) + "m");
    for (int x = 0; x < cols; ++x) term.write(std::string(1, char('a' + (x + y) % 26)));
  }
  term.write("\x1b[m\x1b[12;1H$ ");
  screen::ScreenState before = term.state();
  size_t full = display.initial(before).size();

  term.write("x");
  size_t typed = display.diff(before, term.state()).size();

  screen::ScreenState at_line = term.state();
  term.write("\r\n");
  for (int i = 0; i < rows; ++i) term.write("\n");
  term.write("new line at the bottom");
  size_t scrolled = display.diff(at_line, term.state()).size();

  std::printf(
      "{\"bench\":\"display\",\"size\":\"%dx%d\",\"full_frame_bytes\":%zu,\"one_char_bytes\":%zu,"
      "\"scroll_screen_bytes\":%zu}\n",
      cols, rows, full, typed, scrolled);
  return 0;
}

}  // namespace tandem::bench
