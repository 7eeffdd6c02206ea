// The vocabulary hosts, relays and mates share, below every program: the bootstrap
// protocol's version and names, who a mate is (Role, Via, MateInfo), a session's
// links, and the events a relay hands a host (HostEvents). `tandem join` needs only
// this and the wire formats, never a server header.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "proto/size.h"

namespace tandem {

// The SSH bootstrap (proto/bootstrap.proto) and the state sync behind it: peers of
// another version are refused in words.
inline constexpr uint32_t kBootstrapVersion = 3;  // 3: a native mate sends a JoinHello
inline constexpr const char* kHostUser = "tandem-host";  // the SSH user a host registers as
inline constexpr const char* kSubsystem = "tandem";      // the SSH subsystem of both bootstraps
inline constexpr const char* kSessionEnded = "the session has ended";  // a native join's refusal, word for word
inline constexpr const char* kHostRefused = "the host refused you";    // --approve: a refusal, word for word
inline constexpr const char* kHostRemoved = "the host removed you";    // `tandem kick`
inline constexpr const char* kHostRemovedAll = "the host made new links and removed every mate";  // `rotate --kick-all`
inline constexpr const char* kWaitingForHost = "waiting for the host to admit you";

enum class Role { kNone, kReadWrite, kReadOnly };
enum class Via { kSsh, kNative, kWeb };

inline const char* role_name(Role r) {
  return r == Role::kReadWrite ? "read-write" : r == Role::kReadOnly ? "read-only" : "none";
}
inline const char* via_name(Via v) { return v == Via::kNative ? "native" : v == Via::kWeb ? "web" : "ssh"; }

// A name a mate chose (`tandem join --name`) or a key's short form: untrusted, so
// kept printable and short. Anything else becomes '?', and it is cut at kMaxMateName.
inline constexpr size_t kMaxMateName = 32;
inline std::string clean_mate_name(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (out.size() >= kMaxMateName) break;
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7F ? c : '?');
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  return out;
}
// "SHA256:ab12cd34" from "SHA256:ab12cd34...": enough to tell keys apart at a glance.
inline std::string short_fingerprint(std::string_view fingerprint) {
  constexpr size_t kShown = 7 + 8;  // "SHA256:" and 8 characters of the hash
  return clean_mate_name(fingerprint.substr(0, kShown));
}

// A mate, as `tandem status` lists it.
struct MateInfo {
  std::string who;  // the address it came from
  Role role = Role::kNone;
  Via via = Via::kSsh;
  int64_t last_heard_ms_ago = -1;  // native mates only
  double srtt_ms = -1;             // native mates only
  std::string name = {};           // `tandem join --name`, else its key's short fingerprint; may be empty
  std::string key = {};            // the SHA256 fingerprint of the key it proved; may be empty

  // How the host is told of it: "alice (127.0.0.1:4242)", or the address alone.
  std::string label() const { return name.empty() ? who : name + " (" + who + ")"; }
};

// Where mates join a session: ready-made commands and links for each role.
struct Links {
  std::string ssh_rw, join_rw;  // empty for a read-only-only session
  std::string ssh_ro, join_ro;
  std::string web_rw, web_ro;   // a browser's page, the token in its fragment; empty: no web port
  std::string fingerprint;      // the relay's host key, as the join links pin it
  uint16_t ssh_port = 0;
  uint16_t udp_port = 0;
  uint16_t web_port = 0;        // datagrams over TCP when UDP is blocked (0: no web port)
  bool web_tls = false;
  bool operator==(const Links&) const = default;
};

// What a relay tells a host about its session, whichever relay and however far.
struct HostEvents {
  std::function<void(std::string_view bytes)> on_input;  // a read-write mate typed
  std::function<void(const MateInfo& mate, bool joined)> on_mate;
  // The smallest read-write mate's terminal, or nullopt when there is none.
  std::function<void(std::optional<Size>)> on_mates_size;
  // Something the host should know, in words ("wrong links are being tried here").
  std::function<void(const std::string& text)> on_notice;
  // Whether the host can take more input now (flow control); unset: always.
  std::function<bool()> has_room;
  // `tandem --approve`: `mate` waits to be admitted; the host answers with the
  // ticket. on_withdrawn: that mate no longer waits (it left, or waited too long).
  std::function<void(uint64_t ticket, const MateInfo& mate)> on_approval = nullptr;
  std::function<void(uint64_t ticket)> on_withdrawn = nullptr;
};

}  // namespace tandem
