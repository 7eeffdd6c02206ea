#include "src/host/remote_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "transport/fd.h"

namespace tandem {
namespace {

constexpr uint64_t kAskAfterMs = 10000;     // relay silent this long: ask over SSH
constexpr uint64_t kFirstBackoffMs = 5000;  // then again after this, doubling...
constexpr uint64_t kMaxBackoffMs = 60000;   // ...up to this
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
  return hello;
}

}  // namespace

// One SSH attempt, shared with the thread that makes it: the thread may outlive us.
// It writes one byte to `done_write` when finished.
struct RemoteBackend::Attempt {
  transport::UniqueFd done_read, done_write;
  std::optional<proto::HostAccept> accept;
  std::string error;
};

RemoteBackend::RemoteBackend(event_base* base, RelayAddress relay, proto::HostHello hello, std::string udp_override,
                             BackendEvents events)
    : base_(base),
      relay_(std::move(relay)),
      hello_(std::move(hello)),
      udp_override_(std::move(udp_override)),
      events_(std::move(events)),
      latest_(screen::initial_screen()),
      tick_(base, [this] { tick(); }) {}

RemoteBackend::~RemoteBackend() {
  attempt_done_.reset();
  link_.reset();
}

std::unique_ptr<RelayBackend> RemoteBackend::open(event_base* base, const BackendOptions& options,
                                                  BackendEvents events, std::string* error) {
  const Config& c = options.config;
  RelayAddress where{c.relay_host, c.relay_port, c.relay_fingerprint, c.identity_file};
  std::unique_ptr<RemoteBackend> r(
      new RemoteBackend(base, where, make_hello(options), options.udp_override, std::move(events)));
  r->history_ = options.history;
  std::optional<proto::HostAccept> accept = host_bootstrap(r->relay_, r->hello_, error);
  if (accept && accept->has_refusal()) *error = "the relay refused the session: " + accept->refusal();
  if (!accept || !accept->has_accepted() || !r->start_link(accept->accepted(), error)) {
    *error = "cannot share through the relay " + r->relay_name() + " (from " + c.relay_from + "): " + *error;
    return nullptr;
  }
  r->tick_.start_repeating(kTick);
  return r;
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
  link_->sync().set_outgoing(latest_);
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
  const MateInfo m{e.who, e.role, e.via};
  auto it = std::find_if(mates_.begin(), mates_.end(), [&](const MateInfo& x) { return x.who == m.who && x.via == m.via; });
  if (e.joined && it == mates_.end()) {
    mates_.push_back(m);
    if (events_.on_mate) events_.on_mate(m, true);
  } else if (!e.joined && it != mates_.end()) {
    mates_.erase(it);
    if (events_.on_mate) events_.on_mate(m, false);
  }
}

void RemoteBackend::tick() {
  const uint64_t now = transport::now_ms();
  if (link_->sync().status() != statesync::SyncStatus::kOpen || attempt_) return;
  if (link_->sync().silent_for_ms() < kAskAfterMs) {
    attempt_backoff_ms_ = 0;
    next_attempt_ms_ = 0;
    return;
  }
  if (now < next_attempt_ms_) return;
  attempt_backoff_ms_ = attempt_backoff_ms_ ? std::min(attempt_backoff_ms_ * 2, kMaxBackoffMs) : kFirstBackoffMs;
  next_attempt_ms_ = now + attempt_backoff_ms_;

  auto attempt = std::make_shared<Attempt>();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;
  attempt->done_read.reset(fds[0]);
  attempt->done_write.reset(fds[1]);
  proto::HostHello hello = hello_;
  proto::Resume* r = hello.mutable_resume();
  r->set_session_id(accepted_.session_id());
  r->set_rw_token(accepted_.rw_token());
  r->set_ro_token(accepted_.ro_token());
  r->set_secret(accepted_.resume_secret());
  r->set_previous_link_id(link_->link().link().link_id());
  attempt_ = attempt;
  attempt_done_ = std::make_unique<transport::Watch>(base_, attempt->done_read.get(), transport::Watch::For::kRead,
                                                     [this] { attempt_done(); });
  std::thread([attempt, relay = relay_, hello, fresh = hello_] {
    attempt->accept = host_bootstrap(relay, hello, &attempt->error);
    // A relay that does not know the secret (its state was wiped): a new session.
    if (attempt->accept && attempt->accept->has_refusal()) attempt->accept = host_bootstrap(relay, fresh, &attempt->error);
    char done = 1;
    (void)!write(attempt->done_write.get(), &done, 1);
  }).detach();
}

void RemoteBackend::attempt_done() {
  std::shared_ptr<Attempt> attempt = std::move(attempt_);
  attempt_done_.reset();
  if (!attempt || !attempt->accept || !attempt->accept->has_accepted()) return;  // the relay is still away: later
  const proto::Accepted& a = attempt->accept->accepted();
  if (a.outcome() == proto::SAME_LINK) return;  // the relay still has our link: it only needs to get through
  const bool new_session = a.outcome() == proto::NEW_SESSION;
  if (a.outcome() == proto::RESTORED || new_session) {
    // The relay forgot its mates: they re-join, and say so when they do.
    std::vector<MateInfo> gone = std::move(mates_);
    mates_.clear();
    for (const MateInfo& m : gone) {
      if (events_.on_mate) events_.on_mate(m, false);
    }
  }
  std::string error;
  if (!start_link(a, &error)) return;  // keep what we had; the next tick asks again
  if (new_session && events_.on_links_changed) events_.on_links_changed(links_);
}

}  // namespace tandem
