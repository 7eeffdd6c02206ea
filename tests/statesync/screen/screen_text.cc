#include "tests/statesync/screen/screen_text.h"

namespace tandem::screen::testing {

std::vector<std::string> screen_lines(const ScreenState& s) {
  std::vector<std::string> lines;
  for (int y = 0; y < s.rows(); ++y) lines.push_back(s.fb.row(y).text());
  return lines;
}

std::string screen_text(const ScreenState& s) {
  std::vector<std::string> lines = screen_lines(s);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out.push_back('\n');
    out += lines[i];
  }
  return out;
}

Terminal run(int cols, int rows, std::string_view bytes) {
  Terminal t(cols, rows);
  t.write(bytes);
  return t;
}

std::string test_name(std::string program) {
  for (char& c : program) {
    if (c == '-') c = '_';
  }
  return program;
}

}  // namespace tandem::screen::testing
