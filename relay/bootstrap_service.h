// The host bootstrap's decisions, with no sockets: a HostHello (any bytes, from
// anyone with an SSH key) becomes a HostAccept: a new session, the same session on
// the same or a new link, a session restored after the relay restarted, or a refusal
// in words. The fuzzer calls it directly.
//
// A resume secret is a MAC, under the relay's key, of the session's id, tokens and
// host key: a relay that forgot a session (it restarted) can still tell its tokens
// were its own, and give them back to the host that holds them, and to no other.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/bootstrap.h"
#include "proto/bootstrap.pb.h"
#include "relay/session.h"

namespace tandem::relay {

using Secret = std::array<uint8_t, 32>;
using LinkKeyBytes = std::array<uint8_t, 32>;

// Who asks: the fingerprint of the key it proved, "address:port", and the address.
struct HostCaller {
  std::string key;
  std::string who;
  std::string ip;
};

// How many sessions one host key, and one address, may have open (new or restored).
struct BootstrapLimits {
  size_t sessions_per_key = 32;
  size_t sessions_per_address = 64;
  size_t history_lines = screen::kDefaultHistoryLines;  // scrollback a session keeps for late joiners
};

// What the bootstrap needs of the relay's sessions and links.
class HostDirectory {
 public:
  virtual ~HostDirectory() = default;
  virtual Session* find(const std::string& id) = 0;
  // Whether any live session has this token.
  virtual bool token_in_use(std::string_view token) const = 0;
  virtual Session& create(std::string id, std::string rw_token, std::string ro_token, SessionOptions options) = 0;
  // Forgets an ended session at once (its host is back for it: a named session).
  virtual void drop(const std::string& id) = 0;
  // The link id of the session's host (0: none).
  virtual uint64_t host_link(const Session& s) const = 0;
  // A fresh link for the session's host, replacing any other; input that the old
  // link had not delivered moves to the new one. Its id and key.
  virtual std::pair<uint64_t, LinkKeyBytes> attach_host(Session& s) = 0;
  // The session's links, naming the relay as `host`.
  virtual Links links(const Session& s, const std::string& host) const = 0;
  // Live sessions whose host registered with `key`, or from `ip`.
  virtual size_t sessions_of_key(const std::string& key) const = 0;
  virtual size_t sessions_from(const std::string& ip) const = 0;
};

class BootstrapService {
 public:
  // `public_host`: the name links carry (empty: the one each host dialed).
  BootstrapService(HostDirectory& directory, const Secret& secret, std::string public_host,
                   BootstrapLimits limits = {})
      : directory_(directory), secret_(secret), public_host_(std::move(public_host)), limits_(limits) {}

  // A host's request (any bytes).
  proto::HostAccept host_request(const HostCaller& caller, std::string_view request);

  Secret resume_secret(const std::string& id, const std::string& rw_token, const std::string& ro_token,
                       const std::string& host_key) const;

 private:
  std::optional<proto::HostAccept> over_limits(const HostCaller& caller) const;

  HostDirectory& directory_;
  Secret secret_;
  std::string public_host_;
  BootstrapLimits limits_;
};

// The ready-made links of a session: ssh commands and tandem:// links, for each role.
Links make_links(const std::string& rw_token, const std::string& ro_token, const std::string& host,
                 uint16_t ssh_port, uint16_t udp_port, const std::string& fingerprint,
                 const std::string& web_base = {});  // "http://HOST:PORT/": web links too
// A random session id (16 hex digits).
std::string new_session_id();

}  // namespace tandem::relay
