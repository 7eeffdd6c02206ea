// A terminal's size, as every layer speaks of it: the screen, a mate's resize, the
// host's hello. Dimensions from anyone are bounded by kMaxDimension.
#pragma once

#include <compare>
#include <cstdint>

namespace tandem {

inline constexpr int kMaxDimension = 4096;  // columns or rows accepted from anyone

struct Size {
  uint16_t cols = 0;
  uint16_t rows = 0;
  auto operator<=>(const Size&) const = default;
  // Both dimensions at least 1 and at most kMaxDimension.
  bool valid() const { return cols >= 1 && rows >= 1 && cols <= kMaxDimension && rows <= kMaxDimension; }
};

}  // namespace tandem
