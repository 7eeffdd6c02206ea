// Who gets in through the SSH front door: a token grants a role in a live session
// (read-write or read-only), a session's allow-list wants a listed key as well, and
// an address that keeps guessing tokens is shut out for a while. Time is injected,
// so the limiter is tested without waiting.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proto/bootstrap.h"

namespace tandem::relay {

class Session;

struct Grant {
  std::weak_ptr<Session> session;  // expired: no session has this token
  Role role = Role::kNone;
};

// Counts unknown tokens per address: kMaxFailures within kWindowMs and the address
// is shut out until the window ends. Memory is bounded (kMaxTrackedAddresses).
class FailureLimiter {
 public:
  static constexpr int kMaxFailures = 10;
  static constexpr uint64_t kWindowMs = 60000;
  static constexpr size_t kMaxTrackedAddresses = 4096;

  explicit FailureLimiter(std::function<uint64_t()> clock) : clock_(std::move(clock)) {}
  void note_failure(const std::string& ip);
  bool blocked(const std::string& ip);
  size_t tracked() const { return failures_.size(); }

 private:
  struct Failures {
    int count = 0;
    uint64_t since_ms = 0;
  };
  std::function<uint64_t()> clock_;
  std::unordered_map<std::string, Failures> failures_;
};

class Gatekeeper {
 public:
  // `lookup`: the live (not ended) session a token belongs to, or nullptr.
  using Lookup = std::function<std::shared_ptr<Session>(std::string_view token)>;
  Gatekeeper(Lookup lookup, std::function<uint64_t()> clock) : lookup_(std::move(lookup)), failures_(std::move(clock)) {}

  // The session and role a token grants; an empty grant for anything else.
  Grant authorize(std::string_view token) const;
  // Whether a mate proving `fingerprint` may use `grant` (the session's allow-list).
  static bool admits_key(const Grant& grant, const std::string& fingerprint);
  // Whether the session wants a listed key (no entry with the token alone).
  static bool wants_key(const Grant& grant);
  FailureLimiter& failures() { return failures_; }
  // How long an unknown token waits for its answer: guessing is slow.
  static uint32_t refusal_delay_ms();

 private:
  Lookup lookup_;
  FailureLimiter failures_;
};

}  // namespace tandem::relay
