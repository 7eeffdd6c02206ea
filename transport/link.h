// One end of an encrypted datagram link, without sockets: messages in, sealed
// datagrams out, and the reverse. It keeps the replay window, the RTT estimate, the
// peer's address (roaming: the source of the newest authenticated datagram, when
// the link follows its peer) and the counters.
//
// ClientLink and ServerEndpoint put it on sockets and the event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "transport/address.h"
#include "transport/datagram.h"
#include "transport/reassembler.h"
#include "transport/replay_window.h"
#include "transport/rtt_estimator.h"

namespace tandem::transport {

inline constexpr size_t kTimestampBytes = 4;  // sender's time and the echo of the peer's, 16 bits each
inline constexpr size_t kMaxFragmentBytes = kMaxPayloadBytes - kTimestampBytes - kFragmentHeaderBytes;
inline constexpr uint16_t kNoTimestamp = 0xFFFF;
inline constexpr uint64_t kTimestampEchoMs = 1000;  // echo a peer's timestamp only this long after it arrived
inline constexpr uint64_t kSendIntervalMinMs = 20;   // pacing: fastest frame rate, 50 Hz
inline constexpr uint64_t kSendIntervalMaxMs = 250;  // slowest, 4 Hz

struct LinkCounters {
  uint64_t datagrams_in = 0;   // authenticated
  uint64_t datagrams_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  uint64_t messages_lost = 0;
  uint64_t dropped_unauthentic = 0;  // bad header, wrong link or direction, bad tag
  uint64_t dropped_replay = 0;
  uint64_t dropped_malformed = 0;    // authentic but not a valid fragment
  uint64_t roams = 0;                // times the peer's address moved
};

struct LinkCallbacks {
  std::function<void(std::span<const uint8_t> message)> on_message;
  std::function<void(uint32_t first_id, uint32_t count)> on_lost;
};

class Link {
 public:
  // A server-side link follows its peer's address; a client's peer is fixed.
  Link(const LinkKey& key, uint64_t link_id, Side side, LinkCallbacks callbacks);

  // Seals `message` into datagrams (appended to `out`, one vector each). False if
  // the message is over kMaxMessageBytes or the link has spent its sequence numbers.
  bool seal_message(std::span<const uint8_t> message, std::vector<std::vector<uint8_t>>& out, uint64_t now);
  // Handles a datagram that arrived from `from`; true if it authenticated.
  bool receive(std::span<const uint8_t> datagram, const Address& from, uint64_t now);

  uint64_t link_id() const { return codec_.link_id(); }
  const Address& peer() const { return peer_; }
  void set_peer(const Address& peer) { peer_ = peer; }
  // Monotonic ms of the last authenticated datagram, 0 if none yet.
  uint64_t last_heard() const { return last_heard_; }
  const RttEstimator& rtt() const { return rtt_; }
  // The pacing hint for the layer above: about two frames per round trip, as mosh;
  // the fastest rate until the round trip is known, so that the first keystrokes on a
  // fresh link are not held back by a guess.
  std::chrono::milliseconds send_interval() const;
  const LinkCounters& counters() const { return counters_; }
  LinkCounters& counters() { return counters_; }
  // Messages being put back together count against `budget` (shared with other links).
  void set_reassembly_budget(ReassemblyBudget* budget) { reassembler_.set_budget(budget); }
  size_t reassembly_bytes() const { return reassembler_.pending_bytes(); }

 private:
  uint16_t reply_timestamp(uint64_t now);

  DatagramCodec codec_;
  Side side_;
  LinkCallbacks callbacks_;
  ReplayWindow replay_;
  RttEstimator rtt_;
  Reassembler reassembler_;
  Address peer_;
  uint64_t last_heard_ = 0;
  uint32_t next_message_id_ = 0;
  uint16_t peer_timestamp_ = kNoTimestamp;  // the peer's newest timestamp, to echo once
  uint64_t peer_timestamp_at_ = 0;
  LinkCounters counters_;
  std::vector<uint8_t> scratch_;  // plaintext buffer, reused
};

}  // namespace tandem::transport
