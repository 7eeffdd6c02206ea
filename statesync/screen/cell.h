// One character cell of a terminal screen: a code point (or a cluster of a base and
// combining marks kept by the row), colours, attribute bits and a width.
//
// A Cell is 16 bytes with no padding, so equality is a few integer compares and rows
// of cells copy with memcpy. Wide characters occupy a lead cell (width 2) followed by
// a continuation cell (width 0) that carries the same colours. What few cells carry
// beyond that (an underline colour, a hyperlink) lives in a small side table of the
// row, which `Cell::extra` indexes, as clusters do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>

namespace tandem::screen {

// A colour: 0 is the terminal's default; otherwise the top byte says which kind.
using Color = uint32_t;
inline constexpr Color kDefaultColor = 0;
inline constexpr uint32_t kColorIndexed = 1u << 24;  // low byte: palette index 0..255
inline constexpr uint32_t kColorRgb = 2u << 24;      // low 24 bits: 0xRRGGBB
inline constexpr Color indexed_color(uint8_t i) { return kColorIndexed | i; }
inline constexpr Color rgb_color(uint8_t r, uint8_t g, uint8_t b) {
  return kColorRgb | (uint32_t{r} << 16) | (uint32_t{g} << 8) | b;
}
inline constexpr bool is_indexed(Color c) { return (c >> 24) == 1; }
inline constexpr bool is_rgb(Color c) { return (c >> 24) == 2; }

// Attribute bits. The underline style (none, single, double, curly, dotted, dashed)
// takes three bits.
namespace attr {
inline constexpr uint16_t kBold = 1u << 0;
inline constexpr uint16_t kDim = 1u << 1;
inline constexpr uint16_t kItalic = 1u << 2;
inline constexpr uint16_t kUnderlineShift = 3;
inline constexpr uint16_t kUnderlineMask = 7u << kUnderlineShift;
inline constexpr uint16_t kBlink = 1u << 6;
inline constexpr uint16_t kInverse = 1u << 7;
inline constexpr uint16_t kInvisible = 1u << 8;
inline constexpr uint16_t kStrike = 1u << 9;
inline constexpr uint16_t kOverline = 1u << 10;
inline constexpr uint16_t kAll = (1u << 11) - 1;
inline constexpr int kMaxUnderline = 5;
inline constexpr uint16_t underline(int style) { return uint16_t(style << kUnderlineShift); }
inline constexpr int underline_style(uint16_t a) { return (a & kUnderlineMask) >> kUnderlineShift; }
}  // namespace attr

// Colours and attributes that text is drawn with (SGR state).
struct Pen {
  Color fg = kDefaultColor;
  Color bg = kDefaultColor;
  uint16_t attrs = 0;
  bool operator==(const Pen&) const = default;
};

// An OSC 8 hyperlink: the URI and the id that groups the cells of one link. Both are
// printable ASCII and bounded (they come from programs and cross the network).
struct Hyperlink {
  std::string uri;
  std::string id;
  bool operator==(const Hyperlink&) const = default;
};
inline constexpr size_t kMaxLinkUriBytes = 2048;
inline constexpr size_t kMaxLinkIdBytes = 128;

// A cell's rarely used part: underline colour (SGR 58) and hyperlink (OSC 8).
struct CellExtra {
  Color underline = kDefaultColor;
  std::shared_ptr<const Hyperlink> link;
  bool empty() const { return underline == kDefaultColor && !link; }
  bool operator==(const CellExtra& o) const {
    return underline == o.underline && (link == o.link || (link && o.link && *link == *o.link));
  }
};

inline constexpr uint32_t kClusterBit = 0x80000000u;  // ch is an index into Row::clusters
inline constexpr char32_t kReplacementChar = 0xFFFD;
inline constexpr char32_t kZeroWidthJoiner = 0x200D;

struct Cell {
  char32_t ch = U' ';
  Color fg = kDefaultColor;
  Color bg = kDefaultColor;
  uint16_t attrs = 0;
  uint8_t width = 1;  // 1, 2 for the lead of a wide character, 0 for its continuation
  uint8_t extra = 0;  // 0, or 1 + an index into the row's table of CellExtra

  bool operator==(const Cell&) const = default;
  bool is_cluster() const { return (ch & kClusterBit) != 0; }
  Pen pen() const { return {fg, bg, attrs}; }
  // A blank as left by an erase: a space with only the background colour kept.
  static Cell blank(Color bg = kDefaultColor) { return Cell{U' ', kDefaultColor, bg, 0, 1, 0}; }
  bool is_blank() const { return ch == U' ' && fg == kDefaultColor && attrs == 0 && width == 1; }
};
static_assert(sizeof(Cell) == 16);

// Sets n cells to c. Rows are filled on every scroll and erase, so this doubles
// memcpy blocks instead of storing one 16-byte cell at a time.
inline void fill_cells(Cell* p, size_t n, const Cell& c) {
  if (n == 0) return;
  p[0] = c;
  size_t done = 1;
  while (done < n) {
    size_t k = done < n - done ? done : n - done;
    std::memcpy(p + done, p, k * sizeof(Cell));
    done += k;
  }
}

// Display width of a code point from utf8proc (not the locale): 0 for marks that
// join the previous cell, 1, or 2.
int char_width(char32_t cp);

// Appends the UTF-8 encoding of one code point (invalid ones become U+FFFD).
void append_utf8(std::string& out, char32_t cp);

// Appends n in decimal (VT parameters, report answers).
inline void append_decimal(std::string& out, int n) {
  char buf[16];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

}  // namespace tandem::screen
