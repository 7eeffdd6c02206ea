#include "relay/native_mate.h"

#include "proto/bootstrap.pb.h"
#include "proto/framing.h"

namespace tandem::relay {

NativeMate::NativeMate(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role,
                       std::string who)
    : session_(session),
      role_(role),
      who_(std::move(who)),
      link_(base, endpoint, screen::initial_screen(), statesync::InputState(), statesync::kForwardSendDelayMs),
      leave_(base, [this] { session_.leave(*this); }) {
  link_.sync().set_on_incoming([this] { consume(); });
  link_.sync().set_on_status([this](statesync::SyncStatus s) {
    if (s == statesync::SyncStatus::kPeerClosed) leave_.start(std::chrono::milliseconds(0));  // the mate left
  });
}

std::string NativeMate::admit(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role,
                              const std::string& who) {
  std::unique_ptr<NativeMate> mate(new NativeMate(base, endpoint, session, role, who));
  proto::JoinAccept accept;
  accept.set_version(kBootstrapVersion);
  accept.set_udp_port(endpoint.local_address().port());
  accept.set_link_id(mate->link_.link_id());
  accept.set_link_key(std::string(mate->link_.key().begin(), mate->link_.key().end()));
  accept.set_read_only(role != Role::kReadWrite);
  accept.set_session_name(session.options().name);
  session.join(std::move(mate), false);
  return proto::frame(accept.SerializeAsString());
}

void NativeMate::consume() {
  if (!heard_) {
    heard_ = true;
    session_.announce(*this);
  }
  for_each_new(link_.sync().incoming_mutable(), consumed_, [this](const statesync::InputEvent& e) {
    if (const auto* keys = std::get_if<statesync::Keys>(&e)) {
      session_.input(*this, keys->bytes);
    } else if (const auto* size = std::get_if<statesync::Resize>(&e)) {
      session_.resized(*this, size->size);
    }
  });
}

void NativeMate::show(const screen::ScreenState& screen) { link_.sync().set_outgoing(screen); }

void NativeMate::end(const std::string&) { link_.sync().shutdown(); }

MateInfo NativeMate::info() const {
  const uint64_t heard = link_.sync().last_heard();
  return MateInfo{who_, role_, Via::kNative, heard ? int64_t(transport::now_ms() - heard) : -1,
                  link_.sync().srtt_ms()};
}

bool NativeMate::connected() const {
  const statesync::SyncStatus s = link_.sync().status();
  return s == statesync::SyncStatus::kOpen || s == statesync::SyncStatus::kClosing;
}

}  // namespace tandem::relay
