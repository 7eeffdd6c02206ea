// Input on its way into a sync connection, flow-controlled: at most kInFlightBytes
// are sent and not yet acknowledged, so no instruction outgrows a transport message
// and a paste costs its sender a bounded amount; the rest waits here, in order. A
// producer asks has_room() before it reads more (a terminal, an SSH channel, a mate),
// and calls pump() when the peer acknowledged more.
#pragma once

#include <algorithm>
#include <deque>
#include <string_view>

#include "statesync/input_state.h"

namespace tandem::statesync {

template <class Connection>
class InputFlow {
 public:
  static constexpr size_t kInFlightBytes = 32 << 10;  // ~28 datagrams: a diff that survives some loss
  static constexpr size_t kQueuedBytes = 1 << 20;  // then has_room() says no
  static constexpr size_t kChunkBytes = 8 << 10;   // keys go in events of at most this

  explicit InputFlow(Connection& c) : c_(&c) {}
  // The connection was replaced (a new link): what was in flight on the old one is
  // the caller's to carry over.
  void rebind(Connection& c) { c_ = &c; }

  void push_keys(std::string_view bytes) {
    while (!bytes.empty()) {
      const size_t n = std::min(bytes.size(), kChunkBytes);
      queue(Keys{std::string(bytes.substr(0, n))});
      bytes.remove_prefix(n);
    }
    pump();
  }
  void push(InputEvent e) {
    queue(std::move(e));
    pump();
  }
  bool has_room() const { return queued_ < kQueuedBytes; }
  // Appends what is still queued here to `state` (moving to another link).
  void append_to(InputState& state) const {
    for (const InputEvent& e : queue_) state.push(e);
  }
  size_t queued_bytes() const { return queued_; }

  // Moves what fits into the connection's outgoing state.
  void pump() {
    bool moved = false;
    while (!queue_.empty() && c_->outgoing().bytes() + event_bytes(queue_.front()) <= kInFlightBytes) {
      queued_ -= event_bytes(queue_.front());
      c_->outgoing().push(std::move(queue_.front()));
      queue_.pop_front();
      moved = true;
    }
    if (moved) c_->outgoing_changed();
  }

 private:
  void queue(InputEvent e) {
    queued_ += event_bytes(e);
    queue_.push_back(std::move(e));
  }

  Connection* c_;
  std::deque<InputEvent> queue_;
  size_t queued_ = 0;
};

}  // namespace tandem::statesync
