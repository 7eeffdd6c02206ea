// The link a native mate joins with: tandem://TOKEN@HOST:PORT#SHA256:FINGERPRINT.
// It names the relay's SSH endpoint and carries the relay's host-key fingerprint,
// so the joiner can tell the relay it reaches is the one the host used.
#pragma once

#include <optional>
#include <string>

namespace tandem {

struct JoinLink {
  std::string token;
  std::string host;
  uint16_t port = 0;
  std::string fingerprint;  // "SHA256:..."

  std::string to_string() const;
  // The same session for an SSH client, without the fingerprint: ssh://TOKEN@HOST:PORT
  // (what phones' SSH apps open from a QR code).
  std::string ssh_uri() const;
  static std::optional<JoinLink> parse(const std::string& text, std::string* error);
};

}  // namespace tandem
