#include "proto/tmate/keys.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace tandem::tmate {

namespace {

// xterm's modifier parameter (1 + shift 1, alt 2, ctrl 4) -> key bits.
uint64_t modifiers(int param) {
  if (param < 2) return 0;
  const int m = param - 1;
  return ((m & 1) ? key::kShift : 0) | ((m & 2) ? key::kMeta : 0) | ((m & 4) ? key::kCtrl : 0);
}

// "~" sequences: ESC [ n ~.
uint64_t tilde_key(int n) {
  switch (n) {
    case 1: case 7: return key::kHome;
    case 2: return key::kInsert;
    case 3: return key::kDelete;
    case 4: case 8: return key::kEnd;
    case 5: return key::kPageUp;
    case 6: return key::kPageDown;
    case 11: case 12: case 13: case 14: case 15: return key::kF1 + uint64_t(n - 11);
    case 17: case 18: case 19: case 20: case 21: return key::kF1 + 5 + uint64_t(n - 17);
    case 23: case 24: return key::kF1 + 10 + uint64_t(n - 23);
  }
  return 0;
}

// The final byte of ESC [ ... X or ESC O X.
uint64_t final_key(char c) {
  switch (c) {
    case 'A': return key::kUp;
    case 'B': return key::kDown;
    case 'C': return key::kRight;
    case 'D': return key::kLeft;
    case 'H': return key::kHome;
    case 'F': return key::kEnd;
    case 'P': return key::kF1;
    case 'Q': return key::kF1 + 1;
    case 'R': return key::kF1 + 2;
    case 'S': return key::kF1 + 3;
    case 'Z': return key::kBackTab;
  }
  return 0;
}

// The keypad in application mode: ESC O x.
uint64_t keypad_key(char c) {
  static constexpr std::string_view kApp = "ojmwxyktuvqrsMpn";  // KP_SLASH .. KP_PERIOD
  const size_t i = kApp.find(c);
  return i == std::string_view::npos ? 0 : key::kKeypadSlash + i;
}

// One UTF-8 character at s[i] -> its code point and length; 0 length if broken.
char32_t utf8_at(std::string_view s, size_t i, size_t* len) {
  const auto b = uint8_t(s[i]);
  size_t n = b >= 0xf0 && b < 0xf5 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
  *len = 0;
  if (n == 0 || i + n > s.size()) return 0;
  char32_t cp = b & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto c = uint8_t(s[i + k]);
    if ((c & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  *len = n;
  return cp;
}

// An escape sequence at s[i] (s[i] == ESC): the key (0: none) and its length (0:
// not a sequence, the ESC stands alone or prefixes a Meta key).
uint64_t sequence_at(std::string_view s, size_t i, size_t* len) {
  *len = 0;
  if (i + 1 >= s.size()) return 0;
  const char intro = s[i + 1];
  if (intro == 'O' && i + 2 < s.size()) {
    const char c = s[i + 2];
    uint64_t k = final_key(c);
    if (!k) k = keypad_key(c);
    if (!k) return 0;
    *len = 3;
    return k;
  }
  if (intro != '[') return 0;
  // CSI: parameters, then a final byte.
  size_t j = i + 2;
  std::array<int, 4> params{};
  size_t n = 0;
  bool private_marker = false;
  if (j < s.size() && (s[j] == '<' || s[j] == '?')) {
    private_marker = true;
    ++j;
  }
  for (; j < s.size(); ++j) {
    const char c = s[j];
    if (c >= '0' && c <= '9') {
      if (n == 0) n = 1;
      if (n <= params.size()) params[n - 1] = std::min(params[n - 1] * 10 + (c - '0'), 100000);
    } else if (c == ';') {
      n = n == 0 ? 2 : n + 1;
    } else {
      break;
    }
  }
  if (j >= s.size()) return 0;
  const char f = s[j];
  if (f == 'M' && n == 0 && !private_marker) {  // an X10 mouse report: three bytes follow
    *len = std::min(j + 4, s.size()) - i;
    return 0;
  }
  *len = j + 1 - i;
  if (private_marker) return 0;  // SGR mouse reports and the like
  if (f == '~') {
    if (params[0] == 200 || params[0] == 201) return 0;  // paste brackets: the text comes as keys
    const uint64_t k = tilde_key(params[0]);
    return k ? k | modifiers(params[1]) : 0;
  }
  if (f == 'I' || f == 'O') return 0;  // focus events
  const uint64_t k = final_key(f);
  if (!k) return 0;
  return k | modifiers(params[1]);
}

}  // namespace

std::vector<uint64_t> keys_from_bytes(std::string_view s, std::string* rest) {
  if (rest) rest->clear();
  std::vector<uint64_t> keys;
  keys.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto b = uint8_t(s[i]);
    if (b == 0x1b) {
      size_t len = 0;
      const uint64_t k = sequence_at(s, i, &len);
      if (len > 0) {
        if (k) keys.push_back(k);
        i += len;
        continue;
      }
      // ESC then a key: Meta and that key; ESC alone (or before another ESC): Escape.
      if (i + 1 < s.size() && uint8_t(s[i + 1]) != 0x1b) {
        const auto c = uint8_t(s[i + 1]);
        if (c < 0x80) {
          keys.push_back(key::kMeta | (c == 0x7f ? key::kBackspace : c));
          i += 2;
          continue;
        }
        size_t n = 0;
        const char32_t cp = utf8_at(s, i + 1, &n);
        if (n > 0) {
          keys.push_back(key::kMeta | cp);
          i += 1 + n;
          continue;
        }
      }
      keys.push_back(0x1b);
      ++i;
      continue;
    }
    if (b == 0x7f) {
      keys.push_back(key::kBackspace);
      ++i;
      continue;
    }
    if (b < 0x80) {
      keys.push_back(b);
      ++i;
      continue;
    }
    size_t n = 0;
    const char32_t cp = utf8_at(s, i, &n);
    if (n == 0) {
      const size_t need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
      if (rest && need > 0 && i + need > s.size()) {
        // Cut by the end of this piece: it may be whole with the next one's first bytes.
        bool so_far = true;
        for (size_t k = i + 1; k < s.size(); ++k) so_far = so_far && (uint8_t(s[k]) & 0xc0) == 0x80;
        if (so_far) {
          rest->assign(s.substr(i));
          break;
        }
      }
      ++i;  // broken UTF-8: dropped
      continue;
    }
    keys.push_back(cp);
    i += n;
  }
  return keys;
}

std::optional<uint64_t> key_from_name(std::string_view name) {
  uint64_t mods = 0;
  // Modifiers: C-, M-, S- in any order, and ^X for C-X.
  while (name.size() > 2 && name[1] == '-' && std::string_view("CMScms").find(name[0]) != std::string_view::npos) {
    const char m = char(std::toupper(uint8_t(name[0])));
    mods |= m == 'C' ? key::kCtrl : m == 'M' ? key::kMeta : key::kShift;
    name.remove_prefix(2);
  }
  if (name.size() == 2 && name[0] == '^') {
    mods |= key::kCtrl;
    name.remove_prefix(1);
  }
  struct Named {
    std::string_view name;
    uint64_t code;
  };
  static constexpr Named kNames[] = {
      {"F1", key::kF1},          {"F2", key::kF1 + 1},      {"F3", key::kF1 + 2},     {"F4", key::kF1 + 3},
      {"F5", key::kF1 + 4},      {"F6", key::kF1 + 5},      {"F7", key::kF1 + 6},     {"F8", key::kF1 + 7},
      {"F9", key::kF1 + 8},      {"F10", key::kF1 + 9},     {"F11", key::kF1 + 10},   {"F12", key::kF1 + 11},
      {"IC", key::kInsert},      {"Insert", key::kInsert},  {"DC", key::kDelete},     {"Delete", key::kDelete},
      {"Home", key::kHome},      {"End", key::kEnd},        {"NPage", key::kPageDown}, {"PageDown", key::kPageDown},
      {"PgDn", key::kPageDown},  {"PPage", key::kPageUp},   {"PageUp", key::kPageUp}, {"PgUp", key::kPageUp},
      {"BTab", key::kBackTab},   {"BSpace", key::kBackspace}, {"Up", key::kUp},       {"Down", key::kDown},
      {"Left", key::kLeft},      {"Right", key::kRight},    {"Tab", '\t'},            {"Space", ' '},
      {"Enter", '\r'},           {"Escape", 0x1b},
  };
  uint64_t code = 0;
  bool found = false;
  for (const Named& n : kNames) {
    if (n.name.size() == name.size() &&
        std::equal(n.name.begin(), n.name.end(), name.begin(),
                   [](char a, char b) { return std::tolower(uint8_t(a)) == std::tolower(uint8_t(b)); })) {
      code = n.code;
      found = true;
      break;
    }
  }
  if (!found) {
    size_t n = 0;
    const char32_t cp = name.size() == 1 ? char32_t(uint8_t(name[0])) : utf8_at(name, 0, &n);
    if (name.empty() || (name.size() > 1 && n != name.size()) || (name.size() == 1 && uint8_t(name[0]) >= 0x80)) {
      return std::nullopt;
    }
    code = cp;
  }
  // Ctrl with a character is the control character itself, as a terminal sends it.
  if ((mods & key::kCtrl) && code < 0x80) {
    const auto c = uint8_t(code);
    if (c == ' ' || c == '2' || c == '@') {
      code = 0;
    } else if (std::isalpha(c)) {
      code = uint8_t(std::tolower(c)) - 'a' + 1;
    } else if (c >= '[' && c <= '_') {
      code = c - '@';
    } else if (c == '?') {
      code = key::kBackspace;
    } else {
      return std::nullopt;
    }
    mods &= ~key::kCtrl;
  }
  return code | mods;
}

std::string bytes_from_key(uint64_t code, bool app_cursor, bool app_keypad) {
  std::string out;
  const bool meta = (code & key::kMeta) != 0;
  const bool ctrl = (code & key::kCtrl) != 0;
  const bool shift = (code & key::kShift) != 0;
  const uint64_t k = code & ~key::kModifiers;
  if (meta) out += '\x1b';
  if (k < key::kBase) {
    if (k > 0x10ffff || (k >= 0xd800 && k <= 0xdfff)) return {};
    const auto cp = uint32_t(k);
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xc0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += char(0xe0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    } else {
      out += char(0xf0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3f));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    }
    return out;
  }
  static constexpr std::array<const char*, 12> kF = {"\x1bOP",   "\x1bOQ",   "\x1bOR",   "\x1bOS",
                                                     "\x1b[15~", "\x1b[17~", "\x1b[18~", "\x1b[19~",
                                                     "\x1b[20~", "\x1b[21~", "\x1b[23~", "\x1b[24~"};
  static constexpr std::array<const char*, 8> kShiftF = {"\x1b[25~", "\x1b[26~", "\x1b[28~", "\x1b[29~",
                                                         "\x1b[31~", "\x1b[32~", "\x1b[33~", "\x1b[34~"};
  if (k >= key::kF1 && k < key::kF1 + 12) {
    const size_t n = size_t(k - key::kF1);
    out += shift && n < kShiftF.size() ? kShiftF[n] : kF[n];
    return out;
  }
  switch (k) {
    case key::kBackspace: out += '\x7f'; return out;
    case key::kInsert: out += "\x1b[2~"; return out;
    case key::kDelete: out += "\x1b[3~"; return out;
    case key::kHome: out += "\x1b[1~"; return out;
    case key::kEnd: out += "\x1b[4~"; return out;
    case key::kPageUp: out += "\x1b[5~"; return out;
    case key::kPageDown: out += "\x1b[6~"; return out;
    case key::kBackTab: out += "\x1b[Z"; return out;
  }
  if (k >= key::kUp && k <= key::kRight) {
    // Ctrl with an arrow sends the other form (tmux 2.2's table).
    const bool o_form = app_cursor != ctrl;
    out += o_form ? "\x1bO" : "\x1b[";
    out += "ABDC"[k - key::kUp];  // UP, DOWN, LEFT, RIGHT
    return out;
  }
  if (k >= key::kKeypadSlash && k <= key::kKeypadPeriod) {
    const size_t n = size_t(k - key::kKeypadSlash);
    if (app_keypad) {
      out += "\x1bO";
      out += "ojmwxyktuvqrsMpn"[n];
    } else {
      out += "/*-789+456123\n0."[n];
    }
    return out;
  }
  return {};
}

}  // namespace tandem::tmate
