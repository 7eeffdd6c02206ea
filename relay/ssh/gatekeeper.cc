#include "relay/ssh/gatekeeper.h"

#include <sodium.h>

#include "relay/session.h"

namespace tandem::relay {
namespace {

constexpr uint32_t kRefusalDelayMinMs = 50;  // an unknown token waits this long, plus up to
constexpr uint32_t kRefusalDelaySpreadMs = 150;

}  // namespace

void FailureLimiter::note_failure(const std::string& ip) {
  const uint64_t now = clock_();
  if (failures_.size() >= kMaxTrackedAddresses) {
    std::erase_if(failures_, [&](const auto& kv) { return now - kv.second.since_ms >= kWindowMs; });
    if (failures_.size() >= kMaxTrackedAddresses) failures_.clear();
  }
  Failures& f = failures_[ip];
  if (f.count == 0 || now - f.since_ms >= kWindowMs) f = Failures{0, now};
  ++f.count;
}

bool FailureLimiter::blocked(const std::string& ip) {
  auto it = failures_.find(ip);
  if (it == failures_.end()) return false;
  if (clock_() - it->second.since_ms >= kWindowMs) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= kMaxFailures;
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

uint32_t Gatekeeper::refusal_delay_ms() { return kRefusalDelayMinMs + randombytes_uniform(kRefusalDelaySpreadMs + 1); }

}  // namespace tandem::relay
