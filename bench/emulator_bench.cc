// `tandem-bench emulator`: feeds a file through the terminal emulator, as a host does
// with PTY output, and reports throughput.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <span>

#include "bench/bench.h"
#include "statesync/screen/terminal.h"

namespace tandem::bench {

int emulator_main(const std::vector<std::string>& args) {
  std::string input;
  int cols = 80, rows = 24, repeat = 1;
  size_t scrollback = screen::kDefaultScrollbackLines;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    if (a == "--input" && has_value) {
      input = args[++i];
    } else if (a == "--size" && has_value) {
      if (!parse_size(args[++i], cols, rows)) {
        std::fprintf(stderr, "tandem-bench: --size wants COLSxROWS, e.g. 80x24\n");
        return 2;
      }
    } else if (a == "--scrollback" && has_value) {
      scrollback = size_t(std::max(0, std::atoi(args[++i].c_str())));
    } else if (a == "--repeat" && has_value) {
      repeat = std::max(1, std::atoi(args[++i].c_str()));
    } else {
      std::fprintf(stderr, "tandem-bench emulator: unexpected '%s'\n", a.c_str());
      return 2;
    }
  }
  if (input.empty()) {
    std::fprintf(stderr, "tandem-bench emulator: --input FILE is required\n");
    return 2;
  }
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "tandem-bench emulator: cannot read %s\n", input.c_str());
    return 1;
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  // Fed in PTY-sized reads, as the host will.
  constexpr size_t kChunk = 64 * 1024;
  screen::Terminal term(cols, rows, scrollback);
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < repeat; ++r) {
    for (size_t off = 0; off < data.size(); off += kChunk) {
      term.write(std::string_view(data).substr(off, kChunk));
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double bytes = double(data.size()) * repeat;
  std::printf("{\"bench\":\"emulator\",\"size\":\"%dx%d\",\"bytes\":%.0f,\"seconds\":%.6f,\"mb_per_s\":%.1f}\n", cols,
              rows, bytes, seconds, bytes / seconds / 1e6);
  return 0;
}

}  // namespace tandem::bench
