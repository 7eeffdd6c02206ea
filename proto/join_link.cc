#include "proto/join_link.h"

#include <charconv>

namespace tandem {

namespace {

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
}

}  // namespace

std::string JoinLink::to_string() const {
  return "tandem://" + token + "@" + bracketed(host) + ":" + std::to_string(port) + "#" + fingerprint;
}

std::string JoinLink::ssh_uri() const { return "ssh://" + token + "@" + bracketed(host) + ":" + std::to_string(port); }

std::optional<JoinLink> JoinLink::parse(const std::string& text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<JoinLink> {
    if (error) *error = std::string("not a tandem link (") + why + "); it looks like tandem://TOKEN@HOST:PORT#SHA256:...";
    return std::nullopt;
  };
  const std::string scheme = "tandem://";
  if (text.rfind(scheme, 0) != 0) return fail("no tandem:// at the start");
  std::string rest = text.substr(scheme.size());
  JoinLink link;
  size_t hash = rest.find('#');
  if (hash == std::string::npos) return fail("no #fingerprint");
  link.fingerprint = rest.substr(hash + 1);
  rest.resize(hash);
  if (link.fingerprint.rfind("SHA256:", 0) != 0 || link.fingerprint.size() < 10) return fail("bad fingerprint");
  // Base64: anything else is a damaged link (a word of the sentence around it), not
  // another relay's key, and must not read as one.
  for (char c : std::string_view(link.fingerprint).substr(7)) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!ok) return fail("bad fingerprint: SHA256: is followed by base64 alone");
  }
  size_t at = rest.find('@');
  if (at == std::string::npos || at == 0) return fail("no token");
  link.token = rest.substr(0, at);
  rest = rest.substr(at + 1);
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return fail("no port");
  link.host = rest.substr(0, colon);
  if (link.host.size() > 2 && link.host.front() == '[' && link.host.back() == ']') {
    link.host = link.host.substr(1, link.host.size() - 2);
  }
  std::string_view port = std::string_view(rest).substr(colon + 1);
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535) return fail("bad port");
  link.port = uint16_t(p);
  for (char c : link.token) {
    if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) return fail("bad token");
  }
  return link;
}

}  // namespace tandem
