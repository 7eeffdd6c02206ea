#include "proto/pasted_link.h"

#include <charconv>
#include <vector>

namespace tandem {
namespace {

constexpr size_t kMaxText = 4096;  // a link is about 110 bytes; a paste may be wordy, not a book

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
bool is_quote(char c) { return c == '\'' || c == '"' || c == '`' || c == '<' || c == '>'; }

// What a sentence may put after a link ("join tandem://...#SHA256:abc." or "(see
// tandem://...)"); no link ends in it (a base64 fingerprint never does). A `]`
// closing an IPv6 address (ssh TOKEN@[::1]) stays.
size_t trailing_punctuation(std::string_view word) {
  for (std::string_view closing : {"\u2019", "\u201D", "\u00BB", "\u203A"}) {  // ’ ” » ›
    if (word.ends_with(closing)) return closing.size();
  }
  if (word.empty()) return 0;
  const char c = word.back();
  if (c == ']') return word.find('[') == std::string_view::npos ? 1 : 0;
  return std::string_view(".,;:!?)}").find(c) != std::string_view::npos || is_quote(c) ? 1 : 0;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::optional<uint16_t> port_number(std::string_view text) {
  unsigned p = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || p == 0 || p > 65535) return std::nullopt;
  return uint16_t(p);
}

bool good_token(std::string_view token) {
  if (token.empty()) return false;
  for (char c : token) {
    if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool good_host(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) return false;
  }
  return true;
}

// "HOST" or "[V6]" into link.host; false if it is not one.
bool take_host(std::string_view text, JoinLink& link) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (!good_host(text)) return false;
  link.host = std::string(text);
  return true;
}

std::optional<PastedLink> refuse(std::string* error, const std::string& why) {
  if (error) *error = why;
  return std::nullopt;
}

const char* const kSshShape = "it looks like ssh -p PORT TOKEN@HOST";

// `ssh [-p PORT] TOKEN@HOST [-p PORT]`; a destination wrapped across words is put
// back together.
std::optional<PastedLink> parse_ssh_line(const std::vector<std::string_view>& w, std::string* error) {
  PastedLink pasted{{}, true};
  pasted.link.port = kSshDefaultPort;
  std::string destination;
  for (size_t i = 1; i < w.size(); ++i) {
    std::string_view word = w[i];
    if (word.size() >= 2 && word.substr(0, 2) == "-p") {
      std::string_view value = word.substr(2);
      if (value.empty() && i + 1 < w.size()) value = w[++i];
      std::optional<uint16_t> port = port_number(value);
      if (!port)
        return refuse(error, "not an ssh line tandem join knows (a bad port after -p); " + std::string(kSshShape));
      pasted.link.port = *port;
    } else if (!word.empty() && word.front() == '-') {
      return refuse(error, "not an ssh line tandem join knows (" + std::string(word.substr(0, 32)) +
                               " is more than -p); " + kSshShape);
    } else {
      destination += word;
    }
  }
  const size_t at = destination.find('@');
  if (at == std::string::npos || !good_token(std::string_view(destination).substr(0, at))) {
    return refuse(error, std::string("not an ssh line tandem join knows (no TOKEN@ in it); ") + kSshShape);
  }
  pasted.link.token = destination.substr(0, at);
  if (!take_host(std::string_view(destination).substr(at + 1), pasted.link)) {
    return refuse(error, std::string("not an ssh line tandem join knows (a bad host after @); ") + kSshShape);
  }
  return pasted;
}

// ssh://TOKEN@HOST[:PORT][/]
std::optional<PastedLink> parse_ssh_uri(std::string_view text, std::string* error) {
  const char* const shape = "it looks like ssh://TOKEN@HOST:PORT";
  PastedLink pasted{{}, true};
  pasted.link.port = kSshDefaultPort;
  std::string_view rest = text.substr(6);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t at = rest.find('@');
  if (at == std::string_view::npos || !good_token(rest.substr(0, at))) {
    return refuse(error, std::string("not an ssh link tandem join knows (no TOKEN@ in it); ") + shape);
  }
  pasted.link.token = std::string(rest.substr(0, at));
  rest = rest.substr(at + 1);
  const size_t bracket = rest.rfind(']');
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket) &&
      (rest.front() == '[' || rest.find(':') == colon)) {
    std::optional<uint16_t> port = port_number(rest.substr(colon + 1));
    if (!port) return refuse(error, std::string("not an ssh link tandem join knows (a bad port); ") + shape);
    pasted.link.port = *port;
    rest = rest.substr(0, colon);
  }
  if (!take_host(rest, pasted.link)) {
    return refuse(error, std::string("not an ssh link tandem join knows (a bad host after @); ") + shape);
  }
  return pasted;
}

}  // namespace

std::optional<PastedLink> parse_pasted_link(std::string_view text, std::string* error) {
  if (text.size() > kMaxText)
    return refuse(error, "that is far too long for a link (" + std::to_string(text.size()) + " bytes)");
  std::vector<std::string_view> w = words(text);
  // Quotes around the whole paste (as a chat or a shell line may leave them), a
  // sentence's punctuation after it, and `tandem join` in front, pasted along with
  // the link.
  auto unquote = [&w] {
    while (!w.empty() && !w.front().empty() && (is_quote(w.front().front()) || w.front().front() == '(')) {
      w.front().remove_prefix(1);
      if (w.front().empty()) w.erase(w.begin());
    }
    while (!w.empty() && trailing_punctuation(w.back()) > 0) {
      w.back().remove_suffix(trailing_punctuation(w.back()));
      if (w.back().empty()) w.pop_back();
    }
  };
  unquote();
  if (w.size() >= 2 && w[0] == "tandem" && w[1] == "join") {
    w.erase(w.begin(), w.begin() + 2);
    unquote();
  }
  if (w.empty()) return refuse(error, "no link given; it looks like tandem://TOKEN@HOST:PORT#SHA256:...");
  if (w[0] == "ssh") return parse_ssh_line(w, error);
  std::string whole;  // the pieces of a link wrapped across lines, put back together
  for (std::string_view piece : w) whole += piece;
  if (whole.rfind("ssh://", 0) == 0) return parse_ssh_uri(whole, error);
  std::optional<JoinLink> link = JoinLink::parse(whole, error);
  if (!link) return std::nullopt;
  return PastedLink{std::move(*link), false};
}

}  // namespace tandem
