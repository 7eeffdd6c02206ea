// The state synchronisation protocol (after mosh's SSP), generic over a State: the
// sender keeps the states it has sent and diffs its newest state against the one
// the receiver is assumed to have; the receiver keeps the states it may still be
// asked to diff against. Intermediate states are skipped, so a flood of changes
// costs a few frames, not the whole stream. Nothing here touches sockets or clocks:
// time comes in as milliseconds, instructions go in and out as values.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "proto/sync.pb.h"
#include "statesync/instruction.h"
#include "transport/link.h"

namespace tandem::statesync {

// What a synchronised state provides. Equality must be cheap; subtract drops what a
// prefix state already holds (a no-op for states that are not append-only).
template <class S>
concept SyncState = std::copyable<S> && requires(S s, const S& c, std::span<const uint8_t> bytes) {
  { c.diff_bytes_from(c) } -> std::convertible_to<std::string>;
  { s.apply_bytes(bytes) } -> std::same_as<std::optional<DecodeError>>;
  { c == c } -> std::convertible_to<bool>;
  s.subtract(c);
};

// Timing, in milliseconds (mosh's values where they serve us).
inline constexpr uint64_t kScreenSendDelayMs = 2;     // coalescing a screen's changes (mosh: 8)
// Screens that were coalesced already (the host draws at most every few ms, and the
// relay forwards what the host sent): the first change after a pause leaves at once;
// frame pacing still holds back a flood.
inline constexpr uint64_t kForwardSendDelayMs = 0;
inline constexpr uint64_t kInputSendDelayMs = 0;      // a keystroke leaves at once (mosh: 1)
inline constexpr uint64_t kAckDelayMs = 100;          // a data ack waits this long for a ride
inline constexpr uint64_t kHeartbeatMs = 3000;        // an idle link still says something
// A client whose peer has gone quiet probes this often for a while, so that the first
// datagram after the network returns (a tunnel, a Wi-Fi hand-over) is at most this far
// off; then at kHeartbeatMs again. (mosh: the 3 s heartbeat only.)
inline constexpr uint64_t kSilentProbeMs = 200;
inline constexpr uint64_t kSilentProbeForMs = 10 * 60 * 1000;
inline constexpr uint64_t kActiveRetryMs = 10000;     // resend eagerly only while the peer was heard this recently
inline constexpr int kShutdownRetries = 16;
inline constexpr size_t kMaxSentStates = 32;
inline constexpr size_t kMaxReceivedStates = 256;
// The interactive path: an instruction that carries a small diff (a keystroke, its
// echo) goes kRepeats more times, kRepeatAfterMs apart, so that a lost datagram
// costs kRepeatAfterMs, not a retransmission timeout (RTO + kAckDelayMs, 300 ms or
// more on a slow link). With 10 % loss each way, one copy loses 19 % of keystroke
// echoes to the timeout, two copies 2 %, three 0.2 %. Heartbeats and acks never
// repeat (an idle link costs what it did), nor do retransmissions or anything sent
// while the peer is silent (an outage); large frames (a flood) never do; and
// repeats spend at most kRepeatBudgetBytes a second, so a stream of small frames (a
// progress bar) costs at most that much more. An acknowledgement cancels what is
// left. (mosh: no repeat; a lost keystroke waits for the retransmission.)
inline constexpr uint64_t kRepeatAfterMs = 5;
inline constexpr int kRepeats = 2;
inline constexpr size_t kRepeatMaxBytes = 320;
inline constexpr size_t kRepeatBudgetBytes = 4096;
// Frames are paced at the link's send interval (SRTT/2: two frames a round trip),
// which bounds what a flood costs; but a keystroke typed within that interval of the
// last one would wait for it (up to 125 ms at 250 ms RTT), and so would its echo.
// While the frames are small (the last one was at most kRepeatMaxBytes), a change
// goes after kInteractiveIntervalMs instead, at most kEarlyFramesPerSecond times a
// second on average (bursts of kEarlyFramesBurst): typing is not held back, and a
// stream of small frames costs at most that many frames more. (mosh: paced alike.)
inline constexpr uint64_t kInteractiveIntervalMs = 20;
inline constexpr double kEarlyFramesPerSecond = 20;
inline constexpr double kEarlyFramesBurst = 10;
inline constexpr uint64_t kNever = UINT64_MAX;

// What the transport knows about the link, as the sender needs it.
struct LinkTiming {
  uint64_t send_interval_ms = transport::kSendIntervalMaxMs;  // the link's pacing hint
  double rto_ms = 1000;
  bool peer_heard_recently = true;  // within kActiveRetryMs
  uint64_t heartbeat_ms = kHeartbeatMs;  // shorter while a client probes a silent peer
};

template <SyncState S>
class Sender {
 public:
  // `send_delay_ms`: how long changes are collected after the first one before a frame.
  explicit Sender(S initial, uint64_t send_delay_ms = kScreenSendDelayMs)
      : current_(initial), send_delay_ms_(send_delay_ms) {
    sent_.push_back(Sent{0, std::move(initial), 0});
  }

