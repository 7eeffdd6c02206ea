// The relay's SSH front door: who each connection is and what it may do. A token as
// the user name makes a mate (through the Gatekeeper, with the session's
// allow-list); a pty and shell then make it a plain-ssh mate (SshMate). Subsystems
// are a registry: "tandem" serves the native join and the host bootstrap, and a
// subsystem may bring a service user of its own (any key admits it and names it,
// as kHostUser). An unknown token is told so in words, after a pause that grows for
// an address that keeps guessing; one connection tries one name. When wrong tokens
// pile up on the relay, the owner is told (and tells every host).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "relay/ssh/gatekeeper.h"
#include "relay/ssh/listener.h"

namespace tandem::relay {

// A connection at the front door, as a subsystem sees it.
class Caller {
 public:
  virtual ~Caller() = default;
  virtual ssh::Connection& connection() = 0;
  // A token user's session and role (empty for a service user).
  virtual const Grant& grant() const = 0;
  // The key a service user proved (its SHA256 fingerprint); empty for a token user.
  virtual const std::string& key() const = 0;
  // The key a token user proved, if any (its SHA256 fingerprint): it names the mate.
  virtual const std::string& mate_key() const = 0;
  // Bytes a subsystem keeps between calls (a request arriving in pieces).
  virtual std::string& buffer() = 0;
};

class Subsystem {
 public:
  virtual ~Subsystem() = default;
  // The SSH user this subsystem serves itself (any key admits it), or empty: then
  // only token users reach it.
  virtual std::string_view service_user() const = 0;
  // Whether its service user gets in with no key at all (tmate hosts log in so).
  virtual bool admits_without_key() const { return false; }
  // The caller asked for the subsystem; false refuses.
  virtual bool open(Caller& caller) = 0;
  // Bytes from the caller on the subsystem's channel.
  virtual void data(Caller& caller, std::string_view bytes) = 0;
  // Everything the caller was sent has been written: room for more.
  virtual void drained(Caller&) {}
  // The caller's connection is going (whatever the subsystem holds for it, it lets go).
  virtual void closed(Caller&) {}
};

class FrontDoor {
 public:
  // Listens on `listen` with `host_key` (taken over; nullptr: a fresh key); `lookup`
  // finds a token's session. nullptr with `error` on failure.
  static constexpr int kGuessingAlarm = 10;        // wrong tokens a minute worth telling hosts of
  static constexpr uint64_t kAlarmEveryMs = 60000;  // at most this often

  static std::unique_ptr<FrontDoor> open(event_base* base, const transport::Address& listen, ssh_key host_key,
                                         ssh_key rsa_key, Gatekeeper::Lookup lookup, ssh::ListenerLimits limits, std::string* error);
  ~FrontDoor();

  void add_subsystem(std::string name, std::unique_ptr<Subsystem> subsystem);
  uint16_t port() const { return listener_->port(); }
  const std::string& fingerprint() const { return listener_->fingerprint(); }
  const std::string& rsa_fingerprint() const { return listener_->rsa_fingerprint(); }
  size_t connections() const { return listener_->connections(); }
  Gatekeeper& gatekeeper() { return gatekeeper_; }
  const ssh::ListenerCounters& counters() const { return listener_->counters(); }
  // Called with the wrong tokens of the last minute when they pile up.
  void set_on_guessing(std::function<void(int misses)> cb) { on_guessing_ = std::move(cb); }

 private:
  class Peer;
  explicit FrontDoor(event_base* base, Gatekeeper::Lookup lookup);
  Subsystem* service_of(std::string_view user) const;
  // A wrong token (or name) from `ip`: counted; how long its answer waits.
  std::chrono::milliseconds miss(const std::string& ip);

  event_base* base_;
  Gatekeeper gatekeeper_;
  std::map<std::string, std::unique_ptr<Subsystem>, std::less<>> subsystems_;
  std::function<void(int)> on_guessing_;
  uint64_t alarmed_at_ = 0;
  std::unique_ptr<ssh::Listener> listener_;  // last: its connections' handlers use the above
};

}  // namespace tandem::relay
