// A link as a QR code on a terminal, for phones and streams (`tandem --qr`). The code
// comes from libqrencode (error correction M); it is drawn with Unicode half blocks,
// two rows of modules per line, inside the quiet zone of four modules that scanners
// need, and dark on light whatever the terminal's colours (readers expect dark
// modules on a light ground).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem {

class QrCode {
 public:
  static constexpr int kQuietZone = 4;  // modules of light margin on each side

  // The code for `text`; nothing, with `error` in words, if it is too long for one.
  static std::optional<QrCode> encode(std::string_view text, std::string* error);

  int size() const { return size_; }  // modules per side, quiet zone excluded
  // Whether the module at (x, y) is dark; anything outside the code is light.
  bool dark(int x, int y) const;

  // The code and its quiet zone, a line per two rows of modules: U+2580 (upper half
  // dark), U+2584 (lower half dark), U+2588 (both), a space (neither).
  std::vector<std::u32string> half_block_lines() const;
  // Those lines in UTF-8 for a terminal, each drawn black on bright white and ending
  // with the colours reset and a newline.
  std::string terminal_text() const;

 private:
  int size_ = 0;
  std::vector<bool> modules_;  // row by row
};

// The half block for a cell whose upper and lower modules are these.
char32_t half_block(bool upper_dark, bool lower_dark);

}  // namespace tandem
