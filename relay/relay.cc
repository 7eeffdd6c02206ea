#include "relay/relay.h"

#include <malloc.h>

#include <sodium.h>

#include <algorithm>
#include <ctime>

#include "proto/bootstrap.pb.h"
#include "proto/framing.h"
#include "proto/tmate/daemon.h"
#include "relay/log.h"
#include "relay/native_mate.h"
#include "relay/token.h"

namespace tandem::relay {
namespace {

constexpr auto kSweepInterval = std::chrono::seconds(1);
constexpr uint64_t kDropLogIntervalMs = 60000;
constexpr size_t kMaxHostRequestBytes = 64 * 1024;

// Tokens are looked up by a hash, so the lookup's timing says nothing about them;
// the token itself is then compared in constant time (Session::role_of).
std::string token_index(std::string_view token) {
  uint8_t digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const uint8_t*>(token.data()), token.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

uint64_t unix_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec / 1000000);
}

}  // namespace

// The "tandem" subsystem: a native mate's join (a token user: one framed JoinHello
// in, one framed JoinAccept out, usually a UDP link), or a host's bootstrap (user
// kHostUser: one framed HostHello in, one framed HostAccept out). Then the channel
// closes.
class Relay::TandemSubsystem : public Subsystem {
 public:
  explicit TandemSubsystem(Relay& relay) : relay_(relay) {}

  std::string_view service_user() const override { return kHostUser; }

  bool open(Caller& caller) override {
    if (!caller.key().empty()) return true;  // a host: its request follows
    std::shared_ptr<Session> s = caller.grant().session.lock();
    return s && !s->ended();  // a mate: its hello follows
  }

  void data(Caller& caller, std::string_view bytes) override {
    ssh::Connection& c = caller.connection();
    if (c.state() != ssh::Connection::State::kOpen) return;
    std::string& request = caller.buffer();
    request.append(bytes);
    if (request.size() < proto::kFrameHeaderBytes) return;
    const uint32_t size = proto::frame_length(request.data());
    if (size > kMaxHostRequestBytes) {
      log("relay: %s: a request of %u bytes is too large; closed\n", c.peer().c_str(), size);
      c.kill();
      return;
    }
    if (request.size() < proto::kFrameHeaderBytes + size_t(size)) return;
    const std::string_view body = std::string_view(request).substr(proto::kFrameHeaderBytes, size);
    if (caller.key().empty()) {
      std::shared_ptr<Session> s = caller.grant().session.lock();
      if (!s || s->ended()) {
        proto::JoinAccept ended;
        ended.set_version(kBootstrapVersion);
        ended.set_refusal(kSessionEnded);
        c.send(proto::frame(ended.SerializeAsString()));
      } else if (!wait_for_host(caller, s, body)) {
        c.send(admit(caller, *s, body));
      } else {
        request.clear();
        return;  // the answer comes when the host gives it
      }
      request.clear();
      c.close_after_flush();
      return;
    }
    const proto::HostAccept answer = relay_.bootstrap_->host_request(
        HostCaller{caller.key(), c.peer(), c.ip()}, body);
    request.clear();
    c.send(proto::frame(answer.SerializeAsString()));
    c.close_after_flush();
  }

  void closed(Caller& caller) override {
    auto it = waiting_.find(&caller);
    if (it == waiting_.end()) return;
    if (std::shared_ptr<Session> s = it->second.session.lock()) s->withdraw(it->second.ticket);
    waiting_.erase(it);
  }

 private:
  struct Wait {
    std::weak_ptr<Session> session;
    uint64_t ticket;
  };

  std::string admit(Caller& caller, Session& s, std::string_view hello) {
    const MateInfo who{
        .who = caller.connection().peer(), .role = caller.grant().role, .via = Via::kNative, .key = caller.mate_key()};
    return NativeMate::admit(relay_.base_, *relay_.endpoint_, s, caller.grant().role, who, relay_.options_.natives,
                             hello, relay_.options_.ends_with_host,
                             TcpPath{relay_.web_port(), relay_.web_ && relay_.web_->tls()});
  }

