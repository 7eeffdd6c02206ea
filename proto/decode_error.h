// What a decoder of untrusted bytes says when it refuses them: one sentence, never
// an exception. Every state (the screen, the input log) and every wire decoder uses it.
#pragma once

#include <string>

namespace tandem {

struct DecodeError {
  std::string what;
};

}  // namespace tandem
