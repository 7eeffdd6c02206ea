// ScreenState::apply on any bytes. A diff is either refused, leaving the state as it
// was, or accepted; an accepted state must still be drawable exactly by the display
// and must diff back to itself.
#include "fuzz/check.h"
#include "proto/screen.pb.h"
#include "statesync/screen/display.h"
#include "statesync/screen/terminal.h"

using namespace tandem::screen;

namespace {

ScreenState base_state() {
  Terminal t(40, 12, 32);
  t.write("\x1b]2;base\a\x1b[1;31mhello\x1b[m world\r\n\xe4\xb8\xad\xe6\x96\x87 e\xcc\x81\r\n");
  // Underline colours, a hyperlink, a copy and a directory: fields a diff may change.
  t.write("\x1b]7;file://box/tmp\a\x1b]52;c;aGk=\a\x1b[4:3;58;5;9mul\x1b]8;id=a;https://example.org/\alink"
          "\x1b]8;;\a\x1b[m\r\n");
  for (int i = 0; i < 20; ++i) t.write("line " + std::to_string(i) + "\r\n");
  return t.state();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ScreenState base = base_state();
  ScreenState s = base;
  auto err = s.apply_bytes(std::span(data, size));
  if (err) {
    FUZZ_CHECK(s == base);
    return 0;
  }
  FUZZ_CHECK(s.cursor.x < s.cols() && s.cursor.y < s.rows());

  Display display;  // every capability: what it draws must come back exactly
  Terminal viewer(s.cols(), s.rows());
  viewer.write(display.initial(s));
  FUZZ_CHECK(same_display(viewer.state(), s));
  viewer.write(display.diff(s, base));
  if (base.cols() == s.cols() && base.rows() == s.rows()) FUZZ_CHECK(same_display(viewer.state(), base));

  ScreenState copy = base;
  FUZZ_CHECK(!copy.apply(s.diff_from(base)));
  FUZZ_CHECK(copy == s);
  return 0;
}