  // --approve: a new mate (not one asking again for the link it has) is told to wait,
  // and answered when the host decides. False: no need to wait, answer now.
  bool wait_for_host(Caller& caller, const std::shared_ptr<Session>& s, std::string_view body) {
    if (!s->needs_approval()) return false;
    std::string error;
    std::optional<proto::JoinHello> hello = parse_join_hello(body, &error);
    if (!hello || (hello->previous_link_id() != 0 && s->has_link(hello->previous_link_id(), caller.grant().role))) {
      return false;
    }
    ssh::Connection& c = caller.connection();
    const MateInfo who{.who = c.peer(),
                       .role = caller.grant().role,
                       .via = Via::kNative,
                       .name = NativeMate::name_of(*hello, caller.mate_key()),
                       .key = caller.mate_key()};
    proto::JoinAccept answer;
    answer.set_version(kBootstrapVersion);
    std::optional<uint64_t> ticket =
        s->ask_host(who, transport::now_ms(), [this, &caller, hello_bytes = std::string(body)](Verdict v) {
          auto it = waiting_.find(&caller);
          if (it == waiting_.end()) return;
          std::shared_ptr<Session> session = it->second.session.lock();
          waiting_.erase(it);
          ssh::Connection& conn = caller.connection();
          if (v == Verdict::kAdmitted && session && !session->ended()) {
            conn.send(admit(caller, *session, hello_bytes));
          } else {
            proto::JoinAccept no;
            no.set_version(kBootstrapVersion);
            no.set_refusal(v == Verdict::kRefused    ? kHostRefused
                           : v == Verdict::kTimedOut ? "the host did not answer in time; ask the host, then join again"
                                                     : kSessionEnded);
            conn.send(proto::frame(no.SerializeAsString()));
          }
          conn.close_after_flush();
        });
    if (!ticket) {
      answer.set_refusal("too many mates are waiting to be admitted; try again later");
      c.send(proto::frame(answer.SerializeAsString()));
      c.close_after_flush();
      return true;
    }
    waiting_[&caller] = Wait{s, *ticket};
    answer.set_waiting(true);
    c.send(proto::frame(answer.SerializeAsString()));
    return true;
  }

  Relay& relay_;
  std::map<Caller*, Wait> waiting_;  // native mates waiting for the host (--approve)
};

Relay::Relay(event_base* base, RelayOptions options)
    : base_(base),
      options_(std::move(options)),
      sweep_(base, [this] { sweep(); }),
      sweep_soon_(base, [this] { sweep(); }) {}

Relay::~Relay() {
  hosts_.clear();
  if (tmate_) tmate_->forget_all();
  sessions_.clear();  // before the doors their mates came through
}

std::unique_ptr<Relay> Relay::open(event_base* base, RelayOptions options, std::string* error) {
  ssh_key host_key = options.host_key, rsa_key = options.rsa_host_key;
  options.host_key = nullptr;
  options.rsa_host_key = nullptr;
  std::unique_ptr<Relay> r(new Relay(base, std::move(options)));
  if (r->options_.secret) {
    r->secret_ = *r->options_.secret;
  } else {
    randombytes_buf(r->secret_.data(), r->secret_.size());
  }
  Relay* raw = r.get();
  r->door_ = FrontDoor::open(base, r->options_.ssh_listen, host_key, rsa_key,
                             [raw](std::string_view token) { return raw->by_token(token); }, r->options_.connections,
                             error);
  if (!r->door_) return nullptr;
  // Tokens cannot be guessed (160 bits), but hosts should know someone is trying.
  r->door_->set_on_guessing([raw](int misses) {
    log("relay: %d wrong tokens tried in the last minute\n", misses);
    for (auto& [id, s] : raw->sessions_) {
      s->notify_host("tandem: " + std::to_string(misses) + " wrong links were tried on this relay in the last minute");
    }
  });
  r->door_->add_subsystem(kSubsystem, std::make_unique<TandemSubsystem>(*raw));
  if (r->options_.tmate_hosts) {
    auto tmate = std::make_unique<TmateService>(
        base, static_cast<TmateDirectory&>(*raw), r->secret_,
        TmateOptions{r->options_.public_host, r->options_.hosts.history_lines, r->options_.hosts.sessions_per_address});
    r->tmate_ = tmate.get();
    r->door_->add_subsystem(tmate::kSubsystem, std::move(tmate));
  }
  r->endpoint_ = transport::ServerEndpoint::open(base, r->options_.udp_listen, error);
  if (!r->endpoint_) return nullptr;
  if (r->options_.web) {
    r->web_ = WebDoor::open(base, *r->options_.web, [raw](std::string_view token) { return raw->by_token(token); },
                            r->endpoint_.get(), error);
    if (!r->web_) return nullptr;
  }
  r->bootstrap_ = std::make_unique<BootstrapService>(static_cast<HostDirectory&>(*raw), r->secret_,
                                                     r->options_.public_host, r->options_.hosts);
  r->sweep_.start_repeating(kSweepInterval);
  return r;
}

