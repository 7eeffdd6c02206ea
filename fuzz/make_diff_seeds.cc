// Writes a few valid ScreenDiff messages (made by diff_from over real terminal
// output) into a directory, as a seed corpus for screen_diff_fuzz.
#include <cstdio>
#include <fstream>
#include <string>

#include "proto/screen.pb.h"
#include "statesync/screen/terminal.h"

using namespace tandem::screen;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_diff_seeds DIR\n");
    return 2;
  }
  Terminal base(40, 12, 32);
  base.write("\x1b]2;base\a\x1b[1;31mhello\x1b[m world\r\n\xe4\xb8\xad\xe6\x96\x87 e\xcc\x81\r\n");
  for (int i = 0; i < 20; ++i) base.write("line " + std::to_string(i) + "\r\n");
  const ScreenState before = base.state();
  const char* edits[] = {
      "x",
      "more\r\nlines\r\n",
      "\x1b[2J\x1b[H\x1b[44mblue\x1b[K",
      "\x1b[3;9r\x1b[9H\n\n\x1b[r",
      "\x1b[?1049h\x1b[Halt screen\x1b[?2004h",
      "\x1b]52;c;aGVsbG8=\a\x1b]2;new title\a\a",
      "\xf0\x9f\x98\x80\xe4\xb8\xad\x1b[38;2;1;2;3mrgb\x1b[4:3mcurly",
      "\x1b[58:2::1:2:3mul\x1b]8;id=a;https://example.org/\alink\x1b]8;;\a\x1b]7;file://box/tmp\a",
      "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\b\bX\x1b]52;c;aGk=\a",
  };
  int n = 0;
  for (const char* edit : edits) {
    Terminal t = base;
    t.write(edit);
    std::ofstream(std::string(argv[1]) + "/seed" + std::to_string(n++), std::ios::binary)
        << t.state().diff_from(before).SerializeAsString();
  }
  Terminal resized = base;
  resized.resize(50, 10);
  std::ofstream(std::string(argv[1]) + "/seed" + std::to_string(n++), std::ios::binary)
      << resized.state().diff_from(before).SerializeAsString();
  std::ofstream(std::string(argv[1]) + "/seed" + std::to_string(n++), std::ios::binary)
      << before.diff_from(ScreenState(80, 24)).SerializeAsString();
  return 0;
}
