#include "statesync/screen/cell.h"

#include <utf8proc.h>

namespace tandem::screen {

int char_width(char32_t cp) {
  if (cp < 0x7F) return cp >= 0x20 ? 1 : 0;
  int w = utf8proc_charwidth(utf8proc_int32_t(cp));
  if (w <= 0) {
    // Combining marks, format characters and joiners attach to the previous cell.
    utf8proc_category_t cat = utf8proc_category(utf8proc_int32_t(cp));
    if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME || cat == UTF8PROC_CATEGORY_MC ||
        cat == UTF8PROC_CATEGORY_CF) {
      return 0;
    }
    return 1;
  }
  return w > 2 ? 2 : w;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

}  // namespace tandem::screen
