// Writes a few real SSP instructions (screen and input diffs, acks, a shutdown) into
// a directory, as the seed corpus for sync_fuzz.
#include <fstream>
#include <string>

#include "statesync/input_state.h"
#include "statesync/screen/terminal.h"
#include "statesync/ssp.h"

using namespace tandem;
using namespace tandem::statesync;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  int n = 0;
  auto write = [&](const std::string& bytes) {
    std::ofstream(std::string(argv[1]) + "/seed" + std::to_string(n++), std::ios::binary) << bytes;
  };
  screen::Terminal t(30, 8, 16);
  t.write("hello\r\nworld\x1b[31m red\r\n");
  Sender<screen::ScreenState> screen_tx(t.state());
  t.write("more text\r\n\x1b[?1049h\x1b[2;3Hx" + std::string(300, 'y'));
  screen_tx.current() = t.state();
  LinkTiming timing;
  if (auto m = screen_tx.tick(1000, timing, 0)) write(*m);

  Sender<InputState> input_tx(InputState(), kInputSendDelayMs);
  input_tx.current().push(Keys{"ls -l\r"});
  input_tx.current().push(Resize{{100, 40}});
  input_tx.current().push(MateEvent{true, Role::kReadOnly, Via::kSsh, "bob"});
  if (auto m = input_tx.tick(1000, timing, 3)) write(*m);
  if (auto m = input_tx.tick(1000 + kHeartbeatMs, timing, 3)) write(*m);
  input_tx.start_shutdown(5000);
  if (auto m = input_tx.tick(6000, timing, 3)) write(*m);
  return 0;
}
