// A tmate host's messages, as the relay shows them: framed, decoded and applied to
// the panes and layout of a TmateScreen, which then draws the session. Hostile
// layouts (panes off the edge, unknown ids, huge sizes) and any pane output must
// neither crash nor draw outside the screen.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "fuzz/check.h"
#include "proto/tmate/daemon.h"
#include "proto/tmate/msgpack_framer.h"
#include "relay/tmate/tmate_screen.h"

namespace out = tandem::tmate::out;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tandem::relay::TmateScreen screen(50);
  tandem::tmate::MsgpackFramer framer(64 * 1024);
  int messages = 0;
  tandem::tmate::MsgpackFramer::Sink sink{.object = [&](std::string_view object) {
    auto decoded = out::decode(object);
    auto* m = std::get_if<out::Message>(&decoded);
    if (!m) return;
    if (auto* l = std::get_if<out::SyncLayout>(m)) screen.layout(*l);
    if (auto* d = std::get_if<out::PtyData>(m)) screen.pty_data(d->pane, d->bytes);
    if (auto* s = std::get_if<out::Status>(m)) screen.status(*s);
    if (auto* c = std::get_if<out::SyncCopyMode>(m)) screen.copy_mode(*c);
    if (auto* w = std::get_if<out::WriteCopyMode>(m)) screen.write_copy_mode(w->pane, w->line);
    if (auto* s = std::get_if<out::Snapshot>(m)) screen.snapshot(*s);
    if (++messages % 8 == 0) {
      tandem::screen::ScreenState s = screen.compose();
      FUZZ_CHECK(s.cursor.x >= 0 && s.cursor.x < s.cols() && s.cursor.y >= 0 && s.cursor.y < s.rows());
    }
  }};
  (void)framer.feed(std::string_view(reinterpret_cast<const char*>(data), size), sink);
  tandem::screen::ScreenState s = screen.compose();
  FUZZ_CHECK(s.rows() >= 2 && s.cols() >= 1);
  return 0;
}