  // The state to send; change it in place or replace it, then tick.
  S& current() { return current_; }
  const S& current() const { return current_; }

  // The receiver has state `ack_num`: older ones are forgotten.
  void process_ack(uint64_t ack_num) {
    if (ack_num == kShutdownNum) {
      if (shutdown_) shutdown_acked_ = true;
      return;
    }
    auto it = std::find_if(sent_.begin(), sent_.end(), [&](const Sent& s) { return s.num == ack_num; });
    if (it == sent_.end()) return;
    sent_.erase(sent_.begin(), it);
    // Append-only states drop what the receiver is known to have.
    for (size_t i = 1; i < sent_.size(); ++i) sent_[i].state.subtract(sent_.front().state);
    current_.subtract(sent_.front().state);
    if (sent_.size() == 1) {  // all acknowledged: a pending repeat would say nothing new
      repeat_.clear();
      repeat_at_ = kNever;
    }
  }
  // We received new data: an ack must go out within kAckDelayMs.
  void ack_soon() { data_ack_pending_ = true; }
  // Our receiver learnt the peer is leaving: acknowledge at once.
  void ack_now() { ack_immediately_ = true; }

  void start_shutdown(uint64_t now) {
    if (shutdown_) return;
    shutdown_ = true;
    shutdown_started_ = now;
  }
  bool shutting_down() const { return shutdown_; }
  // The receiver has acknowledged the current state (a last frame got through).
  bool all_acked() const { return sent_.size() == 1 && sent_.front().state == current_; }
  bool shutdown_acknowledged() const { return shutdown_acked_; }
  // Tried long enough without an answer.
  bool shutdown_given_up(uint64_t now) const {
    return shutdown_ && !shutdown_acked_ && shutdown_tries_ >= kShutdownRetries &&
           now - shutdown_started_ >= kActiveRetryMs / 2;
  }

  // When tick() next has something to do (kNever: nothing until something changes).
  uint64_t next_wakeup(uint64_t now, const LinkTiming& t) {
    calculate_timers(now, t);
    return std::min({next_send_, next_ack_, repeat_at_});
  }

  // The instruction to send now, if any; `ack_num` is our receiver's newest state.
  std::optional<std::string> tick(uint64_t now, const LinkTiming& t, uint64_t ack_num) {
    calculate_timers(now, t);
    if (now < next_send_ && now < next_ack_) {
      if (now < repeat_at_) return std::nullopt;
      // The same instruction again: nothing newer is due yet.
      ++repeats_;
      if (--repeats_left_ > 0) {
        repeat_at_ = now + kRepeatAfterMs;
        return repeat_;
      }
      repeat_at_ = kNever;
      return std::exchange(repeat_, {});
    }
    if (shutdown_) return send_shutdown(now, ack_num);

    // Diff from the assumed receiver state, or from the acknowledged one when that is
    // barely bigger: it survives the loss of the frames in between.
    size_t base = assumed_;
    const bool unchanged = current_ == sent_[base].state;
    std::string diff;
    if (!unchanged) {
      diff = current_.diff_bytes_from(sent_[base].state);
      if (base != 0 && !(current_ == sent_.front().state)) {
        std::string from_acked = current_.diff_bytes_from(sent_.front().state);
        if (from_acked.size() <= diff.size() || (from_acked.size() < 1000 && from_acked.size() <= diff.size() + 100)) {
          diff = std::move(from_acked);
          base = 0;
        }
      }
    }
    if (unchanged && now < next_ack_) return std::nullopt;

    const uint64_t base_num = sent_[base].num;
    uint64_t new_num;
    const bool resend = !unchanged && current_ == sent_.back().state;
    if (resend) {
      new_num = sent_.back().num;  // the same state again
      sent_.back().sent_at = now;
    } else {
      // A new state, or an empty ack, which gets a number too so heartbeats are acked.
      new_num = sent_.back().num + 1;
      add_sent(Sent{new_num, current_, now});
    }
    proto::Instruction inst;
    inst.set_old_num(base_num);
    inst.set_new_num(new_num);
    inst.set_ack_num(ack_num);
    inst.set_throwaway_num(sent_.front().num);
    sent_once(now);
    std::string message = encode_instruction(std::move(inst), diff);
    if (!unchanged) {
      if (now < last_data_send_ + t.send_interval_ms) {  // ahead of the pace: an early frame
        early_frames_ =
            std::min(kEarlyFramesBurst, early_frames_ + double(now - early_at_) * kEarlyFramesPerSecond / 1000.0) - 1;
        early_at_ = now;
      }
      last_data_send_ = now;
      last_data_small_ = message.size() <= kRepeatMaxBytes;
      // Something newer goes instead of a pending repeat (small ones repeat in turn).
      // Retransmissions, and anything towards a peer not heard lately (an outage),
      // go once.
      repeat_.clear();
      repeat_at_ = kNever;
      if (!resend && t.peer_heard_recently) maybe_repeat(now, message);
    }
    return message;
  }

