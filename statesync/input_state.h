// The input a mate sends to the host: an append-only log of events (keystrokes, a
// paste, a resize request, a notice), each with a sequence number.
//
// Its diff is the events after the receiver's prefix, so applying a diff twice, or an
// old one, changes nothing: every event reaches the consumer once and in order
// however the datagrams are lost, duplicated or reordered. Consumed or acknowledged
// prefixes can be dropped (subtract) to bound memory.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "statesync/screen/screen_state.h"

namespace tandem::statesync {

using screen::Error;

struct Resize {
  uint16_t cols = 0;
  uint16_t rows = 0;
  bool operator==(const Resize&) const = default;
};
struct Notice {
  std::string text;
  bool operator==(const Notice&) const = default;
};
// Keystrokes or a paste: bytes for the PTY.
struct Keys {
  std::string bytes;
  bool operator==(const Keys&) const = default;
};
using InputEvent = std::variant<Keys, Resize, Notice>;

inline constexpr size_t kMaxInputEventBytes = 64 * 1024;

class InputState {
 public:
  void push(InputEvent event);

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
  std::optional<Error> apply_bytes(std::span<const uint8_t> diff);

  // Equal when they hold the same log end: within one sender's history that means
  // the same events.
  bool operator==(const InputState& other) const { return end() == other.end(); }

 private:
  uint64_t first_ = 0;
  std::deque<InputEvent> events_;
};

}  // namespace tandem::statesync
