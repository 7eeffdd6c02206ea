// The input a mate sends to the host, and the relay to a host: an append-only log of
// events (keystrokes, a paste, a mate's size; for a host, mates coming and going and
// the smallest read-write size), each with a sequence number.
//
// Its diff is the events after the receiver's prefix, so applying a diff twice, or an
// old one, changes nothing: every event reaches the consumer once and in order
// however the datagrams are lost, duplicated or reordered. Consumed or acknowledged
// prefixes can be dropped (subtract) to bound memory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "proto/decode_error.h"
#include "proto/bootstrap.h"
#include "proto/size.h"

namespace tandem::statesync {


// Keystrokes or a paste: bytes for the PTY.
struct Keys {
  std::string bytes;
  bool operator==(const Keys&) const = default;
};
// A mate's terminal size (mate -> relay).
struct Resize {
  Size size;
  bool operator==(const Resize&) const = default;
};
// A mate joined or left (relay -> host).
struct MateEvent {
  bool joined = true;
  Role role = Role::kNone;
  Via via = Via::kSsh;
  std::string who;
  std::string name = {};  // chosen, or a key's short fingerprint; printable, at most kMaxMateName
  std::string key = {};   // the key's fingerprint, if it proved one
  bool operator==(const MateEvent&) const = default;
};
// The smallest read-write mate's terminal, or none (relay -> host).
struct MatesSize {
  std::optional<Size> size;
  bool operator==(const MatesSize&) const = default;
};
// Something the host should know, in words (relay -> host).
struct RelayNotice {
  std::string text;
  bool operator==(const RelayNotice&) const = default;
};
// A mate asks to join (`tandem --approve`), or no longer waits (relay -> host).
struct Approval {
  uint64_t ticket = 0;
  bool withdrawn = false;
  MateEvent mate = {};  // who asks; empty when withdrawn
  bool operator==(const Approval&) const = default;
};
// The relay removed a mate as HostControls asked, or found it gone (relay -> host).
struct KickDone {
  uint64_t serial = 0;
  bool found = false;
  bool operator==(const KickDone&) const = default;
};
// The session's new tokens and links after a rotation (relay -> host).
struct NewTokens {
  uint64_t rotation = 0;
  std::string rw_token, ro_token, resume_secret;
  std::string ssh_rw, ssh_ro, join_rw, join_ro;
  std::string web_rw, web_ro;
  bool operator==(const NewTokens&) const = default;
};
// How a mate came, on the wire (proto::Via) and back; nullopt for a value no relay sends.
int via_to_wire(Via via);
std::optional<Via> via_from_wire(int via);

using InputEvent = std::variant<Keys, Resize, MateEvent, MatesSize, RelayNotice, Approval, KickDone, NewTokens>;

inline constexpr size_t kMaxInputEventBytes = 64 * 1024;

class InputState {
 public:
  void push(InputEvent event);

  // What the held events weigh: their bytes (keys), and a little for each event.
  size_t bytes() const { return bytes_; }

  // Sequence number the next event will get: events [begin(), end()) are held.
  uint64_t end() const { return first_ + events_.size(); }
  uint64_t begin() const { return first_; }
  // Event with sequence number seq (begin() <= seq < end()).
  const InputEvent& at(uint64_t seq) const { return events_[size_t(seq - first_)]; }

  // Drops the events `prefix` already has.
  void subtract(const InputState& prefix) { drop_before(prefix.end()); }
  void drop_before(uint64_t seq);

  // Serialized InputDiff of the events after `old`'s end.
  std::string diff_bytes_from(const InputState& old) const;
  // Appends the events of a diff that this state does not have yet. Errors (a gap,
  // malformed bytes, oversize events) leave the state untouched.
  std::optional<DecodeError> apply_bytes(std::span<const uint8_t> diff);

  // Equal when they hold the same log end: within one sender's history that means
  // the same events.
  bool operator==(const InputState& other) const { return end() == other.end(); }

 private:
  uint64_t first_ = 0;
  std::vector<InputEvent> events_;  // not a deque: an empty one allocates nothing, and states are copied often
  size_t bytes_ = 0;
};

// What an event weighs for flow control.
size_t event_bytes(const InputEvent& e);

// Calls `visit(event)` for each event from `cursor` on, then drops what was visited:
// a consumer sees every event once, in order.
template <class Visitor>
void for_each_new(InputState& state, uint64_t& cursor, Visitor&& visit) {
  if (cursor < state.begin()) cursor = state.begin();
  for (; cursor < state.end(); ++cursor) visit(state.at(cursor));
  state.drop_before(cursor);
}

}  // namespace tandem::statesync