  // Repeats sent so far (for counters and tests).
  uint64_t repeats() const { return repeats_; }

  size_t sent_states() const { return sent_.size(); }
  uint64_t acked_num() const { return sent_.front().num; }

 private:
  struct Sent {
    uint64_t num;
    S state;
    uint64_t sent_at;
  };

  void add_sent(Sent s) {
    sent_.push_back(std::move(s));
    // Too many in flight: forget one from the middle, keeping the acked and the newest.
    if (sent_.size() > kMaxSentStates) sent_.erase(sent_.end() - 16);
  }

  void update_assumed(uint64_t now, const LinkTiming& t) {
    assumed_ = 0;
    const uint64_t doubt = uint64_t(t.rto_ms) + kAckDelayMs;
    for (size_t i = 1; i < sent_.size(); ++i) {
      if (now - sent_[i].sent_at >= doubt) break;  // something older is unacked: assume it was lost
      assumed_ = i;
    }
  }

  void calculate_timers(uint64_t now, const LinkTiming& t) {
    update_assumed(now, t);
    if (t.heartbeat_ms < kHeartbeatMs && last_send_ != 0) next_ack_ = std::min(next_ack_, last_send_ + t.heartbeat_ms);
    const uint64_t interval = t.send_interval_ms;
    if (ack_immediately_) next_ack_ = now;
    if (data_ack_pending_ && next_ack_ > now + kAckDelayMs) next_ack_ = now + kAckDelayMs;
    if (shutdown_) {
      next_send_ = last_send_ == 0 ? now : last_send_ + interval;
      return;
    }
    // Frames are paced by the last frame that carried data; acks in between do not count.
    if (!(current_ == sent_.back().state)) {
      if (mindelay_since_ == kNever) mindelay_since_ = now;
      next_send_ = std::max(mindelay_since_ + send_delay_ms_, last_data_send_ + pace(now, interval));
    } else if (!(current_ == sent_[assumed_].state) && t.peer_heard_recently) {
      next_send_ = last_data_send_ + interval;
    } else if (!(current_ == sent_.front().state) && t.peer_heard_recently) {
      next_send_ = last_data_send_ + uint64_t(t.rto_ms) + kAckDelayMs;
    } else {
      next_send_ = kNever;
    }
  }

  // Schedules `message` to go again kRepeats times from kRepeatAfterMs on, if it is
  // small and the repeat budget allows.
  void maybe_repeat(uint64_t now, const std::string& message) {
    if (message.size() > kRepeatMaxBytes) return;
    budget_ = std::min<double>(double(kRepeatBudgetBytes),
                               budget_ + double(now - budget_at_) * double(kRepeatBudgetBytes) / 1000.0);
    budget_at_ = now;
    const double cost = double(message.size() * kRepeats);
    if (budget_ < cost) return;
    budget_ -= cost;
    repeat_ = message;
    repeat_at_ = now + kRepeatAfterMs;
    repeats_left_ = kRepeats;
  }

