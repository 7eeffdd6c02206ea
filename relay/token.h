// Session tokens: 160 random bits from the OS CSPRNG, written as 32 base32 letters,
// compared in constant time.
#pragma once

#include <string>
#include <string_view>

namespace tandem::relay {

inline constexpr size_t kTokenBytes = 20;

std::string new_token();
bool same_token(std::string_view a, std::string_view b);

}  // namespace tandem::relay
