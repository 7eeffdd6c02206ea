// State-sync decoding on any bytes: instruction parsing (with a bounded inflate) and
// the receivers of every state applying whatever diff it carries (the input log, a
// screen, a host's screen with its controls). A refused diff leaves the receiver's
// newest state as it was; an accepted screen stays drawable; accepted controls stay
// within their bounds.
#include "fuzz/check.h"
#include "statesync/host_state.h"
#include "statesync/input_state.h"
#include "statesync/screen/display.h"
#include "statesync/screen/terminal.h"
#include "statesync/ssp.h"

using namespace tandem;
using namespace tandem::statesync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<DecodedInstruction> d = decode_instruction(std::span(data, size), nullptr);
  if (!d) return 0;
  FUZZ_CHECK(d->diff.size() <= kMaxDiffBytes);
  std::span<const uint8_t> diff(reinterpret_cast<const uint8_t*>(d->diff.data()), d->diff.size());

  Receiver<InputState> input{InputState()};
  const uint64_t before = input.latest().end();
  auto outcome = input.handle(d->inst, diff);
  if (outcome != Receiver<InputState>::Outcome::kNewest) FUZZ_CHECK(input.latest().end() == before);
  // A mate's name and key come from whoever joined: printable and bounded once decoded.
  for (uint64_t seq = input.latest().begin(); seq < input.latest().end(); ++seq) {
    if (const auto* m = std::get_if<MateEvent>(&input.latest().at(seq))) {
      for (const std::string* text : {&m->name, &m->key}) {
        FUZZ_CHECK(text->size() <= kMaxMateName);
        for (char c : *text) FUZZ_CHECK(c >= 0x20 && c < 0x7F);
      }
    }
  }

  // Tokens and links the relay hands a host are printed on its terminal: printable.
  for (uint64_t seq = input.latest().begin(); seq < input.latest().end(); ++seq) {
    if (const auto* t = std::get_if<NewTokens>(&input.latest().at(seq))) {
      for (const std::string* text : {&t->rw_token, &t->ro_token, &t->ssh_rw, &t->ssh_ro, &t->join_rw, &t->join_ro}) {
        for (char c : *text) FUZZ_CHECK(c >= 0x20 && c < 0x7F);
      }
    }
  }

  screen::Terminal t(30, 8, 16);
  t.write("hello\r\nworld\x1b[31m red\r\n");
  using Host = HostState<screen::ScreenState>;
  Receiver<Host> host_rx(Host{t.state(), {}});
  if (host_rx.handle(d->inst, diff) == Receiver<Host>::Outcome::kNewest) {
    const HostControls& c = host_rx.latest().controls;
    FUZZ_CHECK(c.decisions.size() <= kMaxDecisions && c.kicks.size() <= kMaxKicks);
    for (const Kick& k : c.kicks) FUZZ_CHECK(!k.who.empty() && k.who.size() <= 256);
  } else {
    FUZZ_CHECK(host_rx.latest() == (Host{t.state(), {}}));
  }

  Receiver<screen::ScreenState> screen_rx(t.state());
  const screen::ScreenState base = t.state();
  if (screen_rx.handle(d->inst, diff) == Receiver<screen::ScreenState>::Outcome::kNewest) {
    const screen::ScreenState& s = screen_rx.latest();
    screen::Terminal viewer(s.cols(), s.rows());
    viewer.write(screen::Display().initial(s));
    FUZZ_CHECK(screen::same_display(viewer.state(), s));
  } else {
    FUZZ_CHECK(screen_rx.latest() == base);
  }
  return 0;
}
