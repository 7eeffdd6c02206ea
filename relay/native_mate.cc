#include "relay/native_mate.h"

#include "proto/bootstrap.pb.h"
#include "proto/framing.h"
#include "relay/log.h"
#include "statesync/screen/display.h"

namespace tandem::relay {
namespace {
constexpr uint64_t kGoodbyeFrameMs = 1000;  // a last frame gets this long to get through, then the link closes
}  // namespace

NativeMate::NativeMate(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role, MateInfo who,
                       const NativeLimits& limits)
    : session_(session),
      role_(role),
      who_(std::move(who.who)),
      name_(std::move(who.name)),
      key_(std::move(who.key)),
      link_(base, endpoint, screen::initial_screen(), statesync::InputState(), statesync::kForwardSendDelayMs),
      created_ms_(transport::now_ms()),
      unheard_(limits.unheard),
      silent_(limits.silent),
      silence_(base, [this] { check_silence(); }),
      history_pacer_(base,
                     [this] {
                       if (const screen::ScreenState* screen = session_.shown()) show(*screen);
                     }),
      goodbye_(base, [this] {
        // The shutdown carries no screen: it waits until the last frame got through.
        if (link_.sync().sender().all_acked() || transport::now_ms() - goodbye_since_ >= kGoodbyeFrameMs) {
          goodbye_.stop();
          link_.sync().shutdown();
        }
      }) {
  link_.sync().set_on_incoming([this] { consume(); });
  link_.sync().set_quick_acks(true);
  link_.sync().set_on_status([this](statesync::SyncStatus s) {
    // The mate left. The session frees this later, never under the connection's callback.
    if (s == statesync::SyncStatus::kPeerClosed) session_.leave(*this);
  });
  silence_.start(unheard_);
}

// A link nobody ever spoke on (a bootstrap with no UDP after it), or whose mate has
// been silent for longer than a host may be (a laptop gone for good), is let go.
void NativeMate::check_silence() {
  const uint64_t heard = link_.sync().last_heard();
  const uint64_t deadline = heard ? heard + uint64_t(silent_.count()) : created_ms_ + uint64_t(unheard_.count());
  const uint64_t now = transport::now_ms();
  if (now < deadline) {
    silence_.start(std::chrono::milliseconds(deadline - now));
    return;
  }
  log("relay: session %s: %s native mate %s %s; its link is closed\n", session_.id().c_str(), role_name(role_),
      who_.c_str(), heard ? "fell silent" : "never spoke");
  session_.leave(*this);
}

std::optional<proto::JoinHello> parse_join_hello(std::string_view body, std::string* error) {
  proto::JoinHello hello;
  if (!hello.ParseFromArray(body.data(), int(body.size()))) {
    *error = "malformed join request";
    return std::nullopt;
  }
  if (hello.version() != kBootstrapVersion) {
    *error = "this relay speaks bootstrap version " + std::to_string(kBootstrapVersion) + ", your tandem " +
             std::to_string(hello.version()) + "; use a tandem of the relay's release";
    return std::nullopt;
  }
  return hello;
}

std::string NativeMate::name_of(const proto::JoinHello& hello, const std::string& key) {
  std::string name = clean_mate_name(hello.name());
  return name.empty() && !key.empty() ? short_fingerprint(key) : name;
}

std::string NativeMate::admit(event_base* base, transport::ServerEndpoint& endpoint, Session& session, Role role,
                              const MateInfo& identity, const NativeLimits& limits, std::string_view hello_bytes,
                              bool ends_with_host, TcpPath tcp) {
  const std::string& who = identity.who;
  proto::JoinAccept accept;
  accept.set_version(kBootstrapVersion);
  std::string error;
  std::optional<proto::JoinHello> hello = parse_join_hello(hello_bytes, &error);
  if (!hello) {
    log("relay: session %s: native join from %s refused: %s\n", session.id().c_str(), who.c_str(), error.c_str());
    accept.set_refusal(error);
    return proto::frame(accept.SerializeAsString());
  }
  accept.set_relay_ends_with_host(ends_with_host);
  accept.set_web_port(tcp.port);
  accept.set_web_tls(tcp.tls);
  accept.set_read_only(role != Role::kReadWrite);
  accept.set_session_name(session.options().name);
  // The mate's link is fine on our side: only the network between is at fault.
  if (hello->previous_link_id() != 0 && session.has_link(hello->previous_link_id(), role)) {
    accept.set_same_link(true);
    accept.set_udp_port(endpoint.local_address().port());
    accept.set_link_id(hello->previous_link_id());
    return proto::frame(accept.SerializeAsString());
  }
  const size_t natives = session.count(Via::kNative, Role::kNone);
  if (natives >= limits.per_session ||
      (role == Role::kReadWrite && session.count(Via::kNative, Role::kReadWrite) >= limits.per_read_write_token)) {
    log("relay: session %s: native join from %s refused: %zu native mates already\n", session.id().c_str(),
        who.c_str(), natives);
    accept.set_refusal("this session has as many native mates as the relay allows; try plain ssh, or later");
    return proto::frame(accept.SerializeAsString());
  }
  MateInfo named = identity;
  named.name = name_of(*hello, identity.key);
  std::unique_ptr<NativeMate> mate(new NativeMate(base, endpoint, session, role, std::move(named), limits));
  accept.set_udp_port(endpoint.local_address().port());
  accept.set_link_id(mate->link_.link_id());
  accept.set_link_key(std::string(mate->link_.key().begin(), mate->link_.key().end()));
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
  // The host is full: take no more from this mate (its sender holds back) until it
  // has room. What arrived is kept: at most the mate's bytes in flight.
  if (!session_.accepts_input()) link_.sync().set_accepting(false);
}

void NativeMate::input_room() { link_.sync().set_accepting(true); }

void NativeMate::show(const screen::ScreenState& screen) {
  if (goodbye_since_ != 0) return;  // removed: its last frame says why
  // What the host's program copies reaches a mate only if the host allowed it to
  // read-write mates; where the program is, never (it is the host's business).
  const bool copies = role_ == Role::kReadWrite && session_.options().mate_clipboard;
  screen::ScreenState shown = screen;  // row handles only
  history_pacer_.pace(shown_any_ ? &link_.sync().outgoing() : nullptr, shown);
  shown_any_ = true;
  shown.cwd.clear();
  if (!copies) {
    shown.clipboard.clear();
    shown.clipboard_seq = 0;
  }
  link_.sync().set_outgoing(shown);
}

void NativeMate::end(const std::string&) { link_.sync().shutdown(); }

void NativeMate::remove(const std::string& message) {
  if (message.empty() || !heard_ || link_.sync().status() != statesync::SyncStatus::kOpen) {
    link_.sync().shutdown();
    return;
  }
  screen::ScreenState last = link_.sync().outgoing();
  screen::overlay_notice(last, message);
  link_.sync().set_outgoing(std::move(last));
  goodbye_since_ = transport::now_ms();
  goodbye_.start_repeating(std::chrono::milliseconds(20));
}

MateInfo NativeMate::info() const {
  const uint64_t heard = link_.sync().last_heard();
  return MateInfo{who_,  role_, Via::kNative, heard ? int64_t(transport::now_ms() - heard) : -1, link_.sync().srtt_ms(),
                  name_, key_};
}

bool NativeMate::connected() const {
  const statesync::SyncStatus s = link_.sync().status();
  return s == statesync::SyncStatus::kOpen || s == statesync::SyncStatus::kClosing;
}

}  // namespace tandem::relay
