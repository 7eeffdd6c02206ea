// What `tandem status` and `tandem links` report about a session, as text for people
// or JSON for scripts. Both are run inside the session, so what they print is on the
// shared screen, which read-only viewers (a stream's, say) see: the read-write links
// are left out, and the omission said, unless they are asked for.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/bootstrap.h"

namespace tandem {

// The links as printed at start: "tandem: sharing this session" and a line each;
// without `read_write`, a line saying where the read-write ones are instead.
std::string links_text(const Links& links, bool read_write = true);
// The short form: "rw SSH-LINK  ro SSH-LINK" (the host's own notices).
std::string short_links(const Links& links);
// The host's notice of `links` after `lead` ("tandem: "), in forms for NoticeStack,
// longest first: both ssh links; the read-only one alone and where the rest are; where
// they are. Each shows whole links only: a token cut short at the terminal's edge
// would be copied as a wrong one.
std::vector<std::string> links_notice(const std::string& lead, const Links& links);
// Every link, one "KIND LINK" a line (rw, join-rw, ro, join-ro): $TANDEM_LINKS, and
// the start of the --links-file.
std::string all_links(const Links& links);

// The mate `which` names, as `tandem status` lists them: its number (from 1), its
// name, its address ("ip:port"), or its ip alone; nullopt with `error` in words when
// none or several match, said of `which` ("2 mates match it; ..."): see kick_refusal().
std::optional<MateInfo> pick_mate(const std::vector<MateInfo>& mates, std::string_view which, std::string* error);
// What `tandem kick WHICH` answers when pick_mate() found no one: "tandem: cannot kick
// 'nobody': no mate has that name or address (...)". It starts with
// kRefusedPrefix, as every refusal on $TANDEM_SOCKET does.
std::string kick_refusal(std::string_view which, const std::string& why);

struct SessionStatus {
  Links links;
  std::string relay;               // "host:port" of a relay elsewhere; empty: embedded
  int64_t relay_heard_ms_ago = -1; // a relay elsewhere: when we last heard it
  double relay_srtt_ms = -1;
  int cols = 0;
  int rows = 0;
  std::vector<MateInfo> mates;
  bool read_write = true;  // the read-write links too (false: only said to be hidden)

  std::string links_text() const { return tandem::links_text(links, read_write); }
  std::string short_links() const { return tandem::short_links(links); }
  std::string text() const;
  std::string json() const;
};

}  // namespace tandem
