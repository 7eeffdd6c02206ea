#include "src/host/remote_backend.h"

#include <algorithm>
#include <utility>

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
  hello.set_approve(o.approve);
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
      history_pacer_(base, [this] { send(); }),
      tick_(base, [this] { tick(); }),
      backoff_(kFirstBackoffMs, kMaxBackoffMs) {}

RemoteBackend::~RemoteBackend() {
  attempt_.reset();
  link_.reset();
}

std::unique_ptr<RelayBackend> RemoteBackend::open(event_base* base, const BackendOptions& options,
                                                  BackendEvents events, std::string* error) {
  const Config& c = options.config;
  // A relay named in ~/.tmate.conf is pinned there (its ed25519 key is the one asked for).
  const std::string pinned =
      c.relay_fingerprint.empty() && !c.tmate_fingerprints.empty() ? c.tmate_fingerprints.front() : c.relay_fingerprint;
  RelayAddress where{c.relay_host, c.relay_port, pinned, c.identity_file};
  std::unique_ptr<RemoteBackend> r(
      new RemoteBackend(base, where, make_hello(options), options.udp_override, std::move(events)));
  r->history_ = options.history;
  r->transport_ = c.transport;
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
  if (accept && accept->has_accepted() && options.approve && !accept->accepted().controls()) {
    // Such a relay makes mates wait for an answer it cannot hear: none is admitted.
    *error = r->too_old("ask you to admit mates (--approve)");
  } else if (accept && accept->has_accepted() && r->start_link(accept->accepted(), error)) {
    if (!r->remember(error)) return nullptr;
    r->tick_.start_repeating(kTick);
    return r;
  }
  *error = "cannot share through the relay " + r->relay_name() + " (from " + c.relay_from + "): " + *error;
  return nullptr;
}

std::string RemoteBackend::too_old(const std::string& what) const {
  return "the relay at " + relay_name() + " is of an older release that cannot " + what +
         "; upgrade it, or share with --local (an embedded relay)";
}

void RemoteBackend::send() {
  screen::ScreenState shown = latest_;
  history_pacer_.pace(&link_->sync().outgoing().screen, shown);
  link_->sync().set_outgoing(HostState{std::move(shown), controls_});
}

void RemoteBackend::answer(uint64_t ticket, bool admit) {
  if (!asking_.erase(ticket)) return;  // withdrawn meanwhile
  controls_.decisions.push_back(statesync::Decision{ticket, admit});
  // Older answers go: their mates were let in or out long ago (a ticket waits at most
  // relay::kApprovalTimeoutMs, and far fewer than this wait at once).
  if (controls_.decisions.size() > statesync::kMaxDecisions) controls_.decisions.erase(controls_.decisions.begin());
  send();
}

void RemoteBackend::kick(const MateInfo& mate, KickDone done) {
  if (!obeys_) return done("remove " + mate.label() + ": " + too_old("remove mates"));
  if (controls_.kicks.size() >= statesync::kMaxKicks) {
    return done("remove " + mate.label() + " now: earlier removals still wait for the relay; try again in a moment");
  }
  const uint64_t serial = next_kick_++;
  controls_.kicks.push_back(statesync::Kick{serial, mate.who, mate.via});
  kicks_asked_.push_back(KickAsked{serial, mate.label(), transport::now_ms() + kAnswerWithinMs, std::move(done)});
  send();
}

void RemoteBackend::rotate(bool kick_all, RotateDone done) {
  if (!obeys_) return done(std::nullopt, "make new links: " + too_old("make new links"));
  // Asked again before the relay answered: one rotation does for both, unless this one
  // asks for more (every mate out), which the relay may not have done.
  if (controls_.rotation == rotated_ || (kick_all && !controls_.rotation_kicks_all)) ++controls_.rotation;
  controls_.rotation_kicks_all = controls_.rotation_kicks_all || kick_all;
  rotations_asked_.push_back(RotationAsked{controls_.rotation, transport::now_ms() + kAnswerWithinMs, std::move(done)});
  send();
}

void RemoteBackend::approval(const statesync::Approval& a) {
  if (a.withdrawn) {
    if (asking_.erase(a.ticket) && events_.on_withdrawn) events_.on_withdrawn(a.ticket);
    return;
  }
  if (!asking_.insert(a.ticket).second) return;
  const statesync::MateEvent& m = a.mate;
  if (events_.on_approval) {
    events_.on_approval(a.ticket, MateInfo{.who = m.who, .role = m.role, .via = m.via, .name = m.name, .key = m.key});
  }
}

void RemoteBackend::kick_done(const statesync::KickDone& k) {
  std::erase_if(controls_.kicks, [&](const statesync::Kick& x) { return x.serial <= k.serial; });
  send();
  for (auto it = kicks_asked_.begin(); it != kicks_asked_.end(); ++it) {
    if (it->serial != k.serial) continue;
    KickAsked asked = std::move(*it);
    kicks_asked_.erase(it);
    asked.done(k.found ? std::string() : "remove " + asked.label + ": it has already left the session");
    return;
  }
}

void RemoteBackend::new_tokens(const statesync::NewTokens& t) {
  const bool changed = t.rw_token != accepted_.rw_token() || t.ro_token != accepted_.ro_token();
  accepted_.set_rw_token(t.rw_token);
  accepted_.set_ro_token(t.ro_token);
  accepted_.set_resume_secret(t.resume_secret);
  proto::SessionLinks& l = *accepted_.mutable_links();
  l.set_ssh_rw(t.ssh_rw);
  l.set_ssh_ro(t.ssh_ro);
  l.set_join_rw(t.join_rw);
  l.set_join_ro(t.join_ro);
  l.set_web_rw(t.web_rw);
  l.set_web_ro(t.web_ro);
  links_ = links_from(l);
  tokens_changed(t.rotation, changed);
}

