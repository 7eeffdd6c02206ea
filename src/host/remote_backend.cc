#include "src/host/remote_backend.h"

#include <algorithm>

namespace tandem {
namespace {

constexpr uint64_t kAskAfterMs = 10000;     // relay silent this long: ask over SSH
constexpr uint64_t kFirstBackoffMs = 2000;  // then again after this, doubling...
constexpr uint64_t kMaxBackoffMs = 15000;   // ...up to this (a restarted relay gets its host back soon)
constexpr auto kTick = std::chrono::seconds(1);

proto::HostHello make_hello(const BackendOptions& o) {
  proto::HostHello hello;
  hello.set_version(kBootstrapVersion);
  hello.set_client_version(std::string("tandem ") + TANDEM_VERSION);
  hello.set_cols(o.size.cols);
  hello.set_rows(o.size.rows);
  hello.set_session_name(o.name);
  hello.set_read_only_only(o.read_only_only);
  for (const std::string& k : o.allowed_keys) hello.add_allowed_keys(k);
  hello.set_relay_host(o.config.relay_host);
  hello.set_history_lines(uint32_t(o.history));
  hello.set_mate_clipboard(o.mate_clipboard);
  return hello;
}

}  // namespace

RemoteBackend::RemoteBackend(event_base* base, RelayAddress relay, proto::HostHello hello, std::string udp_override,
                             BackendEvents events)
    : base_(base),
      relay_(std::move(relay)),
      hello_(std::move(hello)),
      udp_override_(std::move(udp_override)),
      events_(std::move(events)),
      latest_(screen::initial_screen()),
      history_pacer_(base, [this] { publish(latest_); }),
      tick_(base, [this] { tick(); }),
      backoff_(kFirstBackoffMs, kMaxBackoffMs) {}

RemoteBackend::~RemoteBackend() {
  attempt_.reset();
  link_.reset();
}

std::unique_ptr<RelayBackend> RemoteBackend::open(event_base* base, const BackendOptions& options,
                                                  BackendEvents events, std::string* error) {
  const Config& c = options.config;
  RelayAddress where{c.relay_host, c.relay_port, c.relay_fingerprint, c.identity_file};
  std::unique_ptr<RemoteBackend> r(
      new RemoteBackend(base, where, make_hello(options), options.udp_override, std::move(events)));
  r->history_ = options.history;
  r->named_ = options.named;
  // A named session asks for its session back (the relay may still hold it, with
  // mates waiting, or have forgotten it); if it cannot have it, it starts anew.
  proto::HostHello hello = r->hello_;
  if (std::optional<SessionRecord> record = r->named_ ? r->named_->load() : std::nullopt;
      record && record->relay == r->relay_name() && record->rw_token.empty() == options.read_only_only) {
    proto::Resume* resume = hello.mutable_resume();
    resume->set_session_id(record->session_id);
    resume->set_rw_token(record->rw_token);
    resume->set_ro_token(record->ro_token);
    resume->set_secret(record->resume_secret);
  }
  std::optional<proto::HostAccept> accept = host_bootstrap(r->relay_, hello, error);
  if (accept && accept->has_refusal() && hello.has_resume()) accept = host_bootstrap(r->relay_, r->hello_, error);
  if (accept && accept->has_refusal()) *error = "the relay refused the session: " + accept->refusal();
  if (!accept || !accept->has_accepted() || !r->start_link(accept->accepted(), error)) {
    *error = "cannot share through the relay " + r->relay_name() + " (from " + c.relay_from + "): " + *error;
    return nullptr;
  }
  if (!r->remember(error)) return nullptr;
  r->tick_.start_repeating(kTick);
  return r;
}

bool RemoteBackend::remember(std::string* error) const {
  if (!named_) return true;
  const SessionRecord record{relay_name(), accepted_.session_id(), accepted_.rw_token(), accepted_.ro_token(),
                             accepted_.resume_secret(), 0};
  return named_->save(record, error);
}

bool RemoteBackend::start_link(const proto::Accepted& accepted, std::string* error) {
  std::optional<transport::Address> udp =
      udp_override_.empty() ? resolve_udp(relay_.host, uint16_t(accepted.links().udp_port()), error)
                            : transport::Address::parse(udp_override_);
  if (!udp) {
    if (error->empty()) *error = "cannot use the UDP address " + udp_override_;
    return false;
  }
  transport::LinkKey key;
  std::copy(accepted.link_key().begin(), accepted.link_key().end(), key.begin());
  std::unique_ptr<Link> link = Link::open(base_, *udp, key, accepted.link_id(), screen::initial_screen(),
                                          statesync::InputState(), statesync::kForwardSendDelayMs, {}, error);
  if (!link) return false;
  link_ = std::move(link);
  link_->sync().set_on_incoming([this] { consume(); });
  link_->sync().set_quick_acks(true);
  link_->sync().set_outgoing(latest_);
  consumed_ = 0;
  accepted_ = accepted;
  links_ = links_from(accepted.links());
  return true;
}

void RemoteBackend::publish(const screen::ScreenState& screen) {
  latest_ = screen.with_scrollback(history_);
  screen::ScreenState sent = latest_;
  history_pacer_.pace(&link_->sync().outgoing(), sent);
  link_->sync().set_outgoing(std::move(sent));
}

std::optional<LinkHealth> RemoteBackend::health() const {
  return LinkHealth{link_->sync().silent_for_ms(), link_->sync().srtt_ms()};
}

void RemoteBackend::consume() {
  for_each_new(link_->sync().incoming_mutable(), consumed_, [this](const statesync::InputEvent& e) {
    if (const auto* keys = std::get_if<statesync::Keys>(&e)) {
      if (events_.on_input) events_.on_input(keys->bytes);
    } else if (const auto* size = std::get_if<statesync::MatesSize>(&e)) {
      if (events_.on_mates_size) events_.on_mates_size(size->size);
    } else if (const auto* mate = std::get_if<statesync::MateEvent>(&e)) {
      mate_event(*mate);
    } else if (const auto* notice = std::get_if<statesync::RelayNotice>(&e)) {
      if (events_.on_notice) events_.on_notice(notice->text);
    }
  });
}

void RemoteBackend::mate_event(const statesync::MateEvent& e) {
  if (std::optional<MateRoster::Change> c =
          roster_.event(MateInfo{.who = e.who, .role = e.role, .via = e.via, .name = e.name, .key = e.key}, e.joined))
    announce(*c);
}

void RemoteBackend::announce(const MateRoster::Change& c) {
  if (events_.on_mate) events_.on_mate(c.mate, c.joined);
}

void RemoteBackend::tick() {
  const uint64_t now = transport::now_ms();
  for (const MateRoster::Change& c : roster_.expire(now)) announce(c);
  if (link_->sync().status() != statesync::SyncStatus::kOpen || attempt_) return;
  if (link_->sync().silent_for_ms() < kAskAfterMs) {
    backoff_.reset();
    next_attempt_ms_ = 0;
    return;
  }
  if (now < next_attempt_ms_) return;
  next_attempt_ms_ = now + backoff_.next_ms();

  proto::HostHello hello = hello_;
  proto::Resume* r = hello.mutable_resume();
  r->set_session_id(accepted_.session_id());
  r->set_rw_token(accepted_.rw_token());
  r->set_ro_token(accepted_.ro_token());
  r->set_secret(accepted_.resume_secret());
  r->set_previous_link_id(link_->link().link().link_id());
  attempt_ = BlockingTask<Attempt>::start(
      base_,
      [relay = relay_, hello, fresh = hello_] {
        Attempt a;
        a.accept = host_bootstrap(relay, hello, &a.error);
        // A relay that does not know the secret (its state was wiped): a new session.
        if (a.accept && a.accept->has_refusal()) a.accept = host_bootstrap(relay, fresh, &a.error);
        return a;
      },
      [this](Attempt a) { attempt_done(std::move(a)); });
}

void RemoteBackend::attempt_done(Attempt attempt) {
  attempt_.reset();
  if (!attempt.accept || !attempt.accept->has_accepted()) return;  // the relay is still away: later
  const proto::Accepted& a = attempt.accept->accepted();
  if (a.outcome() == proto::SAME_LINK) return;  // the relay still has our link: it only needs to get through
  std::string error;
  if (!start_link(a, &error)) return;  // keep what we had; the next tick asks again
  if (a.outcome() == proto::RESTORED) {
    // The relay restarted and forgot its mates: they come back by themselves, and are
    // not said to have left unless they do not.
    roster_.relay_forgot(transport::now_ms());
    if (events_.on_notice) {
      events_.on_notice("tandem: the relay restarted; the session is back with the same links (mates rejoin by themselves)");
    }
  } else if (a.outcome() == proto::NEW_SESSION) {
    for (const MateRoster::Change& c : roster_.clear()) announce(c);
    if (events_.on_links_changed) events_.on_links_changed(links_);
    if (!remember(&error) && events_.on_notice) events_.on_notice("tandem: " + error);
  }
}

}  // namespace tandem
