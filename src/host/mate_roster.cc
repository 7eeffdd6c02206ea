#include "src/host/mate_roster.h"

#include <algorithm>
#include <string_view>

namespace tandem {
namespace {

// The address without its port: a mate that comes back comes from a new port.
std::string_view address_of(const std::string& who) {
  const size_t colon = who.rfind(':');
  return colon == std::string::npos ? std::string_view(who) : std::string_view(who).substr(0, colon);
}

}  // namespace

std::optional<MateRoster::Change> MateRoster::event(const MateInfo& m, bool joined) {
  auto same = [&](const MateInfo& x) { return x.who == m.who && x.via == m.via; };
  auto it = std::find_if(mates_.begin(), mates_.end(), same);
  if (!joined) {
    if (it == mates_.end()) return std::nullopt;
    mates_.erase(it);
    return Change{m, false};
  }
  if (it != mates_.end()) return std::nullopt;  // already known (a link's replay of who is here)
  mates_.push_back(m);
  auto back = std::find_if(returning_.begin(), returning_.end(), [&](const MateInfo& x) {
    return address_of(x.who) == address_of(m.who) && x.role == m.role && x.via == m.via;
  });
  if (back != returning_.end()) {
    returning_.erase(back);  // back after the relay's restart: nothing to say
    return std::nullopt;
  }
  return Change{m, true};
}

void MateRoster::relay_forgot(uint64_t now_ms) {
  returning_.insert(returning_.end(), mates_.begin(), mates_.end());
  mates_.clear();
  returning_until_ms_ = now_ms + kReturnGraceMs;
}

std::vector<MateRoster::Change> MateRoster::expire(uint64_t now_ms) {
  std::vector<Change> out;
  if (returning_.empty() || now_ms < returning_until_ms_) return out;
  for (MateInfo& m : returning_) out.push_back(Change{std::move(m), false});
  returning_.clear();
  return out;
}

std::vector<MateRoster::Change> MateRoster::clear() {
  std::vector<Change> out;
  for (MateInfo& m : mates_) out.push_back(Change{std::move(m), false});
  for (MateInfo& m : returning_) out.push_back(Change{std::move(m), false});
  mates_.clear();
  returning_.clear();
  return out;
}

}  // namespace tandem
