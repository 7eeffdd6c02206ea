// What `tandem status` reports about a session, as text for people or JSON for
// scripts.
#pragma once

#include <string>
#include <vector>

#include "proto/bootstrap.h"

namespace tandem {

// The links as printed at start: "tandem: sharing this session" and a line each.
std::string links_text(const Links& links);
// The short form: "rw SSH-LINK  ro SSH-LINK" ($TANDEM_LINKS, the notice at start).
std::string short_links(const Links& links);

struct SessionStatus {
  Links links;
  std::string relay;               // "host:port" of a relay elsewhere; empty: embedded
  int64_t relay_heard_ms_ago = -1; // a relay elsewhere: when we last heard it
  double relay_srtt_ms = -1;
  int cols = 0;
  int rows = 0;
  std::vector<MateInfo> mates;

  std::string links_text() const { return tandem::links_text(links); }
  std::string short_links() const { return tandem::short_links(links); }
  std::string text() const;
  std::string json() const;
};

}  // namespace tandem