// ---- Sessions ----

Session& Relay::create(std::string id, std::string rw_token, std::string ro_token, SessionOptions options) {
  auto s = std::make_shared<Session>(std::move(id), std::move(rw_token), std::move(ro_token), std::move(options));
  if (!s->rw_token().empty()) by_token_[token_index(s->rw_token())] = s;
  by_token_[token_index(s->ro_token())] = s;
  Session& ref = *s;
  sessions_[s->id()] = std::move(s);
  return ref;
}

Session& Relay::create_tmate_session(SessionOptions options) {
  return create(new_session_id(), new_token(), new_token(), std::move(options));
}

Session& Relay::create_session(SessionOptions options, HostEvents events) {
  std::string rw = options.read_only_only ? std::string() : new_token();
  return create_session(std::move(options), std::move(events), new_session_id(), std::move(rw), new_token());
}

Session& Relay::create_session(SessionOptions options, HostEvents events, std::string id, std::string rw_token,
                               std::string ro_token) {
  Session& s = create(std::move(id), std::move(rw_token), std::move(ro_token), std::move(options));
  s.set_host(std::move(events));
  return s;
}

void Relay::end_session(Session& s, const std::string& message) {
  if (s.ended()) return;
  s.end(message, transport::now_ms());
  forget_tokens(s);
}

void Relay::rotate(Session& s) {
  std::erase_if(by_token_, [&](const auto& kv) { return kv.second.expired() || kv.second.lock().get() == &s; });
  s.set_tokens(s.rw_token().empty() ? std::string() : new_token(), new_token());
  std::shared_ptr<Session> shared = sessions_.at(s.id());
  if (!s.rw_token().empty()) by_token_[token_index(s.rw_token())] = shared;
  by_token_[token_index(s.ro_token())] = shared;
  log("relay: session %s: new tokens; the old links admit no one\n", s.id().c_str());
}

statesync::NewTokens Relay::new_tokens(Session& s, bool kick_all) {
  rotate(s);
  if (kick_all) s.kick_all(std::string("[tandem: ") + kHostRemovedAll + "]");
  const Links l = links(s, s.link_host());
  const Secret secret = bootstrap_->resume_secret(s.id(), s.rw_token(), s.ro_token(), s.host_key());
  return statesync::NewTokens{0,        s.rw_token(), s.ro_token(), std::string(secret.begin(), secret.end()),
                              l.ssh_rw, l.ssh_ro,     l.join_rw,    l.join_ro,
                              l.web_rw, l.web_ro};
}

// An ended session's tokens admit no one.
void Relay::forget_tokens(const Session& s) {
  std::erase_if(by_token_, [&](const auto& kv) { return kv.second.expired() || kv.second.lock().get() == &s; });
  log("relay: session %s ended: %s\n", s.id().c_str(), s.end_message().c_str());
}

void Relay::stopping(const std::string& message) {
  for (auto& [id, s] : sessions_) s->relay_stopping(message);
}

size_t Relay::connected_mates() const {
  size_t n = 0;
  for (const auto& [id, s] : sessions_) n += s->connected_mates();
  return n;
}

