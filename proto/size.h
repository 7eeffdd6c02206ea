// A terminal's size, as every layer speaks of it: the screen, a mate's resize, the
// host's hello. Dimensions from anyone are bounded by kMaxDimension.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>

namespace tandem {

inline constexpr int kMaxDimension = 4096;          // columns or rows accepted from anyone
inline constexpr size_t kMaxCells = size_t(1) << 20;  // columns times rows: what a screen may cost

struct Size {
  uint16_t cols = 0;
  uint16_t rows = 0;
  auto operator<=>(const Size&) const = default;
  // Both dimensions at least 1 and at most kMaxDimension.
  bool valid() const { return cols >= 1 && rows >= 1 && cols <= kMaxDimension && rows <= kMaxDimension; }

  // What anyone's cols x rows may be taken as: each dimension within 1..kMaxDimension,
  // and no more than kMaxCells cells (rows give way).
  static Size bounded(int cols, int rows) {
    cols = cols < 1 ? 1 : cols > kMaxDimension ? kMaxDimension : cols;
    const int most_rows = int(kMaxCells / size_t(cols));
    rows = rows < 1 ? 1 : rows > most_rows ? most_rows : rows > kMaxDimension ? kMaxDimension : rows;
    return Size{uint16_t(cols), uint16_t(rows)};
  }
};

}  // namespace tandem
