// tmate's msgpack stream as the relay (and a tandem host on a tmate relay) reads it:
// any bytes, in pieces of any size, through the framer; each whole object through
// both daemon decoders. Nothing crashes, kept objects stay within the cap, and the
// objects found are the input's own bytes, in order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/check.h"
#include "proto/tmate/daemon.h"
#include "proto/tmate/msgpack_framer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr size_t kCap = 4096;
  tandem::tmate::MsgpackFramer framer(kCap);
  size_t framed = 0;
  std::string joined;
  tandem::tmate::MsgpackFramer::Sink sink{
      .object =
          [&](std::string_view object) {
            FUZZ_CHECK(object.size() <= kCap);
            framed += object.size();
            joined.append(object);
            (void)tandem::tmate::out::decode(object);
            (void)tandem::tmate::in::decode(object);
          },
      .dropped = [&](size_t n) { framed += n; }};
  for (size_t i = 0; i < input.size(); i += piece) {
    if (framer.feed(input.substr(i, piece), sink)) break;
    FUZZ_CHECK(framer.buffered() <= kCap);
  }
  FUZZ_CHECK(framed <= input.size());
  // With nothing dropped, the objects are the input's prefix.
  if (joined.size() == framed) FUZZ_CHECK(input.substr(0, joined.size()) == joined);
  return 0;
}