Session* Relay::find(const std::string& id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

std::shared_ptr<Session> Relay::by_token(std::string_view token) const {
  auto it = by_token_.find(token_index(token));
  return it == by_token_.end() ? nullptr : it->second.lock();
}

bool Relay::token_in_use(std::string_view token) const { return by_token(token) != nullptr; }

Links Relay::links(const Session& s, const std::string& host) const {
  Links l = make_links(s.rw_token(), s.ro_token(), host, ssh_port(), udp_port(), fingerprint(),
                       web_ ? web_->base_url(host) : std::string());
  l.web_port = web_port();
  l.web_tls = web_ && web_->tls();
  return l;
}

size_t Relay::sessions_of_key(const std::string& key) const {
  return size_t(std::count_if(sessions_.begin(), sessions_.end(),
                              [&](const auto& kv) { return !kv.second->ended() && kv.second->host_key() == key; }));
}

size_t Relay::sessions_from(const std::string& ip) const {
  return size_t(std::count_if(sessions_.begin(), sessions_.end(),
                              [&](const auto& kv) { return !kv.second->ended() && kv.second->host_ip() == ip; }));
}

// ---- Remote hosts ----

uint64_t Relay::host_link(const Session& s) const {
  auto it = hosts_.find(s.id());
  return it == hosts_.end() ? 0 : it->second->link_id();
}

std::pair<uint64_t, LinkKeyBytes> Relay::attach_host(Session& s) {
  // Input the old link never delivered (the host never learnt of it) goes on the new one.
  statesync::InputState pending;
  if (auto it = hosts_.find(s.id()); it != hosts_.end()) {
    pending = it->second->undelivered();
    hosts_.erase(it);
  }
  auto host =
      std::make_unique<HostLink>(base_, *endpoint_, s, std::move(pending),
                                 [this](Session& session, bool kick_all) { return new_tokens(session, kick_all); });
  host->set_on_status([this] { sweep_soon_.start_if_idle(std::chrono::milliseconds(0)); });
  std::pair<uint64_t, LinkKeyBytes> out{host->link_id(), {}};
  std::copy(host->key().begin(), host->key().end(), out.second.begin());
  hosts_[s.id()] = std::move(host);
  return out;
}

// ---- The sweep ----

void Relay::sweep() {
  const uint64_t now = transport::now_ms();
  std::vector<std::string> finished;
  bool packed = false;
  for (auto& [id, s] : sessions_) {
    s->collect();
    s->expire_waiting(now);
    if (auto it = hosts_.find(id); it != hosts_.end() && !s->ended()) {
      HostLink& host = *it->second;
      packed = host.pack_history(now) || packed;
      if (host.host_left()) {
        end_session(*s, "[tandem: session ended by the host]");
      } else {
        const bool was_lost = !s->host_notice().empty();
        s->check_host(std::chrono::milliseconds(host.silent_for_ms()), unix_ms(), options_.timeouts, now);
        if (s->ended()) {
          forget_tokens(*s);
        } else if (was_lost != !s->host_notice().empty()) {
          log("relay: session %s: host %s\n", id.c_str(), was_lost ? "back" : "unreachable");
        }
      }
    }
    if (std::optional<std::chrono::milliseconds> silent = tmate_ ? tmate_->host_silence(id, now) : std::nullopt;
        silent && !s->ended()) {
      const bool was_lost = !s->host_notice().empty();
      s->check_host(*silent, unix_ms(), options_.timeouts, now);
      if (s->ended()) {
        forget_tokens(*s);
      } else if (was_lost != !s->host_notice().empty()) {
        log("relay: session %s: tmate host %s\n", id.c_str(), was_lost ? "back" : "unreachable");
      }
    }
    if (s->finished(now)) finished.push_back(id);
  }
  for (const std::string& id : finished) remove(id);
  if (packed) malloc_trim(0);  // the rows packed history freed go back to the system
  const ssh::ListenerCounters& l = door_->counters();
  const uint64_t refused = l.refused_full + l.refused_address + l.timed_out;
  if (refused > refused_logged_ && now - refused_log_at_ >= kDropLogIntervalMs) {
    log("relay: refused %llu connections over the limits, closed %llu never used (so far)\n",
        (unsigned long long)(l.refused_full + l.refused_address), (unsigned long long)l.timed_out);
    refused_logged_ = refused;
    refused_log_at_ = now;
  }
  const transport::EndpointCounters& c = endpoint_->counters();
  const uint64_t dropped = c.dropped_unknown_link + c.dropped_oversize;
  if (dropped > dropped_logged_ && now - drop_log_at_ >= kDropLogIntervalMs) {
    log("relay: dropped %llu datagrams for unknown links or oversize\n", (unsigned long long)(dropped - dropped_logged_));
    dropped_logged_ = dropped;
    drop_log_at_ = now;
  }
}

void Relay::remove(const std::string& id) {
  hosts_.erase(id);
  if (tmate_) tmate_->forget(id);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  std::erase_if(by_token_, [&](const auto& kv) { return kv.second.expired() || kv.second.lock() == it->second; });
  sessions_.erase(it);
}

}  // namespace tandem::relay
