// A native mate's SSH bootstrap: connect to the relay, check its host key against
// the link's fingerprint, authenticate with the token, and receive the UDP link.
// Blocking, done once before the event loop starts.
#pragma once

#include <optional>
#include <string>

#include "proto/bootstrap.pb.h"
#include "src/join_link.h"

namespace tandem {

std::optional<proto::JoinAccept> bootstrap(const JoinLink& link, std::string* error);

// Checks a JoinAccept received from the relay: nullopt if anything is off.
std::optional<proto::JoinAccept> parse_join_accept(std::string_view body);

}  // namespace tandem
