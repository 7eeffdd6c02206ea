#include "statesync/host_state.h"

#include "proto/sync.pb.h"

namespace tandem::statesync {
namespace {

constexpr size_t kMaxWhoBytes = 256;

}  // namespace

std::string HostControls::encode() const {
  proto::HostDiff d;
  proto::HostControls& c = *d.mutable_controls();
  for (const Decision& x : decisions) {
    proto::Decision* p = c.add_decisions();
    p->set_ticket(x.ticket);
    p->set_admit(x.admit);
  }
  for (const Kick& k : kicks) {
    proto::Kick* p = c.add_kicks();
    p->set_serial(k.serial);
    p->set_who(k.who);
    p->set_via(k.via == Via::kNative ? proto::VIA_NATIVE : proto::VIA_SSH);
  }
  c.set_rotation(rotation);
  c.set_rotation_kicks_all(rotation_kicks_all);
  return d.SerializeAsString();
}

std::optional<DecodeError> HostControls::decode(std::span<const uint8_t> host_diff, std::optional<HostControls>* out) {
  proto::HostDiff d;
  if (!d.ParseFromArray(host_diff.data(), int(host_diff.size()))) return DecodeError{"not a host diff"};
  out->reset();
  if (!d.has_controls()) return std::nullopt;
  const proto::HostControls& c = d.controls();
  if (size_t(c.decisions_size()) > kMaxDecisions || size_t(c.kicks_size()) > kMaxKicks) {
    return DecodeError{"too many host controls"};
  }
  HostControls next;
  for (const proto::Decision& x : c.decisions()) next.decisions.push_back(Decision{x.ticket(), x.admit()});
  for (const proto::Kick& k : c.kicks()) {
    if (k.who().empty() || k.who().size() > kMaxWhoBytes) return DecodeError{"bad kick"};
    if (k.via() != proto::VIA_SSH && k.via() != proto::VIA_NATIVE) return DecodeError{"bad kick"};
    next.kicks.push_back(Kick{k.serial(), k.who(), k.via() == proto::VIA_NATIVE ? Via::kNative : Via::kSsh});
  }
  next.rotation = c.rotation();
  next.rotation_kicks_all = c.rotation_kicks_all();
  *out = std::move(next);
  return std::nullopt;
}

}  // namespace tandem::statesync
