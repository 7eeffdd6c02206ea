// A native mate that hears nothing from its relay comes back by itself. After
// RejoinPolicy::kAskAfterMs of silence it asks the relay again over SSH with the
// same link, in the background (a BlockingTask), at a bounded backoff (1 s doubling
// to 15 s), naming the UDP link it has now:
// - the relay still has that link: nothing changes (only the network is at fault);
// - the relay gives a new link (it restarted, and the host restored the session):
//   the mate swaps its sync connection, keeping its screen and its unacknowledged
//   input;
// - nothing listens on the SSH port of a relay that lives in its host (embedded),
//   or the relay does not know the token (at once for an embedded relay, after
//   kUnknownForMs for a relay elsewhere, whose host may still be coming back): the
//   session is gone, and the mate says so in words;
// - the relay is unreachable (a restart, a network outage): it asks again later.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "proto/bootstrap.pb.h"
#include "proto/join_link.h"
#include "src/backoff.h"
#include "src/blocking_task.h"
#include "src/bootstrap_client.h"
#include "transport/address.h"

namespace tandem {

// When a mate asks again and what each answer means; no clock, no sockets.
class RejoinPolicy {
 public:
  static constexpr uint64_t kAskAfterMs = 7000;  // silent this long (two heartbeats and more): ask
  static constexpr uint64_t kFirstWaitMs = 1000, kMaxWaitMs = 15000;  // between attempts
  static constexpr uint64_t kUnknownForMs = 60000;  // a relay elsewhere that does not know us this long: gone

  struct Verdict {
    enum class Kind {
      kSwap,   // a new link: use it
      kKeep,   // the relay still has ours: keep it, ask again later if still silent
      kRetry,  // no answer that helps: ask again later
      kGone,   // the session is gone: `words` says why
    } kind;
    std::string words;  // for kGone, why; for kRetry, what the user sees meanwhile
  };

  explicit RejoinPolicy(bool relay_ends_with_host) : ends_with_host_(relay_ends_with_host) {}

  // Whether to ask now: the relay has been silent long enough and the wait after the
  // last attempt is over. A relay heard again starts everything afresh.
  bool should_ask(uint64_t silent_ms, uint64_t now_ms);
  // What an attempt's outcome means (`accept` set: the relay answered it).
  Verdict answered(const std::optional<proto::JoinAccept>& accept, JoinFailure why, const std::string& error,
                   uint64_t now_ms);
  // When the next attempt may start.
  uint64_t next_at_ms() const { return next_at_ms_; }

 private:
  bool ends_with_host_;
  Backoff backoff_{kFirstWaitMs, kMaxWaitMs};
  uint64_t next_at_ms_ = 0;
  uint64_t unknown_since_ms_ = 0;  // since when the relay has not known our token (0: it has)
};

// The driver: asks on a thread of its own, and reports on the loop.
class JoinRecovery {
 public:
  struct Events {
    std::function<void(const proto::JoinAccept&, const transport::Address& udp)> on_new_link;
    std::function<void(const std::string& why)> on_gone;
    std::function<void(const std::string& words)> on_retry;  // what the user sees meanwhile ("" clears it)
  };
  // `udp_override`: where UDP goes instead of the relay (tests, odd networks).
  JoinRecovery(event_base* base, JoinLink link, std::string udp_override, bool relay_ends_with_host, Events events);
  void set_name(std::string name) { name_ = std::move(name); }

  // Called now and then with the silence of the link `link_id`.
  void check(uint64_t silent_ms, uint64_t link_id);
  bool asking() const { return task_ != nullptr; }

 private:
  struct Outcome {
    std::optional<proto::JoinAccept> accept;
    std::optional<transport::Address> udp;
    JoinFailure why = JoinFailure::kOther;
    std::string error;
  };
  void done(Outcome outcome);

  event_base* base_;
  JoinLink link_;
  std::string name_;  // `tandem join --name`, said again to a restarted relay
  std::string udp_override_;
  RejoinPolicy policy_;
  Events events_;
  std::unique_ptr<BlockingTask<Outcome>> task_;
};

}  // namespace tandem
