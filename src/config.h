// tandem's configuration: ~/.config/tandem/config (or $XDG_CONFIG_HOME/tandem/config),
// `key = value` lines, `#` comments:
//
//   relay-host = relay.example.org    # share through this relay (none: an embedded one)
//   relay-port = 2222
//   relay-fingerprint = SHA256:...    # pin the relay's key (`tandem relay` prints this line)
//   identity-file = ~/.ssh/id_ed25519 # the key the host registers with
//   command = tmux new -A -s pair     # what `tandem` runs instead of $SHELL
//   size = smallest                   # or host (the default)
//   mate-clipboard = yes              # read-write mates get what programs copy (default no)
//   relay-protocol = tmate            # speak tmate's protocol to the relay (default auto:
//                                     # tandem's, or tmate's when the relay offers only that)
//
// tmate users' `set -g tmate-server-host`/`-port`/`-rsa-fingerprint`/`-ed25519-fingerprint`
// (and -ecdsa-) in ~/.tmate.conf are used when this file names no relay: the relay's
// key must then be one of those fingerprints.
//
// Also here: the relays whose keys we trust on first use (known_relays), and the key
// a host uses when it has no SSH key of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "transport/client_link.h"

namespace tandem {

// Who sets the session's size: the host's terminal alone, or also the smallest
// read-write mate's (as tmate and tmux do).
enum class SizePolicy { kHost, kSmallest };
// Which protocol a host speaks to its relay: tandem's; tmate's (a stock
// tmate-ssh-server); or tandem's unless the relay offers only tmate's.
enum class RelayProtocol { kAuto, kTandem, kTmate };
std::optional<RelayProtocol> parse_relay_protocol(const std::string& text);
std::optional<SizePolicy> parse_size_policy(const std::string& text);
// udp, tcp or auto: the path a link's datagrams take (transport::LinkTransport).
std::optional<transport::LinkTransport> parse_transport(const std::string& text);

struct Config {
  std::string relay_host;  // empty: an embedded relay
  uint16_t relay_port = 2222;
  std::string relay_fingerprint;
  std::vector<std::string> tmate_fingerprints;  // from ~/.tmate.conf: the relay's key is one of these
  RelayProtocol relay_protocol = RelayProtocol::kAuto;
  std::string identity_file;
  std::vector<std::string> command;
  SizePolicy size = SizePolicy::kHost;
  bool mate_clipboard = false;  // OSC 52 from the session reaches read-write mates' terminals
  transport::LinkTransport transport = transport::LinkTransport::kAuto;  // UDP, else TCP while UDP is blocked
  std::string relay_from;  // where relay_host came from, for messages
};

// The directory of tandem's files ("" when there is no $HOME).
std::string config_dir();

// Reads the config file and ~/.tmate.conf; a missing file is no error, a bad line is.
std::optional<Config> load_config(std::string* error);
// The parsers, for tests: `path` only names the source in errors.
bool parse_config(const std::string& text, const std::string& path, Config& config, std::string* error);
// tmate-server-host, -port and the -fingerprint options from a tmate.conf, into `config`.
void parse_tmate_conf(const std::string& text, Config& config);

// The fingerprint remembered for relay "host:port" ("" if none), and remembering one.
std::string known_relay(const std::string& name);
void remember_relay(const std::string& name, const std::string& fingerprint);

// tandem's own key for hosts without one (made on first use, 0600); false with `error`.
bool own_identity(std::string& path, std::string* error);

}  // namespace tandem
