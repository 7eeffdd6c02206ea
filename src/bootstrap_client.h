// The clients' SSH bootstraps, one blocking exchange each on the "tandem" subsystem.
// A native mate's: connect to the relay, check its host key against the link's
// fingerprint, authenticate with the token, and receive the UDP link. A host's:
// check the relay's key (pinned, or trusted on first use), sign in with its key,
// send its HostHello, and receive the session (or a refusal in words).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "proto/bootstrap.h"
#include "proto/bootstrap.pb.h"
#include "proto/join_link.h"
#include "transport/address.h"
#include "transport/client_link.h"

namespace tandem {

// Why a native mate's bootstrap failed, for a mate deciding whether to ask again.
enum class JoinFailure {
  kNone,
  kConnectionRefused,  // nothing listens on the relay's SSH port (it, or its host, is gone)
  kUnreachable,        // no answer, or the network is down: maybe later
  kNotAdmitted,        // the relay answered: no session with this token admits us, or a refusal
  kEnded,              // the relay answered: the session has ended
  kOther,              // a wrong key, a malformed answer, another version
};

// Who a native mate says it is, and what it does while a host with --approve decides.
struct JoinIdentity {
  std::string name;                  // `tandem join --name`; the relay cleans and bounds it
  std::function<void()> on_waiting;  // the relay says to wait for the host (called on this thread)
};

// A native mate's bootstrap. `previous_link_id`: the link a mate asking again has now
// (0 the first time). Blocking (up to the relay's wait for the host, with
// --approve); safe on a thread of its own.
std::optional<proto::JoinAccept> join_bootstrap(const JoinLink& link, std::string* error, uint64_t previous_link_id = 0,
                                                JoinFailure* why = nullptr, const JoinIdentity& identity = {});

// Part of the error when a relay offers no tandem sessions (a stock tmate relay).
inline constexpr const char* kNoTandemSubsystem = "does not offer tandem sessions";

// Where a host registers its session.
struct RelayAddress {
  std::string host;
  uint16_t port = 2222;
  // The relay's key as pinned in the config; empty: trust on first use, remembered
  // in ~/.config/tandem/known_relays and checked from then on.
  std::string fingerprint;
  std::string identity_file;  // the host's SSH key; empty: agent, ~/.ssh/id_*, or tandem's own
};

// A host's bootstrap: authenticates with its key, sends `hello`, returns the relay's
// answer (which may be a refusal). Blocking; safe on a thread of its own.
std::optional<proto::HostAccept> host_bootstrap(const RelayAddress& relay, const proto::HostHello& hello,
                                                std::string* error);

// The UDP address of `host` (a name or a numeric address) at `port`.
std::optional<transport::Address> resolve_udp(const std::string& host, uint16_t port, std::string* error);

// A link's options to the relay at `host`: which path its datagrams take, and the TCP
// path (the relay's web port `web_port`, over TLS if `web_tls`; none when 0).
transport::ClientLinkOptions link_options(const std::string& host, uint16_t web_port, bool web_tls,
                                          transport::LinkTransport transport);

// Checks a HostAccept: nullopt, with `error` in words, if anything is off.
std::optional<proto::HostAccept> parse_host_accept(std::string_view body, std::string* error = nullptr);

// Checks a JoinAccept received from the relay: nullopt, with `error`, if anything is off.
std::optional<proto::JoinAccept> parse_join_accept(std::string_view body, std::string* error = nullptr);

// A session's links as the relay sent them.
Links links_from(const proto::SessionLinks& l);

}  // namespace tandem
