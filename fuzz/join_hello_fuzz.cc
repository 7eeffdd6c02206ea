// What a relay decodes from a native mate before any UDP: the JoinHello on the SSH
// subsystem (any bytes, from anyone with a token). Any bytes: a hello of our version
// or a refusal in words, no crash; the name the host is shown is printable and short.
#include "fuzz/check.h"
#include "relay/native_mate.h"

using namespace tandem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error;
  std::optional<proto::JoinHello> hello =
      relay::parse_join_hello(std::string_view(reinterpret_cast<const char*>(data), size), &error);
  if (hello) {
    FUZZ_CHECK(hello->version() == kBootstrapVersion);
    for (const std::string& key : {std::string(), std::string("SHA256:abcdefghijklmnop")}) {
      const std::string name = relay::NativeMate::name_of(*hello, key);
      FUZZ_CHECK(name.size() <= kMaxMateName);
      for (char c : name) FUZZ_CHECK(c >= 0x20 && c < 0x7F);
    }
  } else {
    FUZZ_CHECK(!error.empty() && error.size() < 200);
  }
  return 0;
}
