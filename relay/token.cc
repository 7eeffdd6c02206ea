#include "relay/token.h"

#include <sodium.h>

#include <cstdlib>

namespace tandem::relay {

std::string new_token() {
  if (sodium_init() < 0) std::abort();
  unsigned char raw[kTokenBytes];
  randombytes_buf(raw, sizeof raw);
  // Base32 in lower case (no padding: 160 bits is exactly 32 letters); friendly to
  // SSH user names and to reading aloud.
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  unsigned bits = 0, value = 0;
  for (unsigned char b : raw) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(value >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  sodium_memzero(raw, sizeof raw);
  return out;
}

bool same_token(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tandem::relay
