#include "src/host/session_status.h"

#include <cstdio>
#include <functional>

#include "proto/json.h"
#include "src/host/control_socket.h"

namespace tandem {
namespace {

using proto::json_string;

}  // namespace

std::string links_text(const Links& links, bool read_write) {
  // A relay that has no native links (a tmate relay) gets no `tandem join` lines.
  auto join = [](const std::string& link) { return link.empty() ? std::string() : "              tandem join " + link + "\n"; };
  auto web = [](const std::string& link) { return link.empty() ? std::string() : "              " + link + "\n"; };
  std::string t = "tandem: sharing this session\n";
  if (!links.ssh_rw.empty() && read_write) {
    t += "  read-write: " + links.ssh_rw + "\n" + join(links.join_rw) + web(links.web_rw);
  } else if (!links.ssh_rw.empty()) {
    t += "  read-write: not shown on the shared screen (--rw shows it; Ctrl-^ then l on the\n"
         "              host's terminal shows it to the host alone)\n";
  }
  t += "  read-only:  " + links.ssh_ro + "\n" + join(links.join_ro) + web(links.web_ro);
  return t;
}

std::string short_links(const Links& links) {
  return links.ssh_rw.empty() ? "ro " + links.ssh_ro : "rw " + links.ssh_rw + "  ro " + links.ssh_ro;
}

std::vector<std::string> links_notice(const std::string& lead, const Links& links) {
  std::vector<std::string> forms = {lead + short_links(links)};
  if (!links.ssh_rw.empty()) forms.push_back(lead + "ro " + links.ssh_ro + "  (Ctrl-^ then l: all links)");
  forms.push_back(lead + "Ctrl-^ then l shows the links");
  return forms;
}

std::string all_links(const Links& links) {
  std::string t;
  auto line = [](const char* name, const std::string& link) { return link.empty() ? std::string() : name + link + "\n"; };
  if (!links.ssh_rw.empty()) t += "rw " + links.ssh_rw + "\n" + line("join-rw ", links.join_rw) + line("web-rw ", links.web_rw);
  return t + "ro " + links.ssh_ro + "\n" + line("join-ro ", links.join_ro) + line("web-ro ", links.web_ro);
}

std::string SessionStatus::text() const {
  std::string t = links_text();
  if (relay.empty()) {
    t += "  relay key:  " + links.fingerprint + " (embedded relay)\n";
  } else {
    t += "  relay:      " + relay + "  key " + links.fingerprint;
    if (relay_heard_ms_ago >= 0) t += "  heard " + std::to_string(relay_heard_ms_ago) + " ms ago";
    if (relay_srtt_ms >= 0) t += "  rtt " + std::to_string(int(relay_srtt_ms)) + " ms";
    t += "\n";
  }
  t += "  size:       " + std::to_string(cols) + "x" + std::to_string(rows) + "\n";
  t += "  mates:      " + std::to_string(mates.size()) + "\n";
  for (size_t i = 0; i < mates.size(); ++i) {
    const MateInfo& m = mates[i];
    t += "    " + std::to_string(i + 1) + ". " + m.label() + "  " + role_name(m.role) + "  " + via_name(m.via);
    if (m.last_heard_ms_ago >= 0) t += "  heard " + std::to_string(m.last_heard_ms_ago) + " ms ago";
    if (m.srtt_ms >= 0) t += "  rtt " + std::to_string(int(m.srtt_ms)) + " ms";
    t += "\n";
  }
  return t;
}

std::string kick_refusal(std::string_view which, const std::string& why) {
  return std::string(kRefusedPrefix) + "kick '" + std::string(which) + "': " + why + "\n";
}

std::optional<MateInfo> pick_mate(const std::vector<MateInfo>& mates, std::string_view which, std::string* error) {
  if (!which.empty() && which.find_first_not_of("0123456789") == std::string_view::npos && which.size() < 6) {
    const size_t n = size_t(std::stoul(std::string(which)));
    if (n >= 1 && n <= mates.size()) return mates[n - 1];
    *error = "no mate has that number (`tandem status` lists " + std::to_string(mates.size()) + ")";
    return std::nullopt;
  }
  auto ip_of = [](const std::string& who) { return who.substr(0, who.rfind(':')); };
  const std::function<bool(const MateInfo&)> tests[] = {
      [&](const MateInfo& m) { return m.name == which; },
      [&](const MateInfo& m) { return m.who == which; },
      [&](const MateInfo& m) { return ip_of(m.who) == which; },
  };
  for (const auto& test : tests) {
    std::vector<const MateInfo*> found;
    for (const MateInfo& m : mates) {
      if (test(m)) found.push_back(&m);
    }
    if (found.size() == 1) return *found[0];
    if (found.size() > 1) {
      *error = std::to_string(found.size()) + " mates match it; name one by its number in `tandem status`";
      return std::nullopt;
    }
  }
  *error = "no mate has that name or address (`tandem status` lists them)";
  return std::nullopt;
}

std::string SessionStatus::json() const {
  std::string j = "{\"links\":{";
  if (!links.ssh_rw.empty() && read_write) {
    j += "\"rw\":" + json_string(links.ssh_rw) + ",\"join_rw\":" + json_string(links.join_rw) + ",";
    if (!links.web_rw.empty()) j += "\"web_rw\":" + json_string(links.web_rw) + ",";
  } else if (!links.ssh_rw.empty()) {
    j += "\"rw_hidden\":true,";  // there is one; `tandem status --json --rw` gives it
  }
  j += "\"ro\":" + json_string(links.ssh_ro) + ",\"join_ro\":" + json_string(links.join_ro);
  if (!links.web_ro.empty()) j += ",\"web_ro\":" + json_string(links.web_ro);
  j += "},";
  j += "\"relay\":{\"embedded\":" + std::string(relay.empty() ? "true" : "false");
  if (!relay.empty()) {
    j += ",\"address\":" + json_string(relay);
    if (relay_heard_ms_ago >= 0) j += ",\"last_heard_ms_ago\":" + std::to_string(relay_heard_ms_ago);
    if (relay_srtt_ms >= 0) j += ",\"srtt_ms\":" + std::to_string(int(relay_srtt_ms));
  }
  j += ",\"ssh_port\":" + std::to_string(links.ssh_port) +
       ",\"udp_port\":" + std::to_string(links.udp_port) + ",\"fingerprint\":" + json_string(links.fingerprint) + "},";
  j += "\"size\":{\"cols\":" + std::to_string(cols) + ",\"rows\":" + std::to_string(rows) + "},";
  j += "\"mates\":[";
  for (size_t i = 0; i < mates.size(); ++i) {
    const MateInfo& m = mates[i];
    j += std::string(i ? "," : "") + "{\"who\":" + json_string(m.who) + ",\"name\":" + json_string(m.name) +
         ",\"role\":" + json_string(role_name(m.role)) + ",\"via\":" + json_string(via_name(m.via));
    if (m.last_heard_ms_ago >= 0) j += ",\"last_heard_ms_ago\":" + std::to_string(m.last_heard_ms_ago);
    if (m.srtt_ms >= 0) j += ",\"srtt_ms\":" + std::to_string(int(m.srtt_ms));
    j += "}";
  }
  return j + "]}\n";
}

}  // namespace tandem