void RemoteBackend::tokens_changed(uint64_t rotation, bool changed) {
  rotated_ = std::max(rotated_, rotation);
  if (rotated_ >= controls_.rotation && controls_.rotation_kicks_all) {
    controls_.rotation_kicks_all = false;
    send();
  }
  std::string error;
  if (changed && !remember(&error)) error = "the new links work, but " + error;  // said, not fatal
  std::vector<RotationAsked> done;
  std::erase_if(rotations_asked_, [&](RotationAsked& r) {
    if (r.rotation > rotated_) return false;
    done.push_back(std::move(r));
    return true;
  });
  for (RotationAsked& r : done) r.done(links_, error);
  // Nobody waits for these any more (the answer was given up on): the host is shown them.
  if (done.empty() && changed && events_.on_late_rotation) events_.on_late_rotation(links_);
}

void RemoteBackend::expire_asked(uint64_t now) {
  const std::string later =
      "the relay at " + relay_name() + " has not confirmed yet; it will be done when the relay hears you again";
  std::vector<KickAsked> kicks;
  std::erase_if(kicks_asked_, [&](KickAsked& k) {
    if (k.deadline_ms > now) return false;
    kicks.push_back(std::move(k));
    return true;
  });
  for (KickAsked& k : kicks) k.done("remove " + k.label + " yet: " + later);
  std::vector<RotationAsked> rotations;
  std::erase_if(rotations_asked_, [&](RotationAsked& r) {
    if (r.deadline_ms > now) return false;
    rotations.push_back(std::move(r));
    return true;
  });
  for (RotationAsked& r : rotations)
    r.done(std::nullopt, "show new links yet: " + later + " (and they are shown then)");
}

void RemoteBackend::relay_forgot(bool fresh) {
  for (uint64_t ticket : std::exchange(asking_, {})) {
    if (events_.on_withdrawn) events_.on_withdrawn(ticket);  // those mates' connections went with the relay
  }
  controls_.decisions.clear();
  if (fresh) {
    // Another session, with its own tokens: nothing asked of the old one applies.
    controls_ = {};
    rotated_ = 0;
    for (KickAsked& k : std::exchange(kicks_asked_, {})) {
      k.done("remove " + k.label + ": the relay lost the session, and its mates with it");
    }
    for (RotationAsked& r : std::exchange(rotations_asked_, {})) {
      r.done(std::nullopt, "make new links: the relay lost the session and made new ones itself (shown)");
    }
  } else {
    // A restarted relay counts from nothing: a rotation still asked for is its first.
    const bool pending = controls_.rotation > rotated_;
    controls_.rotation = rotated_ = 0;
    if (pending) controls_.rotation = 1;
    for (RotationAsked& r : rotations_asked_) r.rotation = 1;
  }
  send();
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
  std::unique_ptr<Link> link =
      Link::open(base_, *udp, key, accepted.link_id(), HostState{screen::initial_screen(), {}}, statesync::InputState(),
                 statesync::kForwardSendDelayMs,
                 link_options(relay_.host, uint16_t(accepted.links().web_port()), accepted.links().web_tls(), transport_),
                 error);
  if (!link) return false;
  link_ = std::move(link);
  link_->sync().set_on_incoming([this] { consume(); });
  link_->sync().set_quick_acks(true);
  consumed_ = 0;
  accepted_ = accepted;
  links_ = links_from(accepted.links());
  obeys_ = accepted.controls();
  send();
  return true;
}

void RemoteBackend::publish(const screen::ScreenState& screen) {
  latest_ = screen.with_scrollback(history_);
  send();
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
    } else if (const auto* a = std::get_if<statesync::Approval>(&e)) {
      approval(*a);
    } else if (const auto* k = std::get_if<statesync::KickDone>(&e)) {
      kick_done(*k);
    } else if (const auto* t = std::get_if<statesync::NewTokens>(&e)) {
      new_tokens(*t);
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
  expire_asked(now);
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
  const bool new_tokens = a.ro_token() != accepted_.ro_token() || a.rw_token() != accepted_.rw_token();
  std::string error;
  if (!start_link(a, &error)) return;  // keep what we had; the next tick asks again
  if (a.outcome() == proto::NEW_LINK && new_tokens) {
    // The relay rotated the tokens and the link was lost before we heard: these are
    // the new ones (the NewTokens of the old link comes again on this one).
    tokens_changed(rotated_, true);
  } else if (a.outcome() == proto::RESTORED) {
    relay_forgot(false);
    // The relay restarted and forgot its mates: they come back by themselves, and are
    // not said to have left unless they do not.
    roster_.relay_forgot(transport::now_ms());
    if (events_.on_notice) {
      events_.on_notice("tandem: the relay restarted; the session is back with the same links (mates rejoin by themselves)");
    }
  } else if (a.outcome() == proto::NEW_SESSION) {
    relay_forgot(true);
    for (const MateRoster::Change& c : roster_.clear()) announce(c);
    if (events_.on_links_changed) events_.on_links_changed(links_);
    if (!remember(&error) && events_.on_notice) events_.on_notice("tandem: " + error);
  }
}

}  // namespace tandem
