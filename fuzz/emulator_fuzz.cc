// The terminal emulator on any bytes and any size changes. Beyond not crashing it
// checks the two properties the rest of tandem relies on:
//  - display: a fresh terminal fed initial(A) then diff(A, B) shows exactly B;
//  - state sync: A.apply(B.diff_from(A)) == B, through the wire form.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>

#include "fuzz/check.h"
#include "proto/screen.pb.h"
#include "statesync/screen/display.h"
#include "statesync/screen/terminal.h"

using namespace tandem::screen;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  int cols = in.ConsumeIntegralInRange(1, 120);
  int rows = in.ConsumeIntegralInRange(1, 40);
  Terminal host(cols, rows, 64);
  std::vector<ScreenState> frames{host.state()};
  while (in.remaining_bytes() > 0 && frames.size() < 16) {
    if (in.ConsumeIntegralInRange(0, 15) == 0) {
      host.resize(in.ConsumeIntegralInRange(1, 120), in.ConsumeIntegralInRange(1, 40));
    }
    std::string chunk = in.ConsumeRandomLengthString(4096);
    host.write(chunk);
    (void)host.take_answerback();
    frames.push_back(host.state());
  }

  Display display;
  const ScreenState& first = frames.front();
  Terminal viewer(first.cols(), first.rows());
  viewer.write(display.initial(first));
  FUZZ_CHECK(same_display(viewer.state(), first));
  ScreenState receiver = first;
  for (size_t i = 1; i < frames.size(); ++i) {
    const ScreenState& was = frames[i - 1];
    const ScreenState& now = frames[i];
    if (now.cols() != viewer.cols() || now.rows() != viewer.rows()) viewer.resize(now.cols(), now.rows());
    viewer.write(display.diff(was, now));
    FUZZ_CHECK(same_display(viewer.state(), now));

    std::string wire = now.diff_from(receiver).SerializeAsString();
    auto err = receiver.apply_bytes(std::span(reinterpret_cast<const uint8_t*>(wire.data()), wire.size()));
    if (err) std::fprintf(stderr, "apply: %s\n", err->what.c_str());
    FUZZ_CHECK(!err);
    FUZZ_CHECK(receiver == now);
  }
  return 0;
}
