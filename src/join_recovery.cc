#include "src/join_recovery.h"

#include "transport/event_loop.h"

namespace tandem {

bool RejoinPolicy::should_ask(uint64_t silent_ms, uint64_t now_ms) {
  if (silent_ms < kAskAfterMs) {
    backoff_.reset();
    next_at_ms_ = 0;
    unknown_since_ms_ = 0;
    return false;
  }
  return now_ms >= next_at_ms_;
}

RejoinPolicy::Verdict RejoinPolicy::answered(const std::optional<proto::JoinAccept>& accept, JoinFailure why,
                                             const std::string& error, uint64_t now_ms) {
  using Kind = Verdict::Kind;
  if (accept) {
    unknown_since_ms_ = 0;
    if (!accept->same_link()) {
      backoff_.reset();
      next_at_ms_ = 0;
      return {Kind::kSwap, {}};
    }
    next_at_ms_ = now_ms + backoff_.next_ms();
    return {Kind::kKeep, {}};
  }
  const uint64_t wait = backoff_.next_ms();
  next_at_ms_ = now_ms + wait;
  const std::string again = "; trying again in " + std::to_string((wait + 999) / 1000) + " s";
  switch (why) {
    case JoinFailure::kConnectionRefused:
      if (ends_with_host_) return {Kind::kGone, "the session's relay is gone (connection refused): the host may have quit"};
      unknown_since_ms_ = 0;
      return {Kind::kRetry, "the relay refuses connections (restarting?)" + again};
    case JoinFailure::kNotAdmitted:
      if (ends_with_host_) return {Kind::kGone, "the relay no longer knows this session: it has ended"};
      if (!unknown_since_ms_) unknown_since_ms_ = now_ms;
      if (now_ms - unknown_since_ms_ >= kUnknownForMs) {
        return {Kind::kGone, "the relay no longer knows this session: it has ended, or its host did not come back"};
      }
      return {Kind::kRetry, "the relay does not know this session (yet): waiting for its host" + again};
    case JoinFailure::kEnded:
      return {Kind::kGone, kSessionEnded};
    case JoinFailure::kUnreachable:
    case JoinFailure::kNone:
      unknown_since_ms_ = 0;
      return {Kind::kRetry, "the relay does not answer" + again};
    case JoinFailure::kOther:
      break;
  }
  return {Kind::kGone, "cannot rejoin: " + error};
}

JoinRecovery::JoinRecovery(event_base* base, JoinLink link, std::string udp_override, bool relay_ends_with_host,
                           Events events)
    : base_(base),
      link_(std::move(link)),
      udp_override_(std::move(udp_override)),
      policy_(relay_ends_with_host),
      events_(std::move(events)) {}

void JoinRecovery::check(uint64_t silent_ms, uint64_t link_id) {
  if (task_ || !policy_.should_ask(silent_ms, transport::now_ms())) return;
  task_ = BlockingTask<Outcome>::start(
      base_,
      [link = link_, udp_override = udp_override_, link_id, name = name_] {
        Outcome o;
        o.accept = join_bootstrap(link, &o.error, link_id, &o.why, JoinIdentity{name, nullptr});
        if (o.accept && !o.accept->same_link()) {
          o.udp = udp_override.empty() ? resolve_udp(link.host, uint16_t(o.accept->udp_port()), &o.error)
                                       : transport::Address::parse(udp_override);
          if (!o.udp) {
            o.accept.reset();
            o.why = JoinFailure::kUnreachable;
          }
        }
        return o;
      },
      [this](Outcome o) { done(std::move(o)); });
}

void JoinRecovery::done(Outcome o) {
  task_.reset();
  const RejoinPolicy::Verdict v = policy_.answered(o.accept, o.why, o.error, transport::now_ms());
  switch (v.kind) {
    case RejoinPolicy::Verdict::Kind::kSwap:
      // The new link first: clearing the retry words looks at the link's silence, and
      // the old link's would ask the relay again at once, for a second new link (the
      // relay then kept the first one, announced and never leaving).
      if (events_.on_new_link) events_.on_new_link(*o.accept, *o.udp);
      if (events_.on_retry) events_.on_retry({});
      break;
    case RejoinPolicy::Verdict::Kind::kKeep:
      break;
    case RejoinPolicy::Verdict::Kind::kRetry:
      if (events_.on_retry) events_.on_retry(v.words);
      break;
    case RejoinPolicy::Verdict::Kind::kGone:
      if (events_.on_gone) events_.on_gone(v.words);
      break;
  }
}

}  // namespace tandem
