// Two parties synchronising one state each way over one transport link, on the
// event loop: our outgoing state (a screen, or input) goes out as SSP instructions,
// the peer's incoming state is rebuilt from theirs, and a callback says when it
// changed. Shutdown is a handshake (both sides learn the other is gone), distinct
// from silence (the peer has not been heard for a while), which is only reported.
// For flow control, a consumer can stop accepting new data (the peer then resends
// it later) and learns when the peer acknowledged more (see InputFlow).
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <string>

#include "statesync/channel.h"
#include "statesync/ssp.h"
#include "transport/event_loop.h"

namespace tandem::statesync {

struct SyncCounters {
  uint64_t instructions_out = 0;
  uint64_t instructions_in = 0;
  uint64_t bytes_out = 0;       // instruction bytes handed to the transport
  uint64_t refused_in = 0;      // malformed, wrong version, or a diff that would not apply
  uint64_t without_base_in = 0; // diffs from a state we no longer hold
  uint64_t wakeups = 0;         // timer firings: what an idle link costs the loop
  uint64_t send_failures = 0;   // instructions the transport would not take
};

enum class SyncStatus {
  kOpen,
  kClosing,     // we asked to close; waiting for the peer's acknowledgement
  kClosed,      // we asked and the peer acknowledged (or never answered: see shutdown_acknowledged)
  kPeerClosed,  // the peer asked to close and we acknowledged
};

template <SyncState Out, SyncState In>
class SyncConnection {
 public:
  // `send_delay_ms`: see Sender (kScreenSendDelayMs for screens, kInputSendDelayMs for input).
  SyncConnection(event_base* base, Channel& channel, Out out, In in, uint64_t send_delay_ms)
      : channel_(channel),
        sender_(std::move(out), send_delay_ms),
        receiver_(std::move(in)),
        timer_(base, [this] {
          scheduled_at_ = kNever;
          tick();
        }) {
    schedule();
  }
  SyncConnection(const SyncConnection&) = delete;

  // Every message the channel receives goes here.
  void receive(std::span<const uint8_t> message) {
    DecodeError error;
    std::optional<DecodedInstruction> d = decode_instruction(message, &error);
    if (!d) {
      ++counters_.refused_in;
      last_error_ = error.what;
      return;
    }
    ++counters_.instructions_in;
    const uint64_t acked = sender_.acked_num();
    sender_.process_ack(d->inst.ack_num());
    if (sender_.acked_num() != acked && on_acked_) on_acked_();
    // Full (the consumer cannot take more input): new data is not taken, and so not
    // acknowledged; the peer resends it later. Acks in it were heard all the same.
    if (!accepting_ && d->inst.new_num() > receiver_.newest_num() && d->inst.new_num() != kShutdownNum) {
      schedule();
      return;
    }
    auto outcome = receiver_.handle(d->inst, std::span(reinterpret_cast<const uint8_t*>(d->diff.data()), d->diff.size()),
                                    &error);
    switch (outcome) {
      case Receiver<In>::Outcome::kNewest:
        // Data wants an ack; so does anything while the round trip is still unknown,
        // which gives both ends their first RTT samples at once.
        if (quick_acks_ && d->diff.size() >= kBulkDiffBytes) {
          sender_.ack_now();  // a paste moves a window per ack: no delay for a ride
        } else if (!d->diff.empty() || !channel_.link().rtt().has_sample()) {
          sender_.ack_soon();
        }
        if (on_incoming_) on_incoming_();
        break;
      case Receiver<In>::Outcome::kShutdown:
        sender_.ack_now();
        break;
      case Receiver<In>::Outcome::kBad:
        ++counters_.refused_in;
        last_error_ = error.what;
        break;
      case Receiver<In>::Outcome::kNoBase:
        ++counters_.without_base_in;
        break;
      default:
        break;
    }
    update_status();
    schedule();
  }

  // The state we send: change it, then call outgoing_changed().
  Out& outgoing() { return sender_.current(); }
  const Out& outgoing() const { return sender_.current(); }
  void set_outgoing(Out out) {
    sender_.current() = std::move(out);
    outgoing_changed();
  }
  void outgoing_changed() { schedule(); }
  // Sends at once (after a wake-up from sleep, say) rather than waiting for a timer.
  void poke() {
    sender_.ack_now();
    schedule();
  }

  const In& incoming() const { return receiver_.latest(); }
  // For a consumer of an append-only state that drops what it has used.
  In& incoming_mutable() { return receiver_.latest(); }
  void set_on_incoming(std::function<void()> cb) { on_incoming_ = std::move(cb); }
  void set_on_status(std::function<void(SyncStatus)> cb) { on_status_ = std::move(cb); }
  // Called when the peer acknowledged more of what we sent.
  void set_on_acked(std::function<void()> cb) { on_acked_ = std::move(cb); }
  // Whether new incoming data is taken (flow control: a consumer that is full says
  // no, and the peer's sender holds back, then resends).
  void set_accepting(bool on) { accepting_ = on; }
  bool accepting() const { return accepting_; }
  // For the receiver of input: a bulk diff (a paste) is acknowledged at once, so the
  // sender's flow window moves at the round trip, not at the ack delay.
  void set_quick_acks(bool on) { quick_acks_ = on; }
  static constexpr size_t kBulkDiffBytes = 1024;
  // For a client (host or mate): when the peer goes quiet, probe every kSilentProbeMs
  // (for kSilentProbeForMs) instead of every heartbeat, so the link is back as soon as
  // the network is.
  void set_probe_when_silent(bool on) {
    probe_when_silent_ = on;
    schedule();
  }

