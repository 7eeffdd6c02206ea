// The relay's state directory: its SSH host keys (ed25519, and RSA for tmate hosts) and the key its resume secrets are
// made with, each made on first start (0600) in a directory of its own (0700). With
// it, a restarted relay has the same fingerprint and gives hosts their sessions back.
#pragma once

#include <optional>
#include <string>

#include "relay/bootstrap_service.h"
#include "relay/ssh/handles.h"

namespace tandem::relay {

struct RelayState {
  ssh::KeyPtr host_key;      // ed25519
  ssh::KeyPtr rsa_host_key;  // for tmate hosts that pin an RSA key
  Secret secret{};
  bool restarted = false;  // the state was there already: hosts may come back to sessions
};

// $STATE_DIRECTORY (systemd), /var/lib/tandem-relay as root, else under ~/.local/state.
std::string default_state_dir();
// Reads the state in `dir`, making what is missing; nullopt with `error` in words.
std::optional<RelayState> load_state(const std::string& dir, std::string* error);
// Makes `dir` and every missing parent, 0700, and takes group and other access from
// `dir` if it had any; false if it is not a directory after.
bool make_private_dir(const std::string& dir);

}  // namespace tandem::relay
