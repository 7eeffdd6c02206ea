#include "statesync/host_state.h"

#include <google/protobuf/io/coded_stream.h>

#include "proto/sync.pb.h"
#include "statesync/input_state.h"

namespace tandem::statesync {
namespace {

constexpr size_t kMaxWhoBytes = 256;
constexpr uint32_t kControlsField = 1000;  // proto::HostDiff.controls

// The controls' bytes in a host diff, found at its top level without copying the
// screen's fields around them (a flood's diffs are large, and parsing the whole as a
// HostDiff would keep all of it as unknown fields). Protobuf's rules: a field that
// comes twice is merged (its pieces concatenated); groups are not ours and refused.
bool find_controls(std::span<const uint8_t> diff, std::string* controls, bool* found) {
  google::protobuf::io::CodedInputStream in(diff.data(), int(diff.size()));
  while (const uint32_t tag = in.ReadTag()) {
    uint64_t ignored = 0;
    uint32_t size = 0;
    switch (tag & 7) {
      case 0:  // varint
        if (!in.ReadVarint64(&ignored)) return false;
        break;
      case 1:  // fixed64
        if (!in.Skip(8)) return false;
        break;
      case 5:  // fixed32
        if (!in.Skip(4)) return false;
        break;
      case 2:  // length-delimited
        if (!in.ReadVarint32(&size) || size > diff.size()) return false;
        if (tag >> 3 == kControlsField) {
          std::string piece;
          if (!in.ReadString(&piece, int(size))) return false;
          controls->append(piece);
          *found = true;
        } else if (!in.Skip(int(size))) {
          return false;
        }
        break;
      default: return false;
    }
  }
  return in.ExpectAtEnd();
}

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
    p->set_via(proto::Via(via_to_wire(k.via)));
  }
  c.set_rotation(rotation);
  c.set_rotation_kicks_all(rotation_kicks_all);
  return d.SerializeAsString();
}

std::optional<DecodeError> HostControls::decode(std::span<const uint8_t> host_diff, std::optional<HostControls>* out) {
  std::string bytes;
  bool found = false;
  if (!find_controls(host_diff, &bytes, &found)) return DecodeError{"not a host diff"};
  out->reset();
  if (!found) return std::nullopt;
  proto::HostControls c;
  if (!c.ParseFromString(bytes)) return DecodeError{"bad host controls"};
  if (size_t(c.decisions_size()) > kMaxDecisions || size_t(c.kicks_size()) > kMaxKicks) {
    return DecodeError{"too many host controls"};
  }
  HostControls next;
  for (const proto::Decision& x : c.decisions()) next.decisions.push_back(Decision{x.ticket(), x.admit()});
  for (const proto::Kick& k : c.kicks()) {
    if (k.who().empty() || k.who().size() > kMaxWhoBytes) return DecodeError{"bad kick"};
    const std::optional<Via> via = via_from_wire(k.via());
    if (!via) return DecodeError{"bad kick"};
    next.kicks.push_back(Kick{k.serial(), k.who(), *via});
  }
  next.rotation = c.rotation();
  next.rotation_kicks_all = c.rotation_kicks_all();
  *out = std::move(next);
  return std::nullopt;
}

}  // namespace tandem::statesync