  void shutdown() {
    sender_.start_shutdown(transport::now_ms());
    update_status();
    schedule();
  }
  SyncStatus status() const { return status_; }
  bool shutdown_acknowledged() const { return sender_.shutdown_acknowledged(); }

  uint64_t last_heard() const { return channel_.link().last_heard(); }
  uint64_t silent_for_ms() const {
    uint64_t heard = last_heard();
    return heard == 0 ? transport::now_ms() - created_ : transport::now_ms() - heard;
  }
  double srtt_ms() const { return channel_.link().rtt().srtt_ms(); }
  const SyncCounters& counters() const { return counters_; }
  const std::string& last_error() const { return last_error_; }
  const Sender<Out>& sender() const { return sender_; }
  const Receiver<In>& receiver() const { return receiver_; }

 private:
  LinkTiming timing() const {
    const transport::Link& link = channel_.link();
    LinkTiming t;
    t.send_interval_ms = uint64_t(link.send_interval().count());
    t.rto_ms = link.rtt().rto_ms();
    uint64_t heard = link.last_heard();
    const uint64_t now = transport::now_ms();
    // A peer never heard counts as recent only for a while after we began: a client
    // whose relay never answers resends at its probing pace, not eagerly forever.
    t.peer_heard_recently = now - (heard ? heard : created_) < kActiveRetryMs;
    const uint64_t silent = now - (heard ? heard : created_);
    if (probe_when_silent_ && silent > 2 * kHeartbeatMs && silent < kSilentProbeForMs) t.heartbeat_ms = kSilentProbeMs;
    return t;
  }

  void tick() {
    ++counters_.wakeups;
    const uint64_t now = transport::now_ms();
    if (status_ == SyncStatus::kClosed) return;
    const uint64_t ack = receiver_.peer_shut_down() ? kShutdownNum : receiver_.newest_num();
    if (std::optional<std::string> message = sender_.tick(now, timing(), ack)) {
      if (!channel_.send(std::span(reinterpret_cast<const uint8_t*>(message->data()), message->size()))) {
        // Not sent (too large to seal, or nowhere to go yet): the sender resends at its
        // retry pace, never in a loop; input is kept small enough by InputFlow.
        ++counters_.send_failures;
        last_error_ = "an instruction of " + std::to_string(message->size()) + " bytes could not be sent";
      }
      ++counters_.instructions_out;
      counters_.bytes_out += message->size();
      if (receiver_.peer_shut_down()) acked_peer_shutdown_ = true;
    }
    update_status();
    schedule();
  }

  void update_status() {
    SyncStatus next = status_;
    if (sender_.shutting_down()) {
      next = sender_.shutdown_acknowledged() || sender_.shutdown_given_up(transport::now_ms()) ? SyncStatus::kClosed
                                                                                              : SyncStatus::kClosing;
    } else if (receiver_.peer_shut_down() && acked_peer_shutdown_) {
      next = SyncStatus::kPeerClosed;
    }
    if (next != status_) {
      status_ = next;
      if (on_status_) on_status_(status_);
    }
  }

  void schedule() {
    // A server's link its client has never spoken on has nowhere to send: nothing is
    // diffed or attempted (an abandoned link costs nothing) until the client speaks.
    if (status_ == SyncStatus::kClosed || !channel_.can_send()) {
      timer_.stop();
      scheduled_at_ = kNever;
      return;
    }
    const uint64_t now = transport::now_ms();
    uint64_t at = sender_.next_wakeup(now, timing());
    if (at == kNever) {
      timer_.stop();
      scheduled_at_ = kNever;
      return;
    }
    // An earlier wake-up stays: calls in quick succession must not keep pushing it
    // into the future (the timer would never fire).
    if (scheduled_at_ <= at && timer_.pending()) return;
    scheduled_at_ = at;
    timer_.start(std::chrono::milliseconds(at > now ? at - now : 0));
  }

  Channel& channel_;
  Sender<Out> sender_;
  Receiver<In> receiver_;
  transport::Timer timer_;
  std::function<void()> on_incoming_;
  std::function<void(SyncStatus)> on_status_;
  std::function<void()> on_acked_;
  bool accepting_ = true;
  bool quick_acks_ = false;
  SyncStatus status_ = SyncStatus::kOpen;
  bool acked_peer_shutdown_ = false;
  uint64_t created_ = transport::now_ms();
  uint64_t scheduled_at_ = kNever;  // when the timer is set to fire
  bool probe_when_silent_ = false;
  SyncCounters counters_;
  std::string last_error_;
};

}  // namespace tandem::statesync
