// Who gets in through the SSH front door: a token grants a role in a live session
// (read-write or read-only), a session's allow-list wants a listed key as well, and
// an address that keeps guessing tokens is shut out for a while. Time is injected,
// so the limiter is tested without waiting.
#pragma once

#include <chrono>
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

// Counts unknown tokens, per address and in all, in windows of kWindowMs. Memory is
// bounded (kMaxTrackedAddresses).
class FailureLimiter {
 public:
  static constexpr int kMaxFailures = 10;  // then an address's misses wait kSlowRefusal
  static constexpr uint64_t kWindowMs = 60000;
  static constexpr size_t kMaxTrackedAddresses = 4096;
  static constexpr std::chrono::milliseconds kRefusal{50}, kRefusalSpread{150};
  static constexpr std::chrono::milliseconds kSlowRefusal{2000}, kSlowRefusalSpread{2000};

  explicit FailureLimiter(std::function<uint64_t()> clock) : clock_(std::move(clock)) {}
  void note_failure(const std::string& ip);
  // How long the answer to a miss from `ip` waits (random within its range).
  std::chrono::milliseconds refusal_delay(const std::string& ip);
  // Misses from `ip`, and from everywhere, in their current windows.
  int failures(const std::string& ip);
  int total();
  size_t tracked() const { return failures_.size(); }

 private:
  struct Failures {
    int count = 0;
    uint64_t since_ms = 0;
  };
  void roll(Failures& f, uint64_t now) const;
  std::function<uint64_t()> clock_;
  std::unordered_map<std::string, Failures> failures_;
  Failures total_;
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

 private:
  Lookup lookup_;
  FailureLimiter failures_;
};

}  // namespace tandem::relay
