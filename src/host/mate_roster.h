// The host's list of its mates on a relay elsewhere, kept from the relay's join and
// leave events, and what the host is told of them. When the relay restarted and
// forgot its mates, they are not said to have left: they are expected back for
// kReturnGraceMs (native mates re-join by themselves, ssh mates with the same
// command). One that comes back within it (same address, role and kind) is not
// announced again; those that do not are said to have left when it is over. No
// clock, no sockets: time comes in as arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "proto/bootstrap.h"

namespace tandem {

class MateRoster {
 public:
  static constexpr uint64_t kReturnGraceMs = 60000;

  struct Change {
    MateInfo mate;
    bool joined;
  };

  // The relay says `mate` joined or left; what the host should be told, if anything.
  std::optional<Change> event(const MateInfo& mate, bool joined);
  // The relay restarted and forgot every mate: they are expected back until
  // `now_ms` + kReturnGraceMs.
  void relay_forgot(uint64_t now_ms);
  // Mates expected back that did not come in time: each has left.
  std::vector<Change> expire(uint64_t now_ms);
  // A new session: every mate, present or expected, has left.
  std::vector<Change> clear();

  const std::vector<MateInfo>& mates() const { return mates_; }
  size_t expected() const { return returning_.size(); }

 private:
  std::vector<MateInfo> mates_;
  std::vector<MateInfo> returning_;
  uint64_t returning_until_ms_ = 0;
};

}  // namespace tandem
