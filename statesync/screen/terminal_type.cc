#include "statesync/screen/terminal_type.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>

// From tinfo. Declared here rather than through <term.h>, whose capability macros
// (erase_chars, ...) would rewrite ordinary names.
extern "C" {
struct term;
int setupterm(const char* name, int fd, int* errret);
int tigetnum(const char* capname);
int tigetflag(const char* capname);
char* tigetstr(const char* capname);
term* set_curterm(term* t);
int del_curterm(term* t);
}

namespace tandem::screen {
namespace {

constexpr size_t kMaxTermName = 64;
constexpr size_t kMaxCachedTerms = 64;  // distinct names a relay remembers

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A name terminfo may look up: no path, nothing odd.
bool plain_name(std::string_view term) {
  return !term.empty() && term.size() <= kMaxTermName && term[0] != '.' &&
         std::all_of(term.begin(), term.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.' || c == '+';
         });
}

// Terminals that show true colour, underline styles and colours and hyperlinks, known
// by name (their terminfo is often missing on the relay, or says less).
bool modern(std::string_view term) {
  for (std::string_view name :
       {"xterm-kitty", "kitty", "alacritty", "foot", "wezterm", "xterm-ghostty", "ghostty", "contour", "iterm2"}) {
    if (starts_with(term, name)) return true;
  }
  return false;
}

// Families that take OSC 8, ECH and OSC 2 (or ignore OSC 8 quietly).
bool xterm_like(std::string_view term) {
  for (std::string_view name : {"xterm", "tmux", "screen", "rxvt", "alacritty", "kitty", "foot", "wezterm", "ghostty",
                                "vte", "gnome", "konsole", "contour", "iterm"}) {
    if (starts_with(term, name)) return true;
  }
  return false;
}

bool has_string(const char* cap) {
  const char* s = tigetstr(cap);
  return s && s != reinterpret_cast<char*>(-1);
}

DisplayOptions look_up(const std::string& term) {
  DisplayOptions o;
  o.colors = 256;  // a name terminfo lacks: as xterm-256color
  o.styled_underline = false;
  o.underline_color = false;
  o.hyperlinks = starts_with(term, "xterm") || starts_with(term, "tmux") || modern(term);
  o.erase_chars = xterm_like(term);
  o.title = xterm_like(term);
  if (plain_name(term)) {
    ::term* saved = set_curterm(nullptr);
    int err = 0;
    if (setupterm(term.c_str(), -1, &err) == 0) {
      const int colors = tigetnum("colors");
      o.colors = colors >= 256 ? 256 : colors >= 16 ? 16 : 8;
      if (tigetflag("RGB") > 0 || tigetflag("Tc") > 0 || has_string("setrgbf")) o.colors = kTrueColor;
      o.styled_underline = tigetflag("Su") > 0 || has_string("Smulx");
      o.underline_color = has_string("Setulc") || tigetflag("Su") > 0;
      o.erase_chars = o.erase_chars || has_string("ech");
    }
    ::term* mine = set_curterm(saved);
    if (mine) del_curterm(mine);
  }
  if (ends_with(term, "-direct") || modern(term)) o.colors = kTrueColor;
  if (modern(term)) o.styled_underline = o.underline_color = true;
  return o;
}

}  // namespace

DisplayOptions options_for_terminal(std::string_view term, std::string_view colorterm) {
  static std::mutex mu;
  static std::map<std::string, DisplayOptions, std::less<>> cache;
  DisplayOptions o;
  {
    std::lock_guard lock(mu);
    auto it = cache.find(term);
    if (it != cache.end()) {
      o = it->second;
    } else {
      const std::string name(term.substr(0, kMaxTermName));
      o = look_up(name);
      if (cache.size() < kMaxCachedTerms) cache.emplace(name, o);
    }
  }
  if (colorterm == "truecolor" || colorterm == "24bit") o.colors = kTrueColor;
  return o;
}

}  // namespace tandem::screen