  // How long after the last data frame the next may go (see kInteractiveIntervalMs).
  uint64_t pace(uint64_t now, uint64_t interval) const {
    if (!last_data_small_ || interval <= kInteractiveIntervalMs) return interval;
    const double frames =
        std::min(kEarlyFramesBurst, early_frames_ + double(now - early_at_) * kEarlyFramesPerSecond / 1000.0);
    return frames >= 1 ? kInteractiveIntervalMs : interval;
  }

  void sent_once(uint64_t now) {
    last_send_ = now;
    mindelay_since_ = kNever;
    data_ack_pending_ = false;
    ack_immediately_ = false;
    next_ack_ = now + kHeartbeatMs;
  }

  std::optional<std::string> send_shutdown(uint64_t now, uint64_t ack_num) {
    if (shutdown_acked_) return std::nullopt;
    ++shutdown_tries_;
    proto::Instruction inst;
    inst.set_old_num(sent_.front().num);
    inst.set_new_num(kShutdownNum);
    inst.set_ack_num(ack_num);
    inst.set_throwaway_num(sent_.front().num);
    sent_once(now);
    return encode_instruction(std::move(inst), {});
  }

  S current_;
  uint64_t send_delay_ms_;
  std::deque<Sent> sent_;  // front: acknowledged by the receiver; back: sent last
  size_t assumed_ = 0;
  uint64_t next_send_ = kNever;
  uint64_t next_ack_ = 0;  // the first tick says hello
  uint64_t last_send_ = 0;
  uint64_t last_data_send_ = 0;
  bool last_data_small_ = false;             // the last data frame was small: the link is interactive
  double early_frames_ = kEarlyFramesBurst;  // frames that may still go ahead of the pace
  uint64_t early_at_ = 0;
  uint64_t mindelay_since_ = kNever;
  bool data_ack_pending_ = false;
  bool ack_immediately_ = false;
  bool shutdown_ = false;
  bool shutdown_acked_ = false;
  int shutdown_tries_ = 0;
  uint64_t shutdown_started_ = 0;
  std::string repeat_;  // the small instruction to send again at repeat_at_
  uint64_t repeat_at_ = kNever;
  int repeats_left_ = 0;
  double budget_ = double(kRepeatBudgetBytes);  // bytes repeats may still spend
  uint64_t budget_at_ = 0;
  uint64_t repeats_ = 0;
};

template <SyncState S>
class Receiver {
 public:
  enum class Outcome { kNewest, kOlder, kDuplicate, kNoBase, kBad, kFull, kShutdown };

  explicit Receiver(S initial) { states_.push_back(Received{0, std::move(initial)}); }

  // Applies an instruction's diff; `error` says why one was refused as bad.
  Outcome handle(const proto::Instruction& inst, std::span<const uint8_t> diff, DecodeError* error = nullptr) {
    if (inst.new_num() == kShutdownNum) {
      peer_shut_down_ = true;
      return Outcome::kShutdown;
    }
    auto has = [&](uint64_t num) {
      return std::any_of(states_.begin(), states_.end(), [&](const Received& r) { return r.num == num; });
    };
    if (has(inst.new_num())) return Outcome::kDuplicate;
    auto base = std::find_if(states_.begin(), states_.end(), [&](const Received& r) { return r.num == inst.old_num(); });
    if (base == states_.end()) return Outcome::kNoBase;
    S next = base->state;
    if (!diff.empty()) {
      if (auto err = next.apply_bytes(diff)) {
        if (error) *error = *err;
        return Outcome::kBad;
      }
    }
    // States the sender will never diff against again.
    while (states_.size() > 1 && states_.front().num < inst.throwaway_num() &&
           states_[1].num <= inst.throwaway_num()) {
      states_.pop_front();
    }
    if (states_.size() >= kMaxReceivedStates) states_.erase(states_.begin() + 1);  // bounded, whatever the peer does
    auto at = std::find_if(states_.begin(), states_.end(), [&](const Received& r) { return r.num > inst.new_num(); });
    const bool newest = at == states_.end();
    states_.insert(at, Received{inst.new_num(), std::move(next)});
    return newest ? Outcome::kNewest : Outcome::kOlder;
  }

  const S& latest() const { return states_.back().state; }
  S& latest() { return states_.back().state; }
  uint64_t newest_num() const { return states_.back().num; }
  bool peer_shut_down() const { return peer_shut_down_; }
  size_t held_states() const { return states_.size(); }

 private:
  struct Received {
    uint64_t num;
    S state;
  };
  std::deque<Received> states_;  // ordered by number
  bool peer_shut_down_ = false;
};

}  // namespace tandem::statesync
