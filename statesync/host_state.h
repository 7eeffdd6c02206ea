// What a host syncs to its relay: its screen, and its say over who is in (the
// HostControls: answers to mates waiting under --approve, mates to remove, new
// tokens). Carrying the controls as state rather than as messages makes them
// reliable and idempotent for free: SSP resends them until acknowledged, a new link
// starts by sending them whole, and the relay acts only on what is new to it (a
// ticket still waiting, a kick serial or rotation count above the one it did), so
// nothing is done twice however often they arrive. They ride the host's own
// authenticated link, so only the session's host can send them.
//
// Generic over the screen: the diff is the screen's diff with, when they changed,
// the controls appended as protobuf field 1000 (proto::HostDiff). That relies on the
// screen's diff being a protobuf message whose fields are numbered below that; a
// relay of an older release parses the whole as a screen diff and skips the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "proto/bootstrap.h"
#include "proto/decode_error.h"

namespace tandem::statesync {

// The host's answer to Approval `ticket`.
struct Decision {
  uint64_t ticket = 0;
  bool admit = false;
  bool operator==(const Decision&) const = default;
};
// Remove the mate that came from `who` by `via`; serials grow with each one.
struct Kick {
  uint64_t serial = 0;
  std::string who;
  Via via = Via::kSsh;
  bool operator==(const Kick&) const = default;
};

inline constexpr size_t kMaxDecisions = 32;  // twice the mates that may wait at once (relay/session.h)
inline constexpr size_t kMaxKicks = 16;      // removals not yet confirmed

struct HostControls {
  std::vector<Decision> decisions;  // newest last
  std::vector<Kick> kicks;          // not yet confirmed (KickDone), oldest first
  uint64_t rotation = 0;            // new tokens asked for so far
  bool rotation_kicks_all = false;  // every mate goes with the newest rotation
  bool operator==(const HostControls&) const = default;

  // The protobuf HostDiff holding them.
  std::string encode() const;
  // The controls a host's diff carries into `out` (nullopt: it carries none, they did
  // not change); an error for anything malformed or over the bounds above.
  static std::optional<DecodeError> decode(std::span<const uint8_t> host_diff, std::optional<HostControls>* out);
};

template <class Screen>
struct HostState {
  Screen screen;
  HostControls controls;

  bool operator==(const HostState& other) const { return controls == other.controls && screen == other.screen; }
  std::string diff_bytes_from(const HostState& old) const {
    std::string diff = screen.diff_bytes_from(old.screen);
    if (controls != old.controls) diff += controls.encode();
    return diff;
  }
  // On error the state is left as it was.
  std::optional<DecodeError> apply_bytes(std::span<const uint8_t> diff) {
    std::optional<HostControls> next;
    if (std::optional<DecodeError> e = HostControls::decode(diff, &next)) return e;
    if (std::optional<DecodeError> e = screen.apply_bytes(diff)) return e;
    if (next) controls = std::move(*next);
    return std::nullopt;
  }
  void subtract(const HostState&) {}
};

}  // namespace tandem::statesync
