#include "relay/native_mates.h"

#include "proto/bootstrap.pb.h"
#include "proto/framing.h"

namespace tandem::relay {

struct NativeMates::Mate {
  uint64_t link_id = 0;
  Role role = Role::kNone;
  std::string who;
  std::unique_ptr<statesync::EndpointChannel> channel;
  std::unique_ptr<statesync::SyncConnection<screen::ScreenState, statesync::InputState>> sync;
  uint64_t consumed = 0;
  bool announced = false;
};

NativeMates::NativeMates(event_base* base, transport::ServerEndpoint& endpoint) : base_(base), endpoint_(endpoint) {
  sweep_event_.reset(evtimer_new(base, on_sweep, this));
}

NativeMates::~NativeMates() {
  for (auto& [id, m] : mates_) endpoint_.remove_link(id);
}

std::string NativeMates::admit(Role role, const std::string& who, const std::string& session_name) {
  auto m = std::make_unique<Mate>();
  m->link_id = transport::random_link_id();
  m->role = role;
  m->who = who;
  const transport::LinkKey key = transport::random_link_key();
  Mate* raw = m.get();
  endpoint_.add_link(m->link_id, key, transport::LinkCallbacks{[raw](std::span<const uint8_t> msg) {
                                                                  raw->sync->receive(msg);
                                                                },
                                                                {}});
  m->channel = std::make_unique<statesync::EndpointChannel>(endpoint_, m->link_id);
  m->sync = std::make_unique<statesync::SyncConnection<screen::ScreenState, statesync::InputState>>(
      base_, *m->channel, initial_screen(), statesync::InputState(), statesync::kForwardSendDelayMs);
  m->sync->set_outgoing(latest_.with_scrollback(0));
  m->sync->set_on_incoming([this, raw] { consume(*raw); });
  m->sync->set_on_status([this](statesync::SyncStatus) {
    timeval now{0, 0};
    evtimer_add(sweep_event_.get(), &now);  // removed outside the connection's own callback
  });

  proto::JoinAccept accept;
  accept.set_version(kBootstrapVersion);
  accept.set_udp_port(port());
  accept.set_link_id(m->link_id);
  accept.set_link_key(std::string(key.begin(), key.end()));
  accept.set_read_only(role != Role::kReadWrite);
  accept.set_session_name(session_name);
  std::string framed = proto::frame(accept.SerializeAsString());
  mates_[m->link_id] = std::move(m);
  return framed;
}

void NativeMates::consume(Mate& m) {
  if (!m.announced) {
    m.announced = true;
    if (on_mate_) on_mate_(m.who, m.role, true);
  }
  statesync::InputState& in = m.sync->incoming_mutable();
  for (; m.consumed < in.end(); ++m.consumed) {
    if (m.consumed < in.begin()) continue;
    const statesync::InputEvent& e = in.at(m.consumed);
    // A read-only mate's input stops here, whatever it sends.
    if (const auto* keys = std::get_if<statesync::Keys>(&e); keys && m.role == Role::kReadWrite && on_input_) {
      on_input_(keys->bytes);
    } else if (const auto* size = std::get_if<statesync::Resize>(&e); size && on_mate_size_) {
      on_mate_size_(m.who, m.role, size->cols, size->rows);
    }
  }
  in.drop_before(m.consumed);
}

void NativeMates::publish(const screen::ScreenState& screen) {
  latest_ = screen.with_scrollback(0);
  for (auto& [id, m] : mates_) m->sync->set_outgoing(latest_);
}

void NativeMates::end_session() {
  for (auto& [id, m] : mates_) m->sync->shutdown();
}

size_t NativeMates::open_mates() const {
  size_t n = 0;
  for (const auto& [id, m] : mates_) {
    if (m->sync->status() == statesync::SyncStatus::kOpen || m->sync->status() == statesync::SyncStatus::kClosing) ++n;
  }
  return n;
}

std::vector<MateInfo> NativeMates::mate_list() const {
  std::vector<MateInfo> out;
  const uint64_t now = transport::now_ms();
  for (const auto& [id, m] : mates_) {
    if (!m->announced) continue;
    const uint64_t heard = m->sync->last_heard();
    out.push_back(MateInfo{m->who, m->role, "native", heard ? int64_t(now - heard) : -1, m->sync->srtt_ms()});
  }
  return out;
}

void NativeMates::sweep() {
  for (auto it = mates_.begin(); it != mates_.end();) {
    if (it->second->sync->status() == statesync::SyncStatus::kPeerClosed) {  // the mate left
      Mate& m = *it->second;
      if (m.announced && on_mate_) on_mate_(m.who, m.role, false);
      endpoint_.remove_link(m.link_id);
      it = mates_.erase(it);
    } else {
      ++it;
    }
  }
}

void NativeMates::on_sweep(evutil_socket_t, short, void* arg) { static_cast<NativeMates*>(arg)->sweep(); }

}  // namespace tandem::relay
