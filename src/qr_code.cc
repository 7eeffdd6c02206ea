#include "src/qr_code.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace tandem {
namespace {

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

constexpr const char* kDarkOnLight = "\x1b[30;107m";  // black on bright white
constexpr const char* kReset = "\x1b[m";

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += char(c);
  } else {  // only the half blocks (U+2580..U+2588) come through here
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

}  // namespace

std::optional<QrCode> QrCode::encode(std::string_view text, std::string* error) {
  const std::string copy(text);  // libqrencode wants a NUL-terminated string
  errno = 0;
  std::unique_ptr<QRcode, QrFree> q(QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M));
  if (!q) {
    if (error) {
      *error = errno == ERANGE ? "the link is too long for a QR code (" + std::to_string(text.size()) + " bytes)"
                               : "cannot make a QR code of the link";
    }
    return std::nullopt;
  }
  QrCode code;
  code.size_ = q->width;
  code.modules_.resize(size_t(q->width) * size_t(q->width));
  for (size_t i = 0; i < code.modules_.size(); ++i) code.modules_[i] = (q->data[i] & 1) != 0;
  return code;
}

bool QrCode::dark(int x, int y) const {
  if (x < 0 || y < 0 || x >= size_ || y >= size_) return false;
  return modules_[size_t(y) * size_t(size_) + size_t(x)];
}

char32_t half_block(bool upper_dark, bool lower_dark) {
  if (upper_dark && lower_dark) return U'\u2588';
  if (upper_dark) return U'\u2580';
  if (lower_dark) return U'\u2584';
  return U' ';
}

std::vector<std::u32string> QrCode::half_block_lines() const {
  const int first = -kQuietZone, end = size_ + kQuietZone;
  std::vector<std::u32string> lines;
  for (int y = first; y < end; y += 2) {
    std::u32string line;
    for (int x = first; x < end; ++x) line += half_block(dark(x, y), dark(x, y + 1));
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string QrCode::terminal_text() const {
  std::string out;
  for (const std::u32string& line : half_block_lines()) {
    out += kDarkOnLight;
    for (char32_t c : line) append_utf8(out, c);
    out += kReset;
    out += '\n';
  }
  return out;
}

}  // namespace tandem
