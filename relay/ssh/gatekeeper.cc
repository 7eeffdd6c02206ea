#include "relay/ssh/gatekeeper.h"

#include <sodium.h>

#include "relay/session.h"

namespace tandem::relay {
void FailureLimiter::roll(Failures& f, uint64_t now) const {
  if (f.count == 0 || now - f.since_ms >= kWindowMs) f = Failures{0, now};
}

void FailureLimiter::note_failure(const std::string& ip) {
  const uint64_t now = clock_();
  if (failures_.size() >= kMaxTrackedAddresses && !failures_.count(ip)) {
    std::erase_if(failures_, [&](const auto& kv) { return now - kv.second.since_ms >= kWindowMs; });
    // Still full: the newcomer is counted in the total only.
    if (failures_.size() >= kMaxTrackedAddresses) {
      roll(total_, now);
      ++total_.count;
      return;
    }
  }
  Failures& f = failures_[ip];
  roll(f, now);
  ++f.count;
  roll(total_, now);
  ++total_.count;
}

int FailureLimiter::failures(const std::string& ip) {
  auto it = failures_.find(ip);
  if (it == failures_.end()) return 0;
  roll(it->second, clock_());
  return it->second.count;
}

int FailureLimiter::total() {
  roll(total_, clock_());
  return total_.count;
}

std::chrono::milliseconds FailureLimiter::refusal_delay(const std::string& ip) {
  const bool slow = failures(ip) >= kMaxFailures;
  const auto base = slow ? kSlowRefusal : kRefusal;
  const auto spread = slow ? kSlowRefusalSpread : kRefusalSpread;
  return base + std::chrono::milliseconds(randombytes_uniform(uint32_t(spread.count()) + 1));
}

Grant Gatekeeper::authorize(std::string_view token) const {
  std::shared_ptr<Session> s = lookup_ ? lookup_(token) : nullptr;
  if (!s || s->ended()) return {};
  const Role role = s->role_of(token);
  if (role == Role::kNone) return {};
  return Grant{s, role};
}

bool Gatekeeper::wants_key(const Grant& grant) {
  std::shared_ptr<Session> s = grant.session.lock();
  return s && !s->options().allowed_keys.empty();
}

bool Gatekeeper::admits_key(const Grant& grant, const std::string& fingerprint) {
  std::shared_ptr<Session> s = grant.session.lock();
  return s && s->options().allowed_keys.count(fingerprint) > 0;
}


}  // namespace tandem::relay
