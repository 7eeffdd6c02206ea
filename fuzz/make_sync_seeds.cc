// Writes a few real SSP instructions (screen and input diffs, acks, a shutdown) into
// a directory, as the seed corpus for sync_fuzz.
#include <fstream>
#include <string>

#include "statesync/host_state.h"
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

  // A host's screen with its controls (--approve answers, a kick, a rotation).
  using Host = HostState<screen::ScreenState>;
  Sender<Host> host_tx(Host{t.state(), {}});
  host_tx.current().controls.decisions.push_back(Decision{0x1234, true});
  host_tx.current().controls.kicks.push_back(Kick{1, "127.0.0.1:5000", Via::kNative});
  host_tx.current().controls.rotation = 1;
  if (auto m = host_tx.tick(1000, timing, 0)) write(*m);

  Sender<InputState> input_tx(InputState(), kInputSendDelayMs);
  input_tx.current().push(Keys{"ls -l\r"});
  input_tx.current().push(Resize{{100, 40}});
  input_tx.current().push(MateEvent{true, Role::kReadOnly, Via::kSsh, "bob"});
  input_tx.current().push(Approval{0x1234, false, MateEvent{false, Role::kReadWrite, Via::kNative, "carol"}});
  input_tx.current().push(KickDone{1, true});
  input_tx.current().push(
      NewTokens{1, "rw", "ro", std::string(32, 'k'), "ssh rw", "ssh ro", "tandem://rw", "tandem://ro"});
  if (auto m = input_tx.tick(1000, timing, 3)) write(*m);
  if (auto m = input_tx.tick(1000 + kHeartbeatMs, timing, 3)) write(*m);
  input_tx.start_shutdown(5000);
  if (auto m = input_tx.tick(6000, timing, 3)) write(*m);
  return 0;
}
