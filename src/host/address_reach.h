// Who can reach the address an embedded relay puts in its links. A private (RFC 1918),
// shared (CGNAT, 100.64.0.0/10), link-local or loopback address is reachable only from
// its own network, so mates elsewhere could never join with such a link; the host is
// told so when it starts, not after a mate's failed attempt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tandem {

// What kind of local-only address `host` is ("a private address (RFC 1918)"), or
// nothing for a public address or a name (names are not looked up here).
std::optional<std::string> local_only_kind(std::string_view host);

// The lines a host sees when its links name a local-only address: who cannot reach
// it, and what to do about it. Empty when the address is public or a name.
std::string local_only_warning(std::string_view host);

}  // namespace tandem
