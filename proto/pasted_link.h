// What a user pastes to `tandem join`, forgiven: a tandem:// link wrapped across lines
// or broken by stray spaces (pasted from a narrow terminal, a chat, an e-mail), with
// quotes around it or `tandem join` in front; or a plain-ssh line (`ssh -p PORT
// TOKEN@HOST`, or an ssh://TOKEN@HOST:PORT link from a QR code), which names the relay
// and the token but not the relay's key. Untrusted text in, a JoinLink or a reason in
// words out; nothing is read past what was given.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/join_link.h"

namespace tandem {

struct PastedLink {
  JoinLink link;          // from an ssh line: no fingerprint
  bool ssh_line = false;  // it was a plain-ssh line or an ssh:// link
};

inline constexpr uint16_t kSshDefaultPort = 22;  // an ssh line without -p

std::optional<PastedLink> parse_pasted_link(std::string_view text, std::string* error);

}  // namespace tandem
