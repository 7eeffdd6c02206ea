#include "src/session_status.h"

#include <cstdio>

namespace tandem {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string SessionStatus::links_text() const {
  std::string t = "tandem: sharing this session\n";
  if (!rw_link.empty()) t += "  read-write: " + rw_link + "\n              tandem join " + rw_join + "\n";
  t += "  read-only:  " + ro_link + "\n              tandem join " + ro_join + "\n";
  return t;
}

std::string SessionStatus::text() const {
  std::string t = links_text();
  if (relay.empty()) {
    t += "  relay key:  " + fingerprint + " (embedded relay)\n";
  } else {
    t += "  relay:      " + relay + "  key " + fingerprint;
    if (relay_heard_ms_ago >= 0) t += "  heard " + std::to_string(relay_heard_ms_ago) + " ms ago";
    if (relay_srtt_ms >= 0) t += "  rtt " + std::to_string(int(relay_srtt_ms)) + " ms";
    t += "\n";
  }
  t += "  size:       " + std::to_string(cols) + "x" + std::to_string(rows) + "\n";
  t += "  mates:      " + std::to_string(mates.size()) + "\n";
  for (const relay::MateInfo& m : mates) {
    t += "    " + m.who + "  " + relay::role_name(m.role) + "  " + m.via;
    if (m.last_heard_ms_ago >= 0) t += "  heard " + std::to_string(m.last_heard_ms_ago) + " ms ago";
    if (m.srtt_ms >= 0) t += "  rtt " + std::to_string(int(m.srtt_ms)) + " ms";
    t += "\n";
  }
  return t;
}

std::string SessionStatus::json() const {
  std::string j = "{\"links\":{";
  if (!rw_link.empty()) j += "\"rw\":" + json_string(rw_link) + ",\"join_rw\":" + json_string(rw_join) + ",";
  j += "\"ro\":" + json_string(ro_link) + ",\"join_ro\":" + json_string(ro_join) + "},";
  j += "\"relay\":{\"embedded\":" + std::string(relay.empty() ? "true" : "false");
  if (!relay.empty()) {
    j += ",\"address\":" + json_string(relay);
    if (relay_heard_ms_ago >= 0) j += ",\"last_heard_ms_ago\":" + std::to_string(relay_heard_ms_ago);
    if (relay_srtt_ms >= 0) j += ",\"srtt_ms\":" + std::to_string(int(relay_srtt_ms));
  }
  j += ",\"ssh_port\":" + std::to_string(ssh_port) +
       ",\"udp_port\":" + std::to_string(udp_port) + ",\"fingerprint\":" + json_string(fingerprint) + "},";
  j += "\"size\":{\"cols\":" + std::to_string(cols) + ",\"rows\":" + std::to_string(rows) + "},";
  j += "\"mates\":[";
  for (size_t i = 0; i < mates.size(); ++i) {
    const relay::MateInfo& m = mates[i];
    j += std::string(i ? "," : "") + "{\"who\":" + json_string(m.who) + ",\"role\":" +
         json_string(relay::role_name(m.role)) + ",\"via\":" + json_string(m.via);
    if (m.last_heard_ms_ago >= 0) j += ",\"last_heard_ms_ago\":" + std::to_string(m.last_heard_ms_ago);
    if (m.srtt_ms >= 0) j += ",\"srtt_ms\":" + std::to_string(int(m.srtt_ms));
    j += "}";
  }
  return j + "]}\n";
}

}  // namespace tandem
