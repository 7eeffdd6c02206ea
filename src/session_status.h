// What `tandem status` reports about a session, as text for people or JSON for
// scripts.
#pragma once

#include <string>
#include <vector>

#include "relay/ssh_server.h"

namespace tandem {

struct SessionStatus {
  std::string rw_link, rw_join;  // empty for a read-only session
  std::string ro_link, ro_join;
  std::string fingerprint;
  uint16_t ssh_port = 0;
  uint16_t udp_port = 0;
  std::string relay;               // "host:port" of a relay elsewhere; empty: embedded
  int64_t relay_heard_ms_ago = -1; // a relay elsewhere: when we last heard it
  double relay_srtt_ms = -1;
  int cols = 0;
  int rows = 0;
  std::vector<relay::MateInfo> mates;

  // The links as printed at start: "tandem: sharing this session" and a line each.
  std::string links_text() const;
  std::string text() const;
  std::string json() const;
};

}  // namespace tandem
