#include "src/remote_session.h"

#include <fcntl.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "relay/native_mates.h"
#include "transport/client_link.h"

namespace tandem {
namespace {

constexpr uint64_t kAskAfterMs = 10000;       // relay silent this long: ask over SSH
constexpr uint64_t kFirstBackoffMs = 5000;    // then again after this, doubling...
constexpr uint64_t kMaxBackoffMs = 60000;     // ...up to this
constexpr timeval kTick{1, 0};

}  // namespace

// One SSH attempt, shared with the thread that makes it: the thread may outlive us.
struct RemoteSession::Attempt {
  int fds[2] = {-1, -1};  // the thread writes one byte to fds[1] when done
  std::optional<proto::HostAccept> accept;
  std::string error;
  ~Attempt() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
};

RemoteSession::RemoteSession(event_base* base, RelayAddress relay, proto::HostHello hello, std::string udp_override,
                             RemoteHooks hooks)
    : base_(base),
      relay_(std::move(relay)),
      hello_(std::move(hello)),
      udp_override_(std::move(udp_override)),
      hooks_(std::move(hooks)),
      latest_(relay::initial_screen()) {}

RemoteSession::~RemoteSession() {
  attempt_event_.reset();
  tick_event_.reset();
  sync_.reset();
  channel_.reset();
  client_.reset();
}

std::unique_ptr<RemoteSession> RemoteSession::open(event_base* base, RelayAddress relay, proto::HostHello hello,
                                                   std::string udp_override, RemoteHooks hooks, std::string* error) {
  std::unique_ptr<RemoteSession> r(
      new RemoteSession(base, std::move(relay), std::move(hello), std::move(udp_override), std::move(hooks)));
  std::optional<proto::HostAccept> accept = host_bootstrap(r->relay_, r->hello_, error);
  if (!accept) return nullptr;
  if (!accept->error().empty()) {
    *error = "the relay refused the session: " + accept->error();
    return nullptr;
  }
  r->accept_ = *accept;
  if (!r->start_link(*accept, error)) return nullptr;
  r->tick_event_.reset(event_new(base, -1, EV_PERSIST, on_tick, r.get()));
  event_add(r->tick_event_.get(), &kTick);
  return r;
}

bool RemoteSession::start_link(const proto::HostAccept& accept, std::string* error) {
  std::optional<transport::Address> udp =
      udp_override_.empty() ? resolve_udp(relay_.host, uint16_t(accept.udp_port()), error)
                            : transport::Address::parse(udp_override_);
  if (!udp) {
    if (error->empty()) *error = "cannot use the UDP address " + udp_override_;
    return false;
  }
  transport::LinkKey key;
  std::copy(accept.link_key().begin(), accept.link_key().end(), key.begin());
  auto client = transport::ClientLink::open(base_, *udp, key, accept.link_id(),
                                            transport::LinkCallbacks{[this](std::span<const uint8_t> m) {
                                                                       if (sync_) sync_->receive(m);
                                                                     },
                                                                     {}},
                                            {}, error);
  if (!client) return false;
  sync_.reset();
  channel_.reset();
  client_ = std::move(client);
  channel_ = std::make_unique<statesync::ClientChannel>(*client_);
  sync_ = std::make_unique<HostSync>(base_, *channel_, relay::initial_screen(), statesync::InputState(),
                                     statesync::kForwardSendDelayMs);
  sync_->set_on_incoming([this] { consume(); });
  sync_->set_probe_when_silent(true);
  sync_->set_outgoing(latest_);
  client_->set_on_wake([this] { sync_->poke(); });
  consumed_ = 0;
  return true;
}

void RemoteSession::publish(const screen::ScreenState& screen) {
  latest_ = screen.with_scrollback(0);
  sync_->set_outgoing(latest_);
}

void RemoteSession::consume() {
  statesync::InputState& in = sync_->incoming_mutable();
  for (; consumed_ < in.end(); ++consumed_) {
    if (consumed_ < in.begin()) continue;
    const statesync::InputEvent& e = in.at(consumed_);
    if (const auto* keys = std::get_if<statesync::Keys>(&e)) {
      if (hooks_.on_input) hooks_.on_input(keys->bytes);
    } else if (const auto* size = std::get_if<statesync::Resize>(&e)) {
      if (hooks_.on_mates_size) {
        hooks_.on_mates_size(size->cols && size->rows ? std::optional(std::pair<int, int>(size->cols, size->rows))
                                                      : std::nullopt);
      }
    } else if (const auto* notice = std::get_if<statesync::Notice>(&e)) {
      mate_notice(notice->text);
    }
  }
  in.drop_before(consumed_);
}

// "mate joined|left read-write|read-only ssh|native WHO" (see relay.cc).
void RemoteSession::mate_notice(const std::string& text) {
  std::istringstream words(text);
  std::string mate, what, role, via, who;
  if (!(words >> mate >> what >> role >> via >> who) || mate != "mate") return;
  relay::MateInfo m{who, role == "read-write" ? relay::Role::kReadWrite : relay::Role::kReadOnly, via};
  auto same = [&](const relay::MateInfo& x) { return x.who == m.who && x.via == m.via; };
  auto it = std::find_if(mates_.begin(), mates_.end(), same);
  if (what == "joined" && it == mates_.end()) {
    mates_.push_back(m);
    if (hooks_.on_mate) hooks_.on_mate(m, true);
  } else if (what == "left" && it != mates_.end()) {
    mates_.erase(it);
    if (hooks_.on_mate) hooks_.on_mate(m, false);
  }
}

void RemoteSession::tick() {
  const uint64_t now = transport::now_ms();
  if (sync_->status() != statesync::SyncStatus::kOpen || attempt_) return;
  if (sync_->silent_for_ms() < kAskAfterMs) {
    attempt_backoff_ms_ = 0;
    next_attempt_ms_ = 0;
    return;
  }
  if (now < next_attempt_ms_) return;
  attempt_backoff_ms_ = attempt_backoff_ms_ ? std::min(attempt_backoff_ms_ * 2, kMaxBackoffMs) : kFirstBackoffMs;
  next_attempt_ms_ = now + attempt_backoff_ms_;

  auto attempt = std::make_shared<Attempt>();
  if (pipe2(attempt->fds, O_CLOEXEC | O_NONBLOCK) != 0) return;
  proto::HostHello hello = hello_;
  proto::Resume* r = hello.mutable_resume();
  r->set_session_id(accept_.session_id());
  r->set_rw_token(accept_.rw_token());
  r->set_ro_token(accept_.ro_token());
  r->set_secret(accept_.resume_secret());
  r->set_previous_link_id(client_->link().link_id());
  attempt_ = attempt;
  attempt_event_.reset(event_new(base_, attempt->fds[0], EV_READ, on_attempt, this));
  event_add(attempt_event_.get(), nullptr);
  std::thread([attempt, relay = relay_, hello, fresh = hello_] {
    attempt->accept = host_bootstrap(relay, hello, &attempt->error);
    // A relay that does not know the secret (its state was wiped): a new session.
    if (attempt->accept && !attempt->accept->error().empty()) attempt->accept = host_bootstrap(relay, fresh, &attempt->error);
    char done = 1;
    (void)!write(attempt->fds[1], &done, 1);
  }).detach();
}

void RemoteSession::attempt_done() {
  std::shared_ptr<Attempt> attempt = std::move(attempt_);
  attempt_event_.reset();
  if (!attempt || !attempt->accept || !attempt->accept->error().empty()) return;  // the relay is still away: later
  const proto::HostAccept& a = *attempt->accept;
  if (a.same_link()) return;  // the relay still has our link: it only needs to get through
  const bool new_session = !a.resumed();
  if (a.restored() || new_session) {
    // The relay forgot its mates: they re-join, and say so when they do.
    std::vector<relay::MateInfo> gone = std::move(mates_);
    mates_.clear();
    for (const relay::MateInfo& m : gone) {
      if (hooks_.on_mate) hooks_.on_mate(m, false);
    }
  }
  std::string error;
  proto::HostAccept previous = accept_;
  accept_ = a;
  if (!start_link(a, &error)) {
    accept_ = previous;  // keep what we had; the next tick asks again
    return;
  }
  if (new_session && hooks_.on_new_links) hooks_.on_new_links(accept_);
}

void RemoteSession::on_tick(evutil_socket_t, short, void* arg) { static_cast<RemoteSession*>(arg)->tick(); }
void RemoteSession::on_attempt(evutil_socket_t, short, void* arg) {
  static_cast<RemoteSession*>(arg)->attempt_done();
}

}  // namespace tandem
