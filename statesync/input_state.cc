#include "statesync/input_state.h"

#include <algorithm>

#include "proto/sync.pb.h"

namespace tandem::statesync {
namespace {

constexpr size_t kMaxWhoBytes = 256;
constexpr size_t kMaxTokenBytes = 64;
constexpr size_t kMaxLinkBytes = 512;

proto::Role to_proto(Role r) {
  return r == Role::kReadWrite  ? proto::ROLE_READ_WRITE
         : r == Role::kReadOnly ? proto::ROLE_READ_ONLY
                                : proto::ROLE_NONE;
}

void set_mate(proto::MateEvent& m, const MateEvent& v) {
  m.set_joined(v.joined);
  m.set_role(to_proto(v.role));
  m.set_via(proto::Via(via_to_wire(v.via)));
  m.set_who(v.who);
  m.set_name(v.name);
  m.set_key(v.key);
}

std::optional<MateEvent> get_mate(const proto::MateEvent& m) {
  if (m.who().size() > kMaxWhoBytes || m.name().size() > kMaxWhoBytes || m.key().size() > kMaxWhoBytes) {
    return std::nullopt;
  }
  if (m.role() != proto::ROLE_READ_WRITE && m.role() != proto::ROLE_READ_ONLY) return std::nullopt;
  const std::optional<Via> via = via_from_wire(m.via());
  if (!via) return std::nullopt;
  return MateEvent{m.joined(),
                   m.role() == proto::ROLE_READ_WRITE ? Role::kReadWrite : Role::kReadOnly,
                   *via,
                   m.who(),
                   clean_mate_name(m.name()),
                   clean_mate_name(m.key().substr(0, 64))};
}

// Tokens and links end up on the host's terminal and in shell commands: printable
// ASCII with no spaces but the links' own, and bounded.
bool plain_text(const std::string& text, size_t max) {
  return text.size() <= max && std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

std::optional<NewTokens> get_new_tokens(const proto::NewTokens& t) {
  for (const std::string* token : {&t.rw_token(), &t.ro_token()}) {
    if (!plain_text(*token, kMaxTokenBytes) || token->find(' ') != std::string::npos) return std::nullopt;
  }
  for (const std::string* link : {&t.ssh_rw(), &t.ssh_ro(), &t.join_rw(), &t.join_ro(), &t.web_rw(), &t.web_ro()}) {
    if (!plain_text(*link, kMaxLinkBytes)) return std::nullopt;
  }
  if (t.ro_token().empty() || t.resume_secret().size() > kMaxTokenBytes) return std::nullopt;
  return NewTokens{t.rotation(), t.rw_token(), t.ro_token(), t.resume_secret(),
                   t.ssh_rw(),   t.ssh_ro(),   t.join_rw(),  t.join_ro(),
                   t.web_rw(),   t.web_ro()};
}

void set_size(proto::Resize& out, Size size) {
  out.set_cols(size.cols);
  out.set_rows(size.rows);
}

std::optional<Size> get_size(const proto::Resize& r) {
  if (r.cols() == 0 || r.rows() == 0 || r.cols() > uint32_t(kMaxDimension) || r.rows() > uint32_t(kMaxDimension)) {
    return std::nullopt;
  }
  return Size{uint16_t(r.cols()), uint16_t(r.rows())};
}

}  // namespace

int via_to_wire(Via via) {
  return via == Via::kNative ? proto::VIA_NATIVE : via == Via::kWeb ? proto::VIA_WEB : proto::VIA_SSH;
}

std::optional<Via> via_from_wire(int via) {
  switch (via) {
    case proto::VIA_SSH:
      return Via::kSsh;
    case proto::VIA_NATIVE:
      return Via::kNative;
    case proto::VIA_WEB:
      return Via::kWeb;
    default:
      return std::nullopt;
  }
}

size_t event_bytes(const InputEvent& e) {
  constexpr size_t kEventBytes = 16;
  const auto* keys = std::get_if<Keys>(&e);
  return kEventBytes + (keys ? keys->bytes.size() : 0);
}

void InputState::push(InputEvent event) {
  bytes_ += event_bytes(event);
  events_.push_back(std::move(event));
}

void InputState::drop_before(uint64_t seq) {
  size_t n = 0;
  while (first_ < seq && n < events_.size()) {
    bytes_ -= event_bytes(events_[n++]);
    ++first_;
  }
  events_.erase(events_.begin(), events_.begin() + ptrdiff_t(n));  // what is left is what is unacknowledged: few
  if (events_.empty() && first_ < seq) first_ = seq;
}

std::string InputState::diff_bytes_from(const InputState& old) const {
  proto::InputDiff d;
  uint64_t from = std::max(old.end(), first_);
  d.set_first_seq(from);
  for (uint64_t seq = from; seq < end(); ++seq) {
    proto::InputEvent* e = d.add_events();
    std::visit(
        [e](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Keys>) {
            e->set_keys(v.bytes);
          } else if constexpr (std::is_same_v<T, Resize>) {
            set_size(*e->mutable_resize(), v.size);
          } else if constexpr (std::is_same_v<T, MateEvent>) {
            set_mate(*e->mutable_mate(), v);
          } else if constexpr (std::is_same_v<T, MatesSize>) {
            proto::MatesSize* m = e->mutable_mates_size();
            if (v.size) set_size(*m->mutable_size(), *v.size);
          } else if constexpr (std::is_same_v<T, RelayNotice>) {
            e->mutable_relay_notice()->set_text(v.text);
          } else if constexpr (std::is_same_v<T, Approval>) {
            proto::Approval* a = e->mutable_approval();
            a->set_ticket(v.ticket);
            a->set_withdrawn(v.withdrawn);
            if (!v.withdrawn) set_mate(*a->mutable_mate(), v.mate);
          } else if constexpr (std::is_same_v<T, KickDone>) {
            e->mutable_kick_done()->set_serial(v.serial);
            e->mutable_kick_done()->set_found(v.found);
          } else {
            proto::NewTokens* t = e->mutable_new_tokens();
            t->set_rotation(v.rotation);
            t->set_rw_token(v.rw_token);
            t->set_ro_token(v.ro_token);
            t->set_resume_secret(v.resume_secret);
            t->set_ssh_rw(v.ssh_rw);
            t->set_ssh_ro(v.ssh_ro);
            t->set_join_rw(v.join_rw);
            t->set_join_ro(v.join_ro);
            t->set_web_rw(v.web_rw);
            t->set_web_ro(v.web_ro);
          }
        },
        at(seq));
  }
  return d.SerializeAsString();
}

std::optional<DecodeError> InputState::apply_bytes(std::span<const uint8_t> bytes) {
  proto::InputDiff d;
  if (!d.ParseFromArray(bytes.data(), int(bytes.size()))) return DecodeError{"not an InputDiff message"};
  if (d.first_seq() > end()) return DecodeError{"input diff skips events"};
  std::vector<InputEvent> fresh;
  uint64_t seq = d.first_seq();
  for (const proto::InputEvent& e : d.events()) {
    const uint64_t this_seq = seq++;
    switch (e.kind_case()) {
      case proto::InputEvent::kKeys:
        if (e.keys().size() > kMaxInputEventBytes) return DecodeError{"input event too large"};
        if (this_seq >= end()) fresh.push_back(Keys{e.keys()});
        break;
      case proto::InputEvent::kResize: {
        std::optional<Size> size = get_size(e.resize());
        if (!size) return DecodeError{"bad resize"};
        if (this_seq >= end()) fresh.push_back(Resize{*size});
        break;
      }
      case proto::InputEvent::kMate: {
        std::optional<MateEvent> m = get_mate(e.mate());
        if (!m) return DecodeError{"bad mate event"};
        if (this_seq >= end()) fresh.push_back(std::move(*m));
        break;
      }
      case proto::InputEvent::kApproval: {
        const proto::Approval& a = e.approval();
        if (a.ticket() == 0) return DecodeError{"approval without a ticket"};
        Approval approval{a.ticket(), a.withdrawn()};
        if (!a.withdrawn()) {
          std::optional<MateEvent> m = get_mate(a.mate());
          if (!m) return DecodeError{"bad approval request"};
          approval.mate = std::move(*m);
        }
        if (this_seq >= end()) fresh.push_back(std::move(approval));
        break;
      }
      case proto::InputEvent::kKickDone:
        if (this_seq >= end()) fresh.push_back(KickDone{e.kick_done().serial(), e.kick_done().found()});
        break;
      case proto::InputEvent::kNewTokens: {
        std::optional<NewTokens> t = get_new_tokens(e.new_tokens());
        if (!t) return DecodeError{"bad new tokens"};
        if (this_seq >= end()) fresh.push_back(std::move(*t));
        break;
      }
      case proto::InputEvent::kRelayNotice:
        if (e.relay_notice().text().size() > kMaxWhoBytes) return DecodeError{"notice too large"};
        if (this_seq >= end()) fresh.push_back(RelayNotice{e.relay_notice().text()});
        break;
      case proto::InputEvent::kMatesSize: {
        std::optional<Size> size;
        if (e.mates_size().has_size() && !(size = get_size(e.mates_size().size()))) return DecodeError{"bad mates size"};
        if (this_seq >= end()) fresh.push_back(MatesSize{size});
        break;
      }
      default:
        return DecodeError{"unknown input event"};
    }
  }
  for (InputEvent& e : fresh) push(std::move(e));
  return std::nullopt;
}

}  // namespace tandem::statesync
