#include "relay/relay.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "proto/bootstrap.pb.h"
#include "proto/framing.h"
#include "relay/join_link.h"
#include "relay/log.h"
#include "relay/token.h"
#include "statesync/channel.h"
#include "statesync/sync_connection.h"

namespace tandem::relay {
namespace {

constexpr timeval kSweepInterval{1, 0};
constexpr uint64_t kGoodbyeGraceMs = 5000;  // an ended session's mates get this long to be told
constexpr size_t kMaxAllowedKeys = 1024;
constexpr size_t kMaxNameBytes = 256;
constexpr uint64_t kDropLogIntervalMs = 60000;

std::string hex(const uint8_t* bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 15]);
  }
  return out;
}

// Tokens are looked up by a hash, so the lookup's timing says nothing about them;
// the token itself is then compared in constant time.
std::string token_index(std::string_view token) {
  uint8_t digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const uint8_t*>(token.data()), token.size(), nullptr, 0);
  return hex(digest, sizeof digest);
}

std::string refusal(const std::string& why) {
  proto::HostAccept a;
  a.set_version(kBootstrapVersion);
  a.set_error(why);
  return proto::frame(a.SerializeAsString());
}

std::string clock_text(uint64_t unix_ms) {
  std::time_t t = std::time_t(unix_ms / 1000);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S UTC", std::gmtime(&t));
  return text;
}

std::string duration_text(std::chrono::seconds d) {
  const long s = long(d.count());
  if (s % 3600 == 0) return std::to_string(s / 3600) + " h";
  if (s % 60 == 0) return std::to_string(s / 60) + " min";
  return std::to_string(s) + " s";
}

uint64_t unix_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec / 1000000);
}

// A link host must be a plain name or address: it ends up in a command line.
bool plain_host(const std::string& host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_';
  });
}

// How mate comings and goings travel to a remote host, as a Notice event:
// "mate joined|left read-write|read-only ssh|native WHO".
std::string mate_notice(const MateInfo& m, bool joined) {
  return std::string("mate ") + (joined ? "joined " : "left ") + role_name(m.role) + " " + m.via + " " + m.who;
}

}  // namespace

using HostSync = statesync::SyncConnection<statesync::InputState, screen::ScreenState>;

struct RemoteHost {
  transport::ServerEndpoint& endpoint;
  uint64_t link_id = 0;
  std::unique_ptr<statesync::EndpointChannel> channel;
  std::unique_ptr<HostSync> sync;

  explicit RemoteHost(transport::ServerEndpoint& e) : endpoint(e) {}
  ~RemoteHost() {
    sync.reset();
    channel.reset();
    endpoint.remove_link(link_id);
  }
  void push(statesync::InputEvent event) {
    sync->outgoing().push(std::move(event));
    sync->outgoing_changed();
  }
};

// ---- Session ----

Session::Session(event_base* base, transport::ServerEndpoint& endpoint, SshServer& ssh)
    : ssh_server_(ssh), ssh_(std::make_shared<SshSession>()), natives_(base, endpoint) {
  ssh_->on_input = [this](std::string_view bytes) {
    if (hooks_.on_input) hooks_.on_input(bytes);
  };
  ssh_->on_mate = [this](const std::string& who, Role role, bool joined) { mate_event(who, role, "ssh", joined); };
  ssh_->on_mate_size = [this](const std::string& who, Role role, int cols, int rows) {
    mate_size(who, role, cols, rows);
  };
  ssh_->on_bootstrap = [this](Role role, const std::string& who) -> std::optional<std::string> {
    return natives_.admit(role, who, options_.name);
  };
  natives_.set_on_input([this](std::string_view bytes) {
    if (hooks_.on_input) hooks_.on_input(bytes);
  });
  natives_.set_on_mate([this](const std::string& who, Role role, bool joined) {
    mate_event(who, role, "native", joined);
  });
  natives_.set_on_mate_size([this](const std::string& who, Role role, int cols, int rows) {
    mate_size(who, role, cols, rows);
  });
}

Session::~Session() {
  // SSH connections may outlive the session by a moment: they must not call back.
  ssh_->on_input = nullptr;
  ssh_->on_mate = nullptr;
  ssh_->on_mate_size = nullptr;
  ssh_->on_bootstrap = nullptr;
  ssh_->ended = true;
}

void Session::publish(const screen::ScreenState& screen) {
  screen_ = screen.with_scrollback(0);
  republish();
}

void Session::republish() {
  screen::ScreenState shown = screen_;
  if (!host_notice_.empty()) screen::overlay_notice(shown, host_notice_);
  ssh_->screen = std::make_unique<screen::ScreenState>(shown);
  ssh_server_.publish(*ssh_);
  natives_.publish(shown);
}

void Session::set_host_notice(std::string text) {
  if (text == host_notice_) return;
  host_notice_ = std::move(text);
  republish();
}

std::vector<MateInfo> Session::mates() const {
  std::vector<MateInfo> out = ssh_server_.mate_list(*ssh_);
  for (MateInfo& m : natives_.mate_list()) out.push_back(std::move(m));
  return out;
}

void Session::mate_event(const std::string& who, Role role, const char* via, bool joined) {
  if (!joined && rw_sizes_.erase(who) > 0) mate_size({}, Role::kNone, 0, 0);
  if (hooks_.on_mate) hooks_.on_mate(MateInfo{who, role, via}, joined);
}

void Session::mate_size(const std::string& who, Role role, int cols, int rows) {
  if (role == Role::kReadWrite) rw_sizes_[who] = {std::max(cols, 10), std::max(rows, 3)};
  std::optional<std::pair<int, int>> smallest;
  for (const auto& [w, size] : rw_sizes_) {
    if (!smallest) smallest = size;
    smallest->first = std::min(smallest->first, size.first);
    smallest->second = std::min(smallest->second, size.second);
  }
  if (smallest == mates_size_) return;
  mates_size_ = smallest;
  if (hooks_.on_mates_size) hooks_.on_mates_size(smallest);
}

// ---- Relay ----

Relay::Relay(event_base* base, RelayOptions options) : base_(base), options_(std::move(options)) {}

Relay::~Relay() {
  sweep_event_.reset();
  sessions_.clear();  // before the SSH server and the endpoint they use
}

std::unique_ptr<Relay> Relay::open(event_base* base, RelayOptions options, std::string* error) {
  ssh_key host_key = options.host_key;
  options.host_key = nullptr;
  std::unique_ptr<Relay> r(new Relay(base, std::move(options)));
  if (r->options_.secret) {
    r->secret_ = *r->options_.secret;
  } else {
    randombytes_buf(r->secret_.data(), r->secret_.size());
  }
  SshServerCallbacks callbacks;
  Relay* raw = r.get();
  callbacks.authorize = [raw](std::string_view token) { return raw->authorize(token); };
  callbacks.on_host = [raw](const std::string& fingerprint, const std::string& who, std::string_view request) {
    return raw->host_request(fingerprint, who, request);
  };
  r->ssh_ = SshServer::open(base, r->options_.ssh_listen, host_key, std::move(callbacks), error);
  if (!r->ssh_) return nullptr;
  r->endpoint_ = transport::ServerEndpoint::open(base, r->options_.udp_listen, error);
  if (!r->endpoint_) return nullptr;
  r->sweep_event_.reset(event_new(base, -1, EV_PERSIST, on_sweep, raw));
  event_add(r->sweep_event_.get(), &kSweepInterval);
  return r;
}

Session& Relay::make_session(std::string id, std::string rw_token, std::string ro_token, SessionOptions options) {
  std::unique_ptr<Session> s(new Session(base_, *endpoint_, *ssh_));
  s->id_ = std::move(id);
  s->rw_token_ = std::move(rw_token);
  s->ro_token_ = std::move(ro_token);
  s->ssh_->name = options.name;
  s->ssh_->allowed_keys = options.allowed_keys;
  s->options_ = std::move(options);
  Session& ref = *s;
  if (!ref.rw_token_.empty()) by_token_[token_index(ref.rw_token_)] = &ref;
  by_token_[token_index(ref.ro_token_)] = &ref;
  sessions_[ref.id_] = std::move(s);
  return ref;
}

Session& Relay::create_session(SessionOptions options, HostHooks hooks) {
  uint8_t id[8];
  randombytes_buf(id, sizeof id);
  Session& s = make_session(hex(id, sizeof id), options.read_only_only ? std::string() : new_token(), new_token(),
                            std::move(options));
  s.hooks_ = std::move(hooks);
  return s;
}

void Relay::end_session(Session& s, const std::string& message) {
  if (s.ended_) return;
  s.ended_ = true;
  s.ended_at_ = transport::now_ms();
  std::erase_if(by_token_, [&](const auto& kv) { return kv.second == &s; });
  s.ssh_->end_message = message;
  ssh_->end_session(*s.ssh_);
  s.natives_.end_session();
  log("relay: session %s ended: %s\n", s.id_.c_str(), message.c_str());
}

size_t Relay::connected_mates() const {
  size_t n = 0;
  for (const auto& [id, s] : sessions_) n += ssh_->mates(s->ssh_.get()) + s->natives_.open_mates();
  return n;
}

Grant Relay::authorize(std::string_view token) {
  auto it = by_token_.find(token_index(token));
  if (it == by_token_.end() || it->second->ended_) return {};
  Session& s = *it->second;
  if (!s.rw_token_.empty() && same_token(token, s.rw_token_)) return {s.ssh_, Role::kReadWrite};
  if (same_token(token, s.ro_token_)) return {s.ssh_, Role::kReadOnly};
  return {};
}

Secret Relay::resume_secret(const std::string& id, const std::string& rw_token, const std::string& ro_token,
                            const std::string& host_key) const {
  const std::string message = "tandem resume\n" + id + "\n" + rw_token + "\n" + ro_token + "\n" + host_key;
  Secret out;
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(message.data()), message.size(),
                     secret_.data(), secret_.size());
  return out;
}

std::string Relay::host_request(const std::string& host_key, const std::string& who, std::string_view request) {
  proto::HostHello hello;
  if (!hello.ParseFromArray(request.data(), int(request.size()))) {
    log("relay: %s: a malformed host request; refused\n", who.c_str());
    return refusal("malformed request");
  }
  if (hello.version() != kBootstrapVersion) {
    log("relay: %s: host speaks bootstrap version %u; refused\n", who.c_str(), hello.version());
    return refusal("this relay speaks bootstrap version " + std::to_string(kBootstrapVersion) +
                   "; use a tandem of the same release");
  }
  if (host_key.empty()) return refusal("the relay could not read your key");
  if (hello.session_name().size() > kMaxNameBytes || hello.allowed_keys_size() > int(kMaxAllowedKeys)) {
    return refusal("request too large");
  }
  SessionOptions options;
  options.name = hello.session_name().empty() ? "the host" : hello.session_name();
  options.read_only_only = hello.read_only_only();
  for (const std::string& k : hello.allowed_keys()) options.allowed_keys.insert(k);

  Session* s = nullptr;
  statesync::InputState pending;
  bool resumed = false, same_link = false, restored = false;
  if (hello.has_resume()) {
    const proto::Resume& r = hello.resume();
    if (r.ro_token().empty() || r.session_id().empty() || r.session_id().size() > 64) {
      return refusal("malformed resume request");
    }
    auto it = sessions_.find(r.session_id());
    if (it != sessions_.end()) {
      s = it->second.get();
      if (s->ended_ || s->host_key_ != host_key || !same_token(s->ro_token_, r.ro_token()) ||
          s->rw_token_.size() != r.rw_token().size() || (!s->rw_token_.empty() && !same_token(s->rw_token_, r.rw_token()))) {
        log("relay: %s: resume of session %s refused (ended, or another key or tokens)\n", who.c_str(),
            r.session_id().c_str());
        return refusal(s->ended_ ? "that session has ended" : "that session belongs to another key");
      }
      s->options_ = options;
      s->ssh_->name = options.name;
      s->ssh_->allowed_keys = options.allowed_keys;
      if (s->host_ && s->host_->link_id == r.previous_link_id()) {
        // The host's link is fine on our side: it only has to get through again.
        same_link = true;
      } else if (s->host_) {
        // A link the host never learnt of (our answer was lost): nothing on it reached
        // the host, so all of its input goes on the new link.
        const statesync::InputState& old = s->host_->sync->outgoing();
        for (uint64_t seq = old.begin(); seq < old.end(); ++seq) pending.push(old.at(seq));
        s->host_.reset();
      }
      log("relay: session %s: host %s is back from %s%s\n", s->id_.c_str(), host_key.c_str(), who.c_str(),
          same_link ? " (same link)" : "");
    } else {
      // The relay restarted and forgot the session: the secret proves the tokens were ours.
      const Secret expected = resume_secret(r.session_id(), r.rw_token(), r.ro_token(), host_key);
      if (r.secret().size() != expected.size() ||
          sodium_memcmp(r.secret().data(), expected.data(), expected.size()) != 0 ||
          by_token_.count(token_index(r.ro_token())) ||
          (!r.rw_token().empty() && by_token_.count(token_index(r.rw_token())))) {
        log("relay: %s: resume of unknown session %s refused\n", who.c_str(), r.session_id().c_str());
        return refusal("this relay does not know that session");
      }
      options.read_only_only = r.rw_token().empty();
      s = &make_session(r.session_id(), r.rw_token(), r.ro_token(), options);
      restored = true;
      log("relay: session %s restored for host %s from %s\n", s->id_.c_str(), host_key.c_str(), who.c_str());
    }
    resumed = true;
  } else {
    uint8_t id[8];
    randombytes_buf(id, sizeof id);
    s = &make_session(hex(id, sizeof id), options.read_only_only ? std::string() : new_token(), new_token(), options);
    log("relay: session %s created for host %s from %s (%s)\n", s->id_.c_str(), host_key.c_str(), who.c_str(),
        hello.client_version().c_str());
  }
  s->host_key_ = host_key;
  transport::LinkKey key{};
  uint64_t link_id = 0;
  if (same_link) {
    link_id = s->host_->link_id;
  } else {
    attach_host(*s, std::move(pending), link_id, key);
  }

  std::string host = options_.public_host.empty() ? hello.relay_host() : options_.public_host;
  if (!plain_host(host)) host = "RELAY";
  proto::HostAccept a;
  a.set_version(kBootstrapVersion);
  a.set_session_id(s->id_);
  a.set_rw_token(s->rw_token_);
  a.set_ro_token(s->ro_token_);
  fill_links(*s, host, a);
  a.set_link_id(link_id);
  if (!same_link) a.set_link_key(std::string(key.begin(), key.end()));
  const Secret secret = resume_secret(s->id_, s->rw_token_, s->ro_token_, s->host_key_);
  a.set_resume_secret(std::string(secret.begin(), secret.end()));
  a.set_resumed(resumed);
  a.set_same_link(same_link);
  a.set_restored(restored);
  return proto::frame(a.SerializeAsString());
}

void Relay::fill_links(const Session& s, const std::string& host, proto::HostAccept& a) const {
  const std::string port = std::to_string(ssh_port());
  if (!s.rw_token_.empty()) {
    a.set_ssh_rw("ssh -p " + port + " " + s.rw_token_ + "@" + host);
    a.set_join_rw(JoinLink{s.rw_token_, host, ssh_port(), fingerprint()}.to_string());
  }
  a.set_ssh_ro("ssh -p " + port + " " + s.ro_token_ + "@" + host);
  a.set_join_ro(JoinLink{s.ro_token_, host, ssh_port(), fingerprint()}.to_string());
  a.set_ssh_port(ssh_port());
  a.set_udp_port(udp_port());
  a.set_fingerprint(fingerprint());
}

void Relay::attach_host(Session& s, statesync::InputState pending, uint64_t& link_id,
                        transport::LinkKey& key) {
  link_id = transport::random_link_id();
  key = transport::random_link_key();
  auto host = std::make_unique<RemoteHost>(*endpoint_);
  host->link_id = link_id;
  RemoteHost* raw = host.get();
  endpoint_->add_link(link_id, key, transport::LinkCallbacks{[raw](std::span<const uint8_t> m) {
                                                               raw->sync->receive(m);
                                                             },
                                                             {}});
  host->channel = std::make_unique<statesync::EndpointChannel>(*endpoint_, link_id);
  host->sync = std::make_unique<HostSync>(base_, *host->channel, std::move(pending), initial_screen(),
                                          statesync::kInputSendDelayMs);
  Session* session = &s;
  host->sync->set_on_incoming([session, raw] { session->publish(raw->sync->incoming()); });
  host->sync->set_on_status([this](statesync::SyncStatus) { event_active(sweep_event_.get(), EV_TIMEOUT, 0); });
  s.host_ = std::move(host);
  // What the host needs to know now: who is here, and how small they are.
  for (const MateInfo& m : s.mates()) raw->push(statesync::Notice{mate_notice(m, true)});
  if (s.mates_size_) raw->push(statesync::Resize{uint16_t(s.mates_size_->first), uint16_t(s.mates_size_->second)});
  s.hooks_.on_input = [session](std::string_view bytes) {
    if (session->host_) session->host_->push(statesync::Keys{std::string(bytes)});
  };
  s.hooks_.on_mate = [session](const MateInfo& m, bool joined) {
    if (session->host_) session->host_->push(statesync::Notice{mate_notice(m, joined)});
  };
  s.hooks_.on_mates_size = [session](std::optional<std::pair<int, int>> size) {
    if (!session->host_) return;
    session->host_->push(size ? statesync::Resize{uint16_t(size->first), uint16_t(size->second)} : statesync::Resize{});
  };
}

void Relay::sweep() {
  const uint64_t now = transport::now_ms();
  std::vector<Session*> gone;
  for (auto& [id, sp] : sessions_) {
    Session& s = *sp;
    if (s.ended_) {
      if (connected_mates_of(s) == 0 || now - s.ended_at_ > kGoodbyeGraceMs) gone.push_back(&s);
      continue;
    }
    if (!s.host_) continue;  // the host is in this process
    if (s.host_->sync->status() == statesync::SyncStatus::kPeerClosed) {
      end_session(s, "[tandem: session ended by the host]");
      continue;
    }
    const uint64_t silent = s.host_->sync->silent_for_ms();
    if (silent >= uint64_t(options_.linger.count()) * 1000) {
      end_session(s, "[tandem: session ended; the host did not come back within " + duration_text(options_.linger) +
                         "]");
    } else if (silent >= uint64_t(options_.host_lost.count())) {
      if (s.host_notice_.empty()) {
        s.set_host_notice("tandem: host unreachable since " + clock_text(unix_ms() - silent) +
                          "; the session waits for it");
        log("relay: session %s: host unreachable\n", s.id_.c_str());
      }
    } else if (!s.host_notice_.empty()) {
      s.set_host_notice({});
      log("relay: session %s: host back\n", s.id_.c_str());
    }
  }
  for (Session* s : gone) remove(*s);
  const uint64_t dropped = endpoint_->counters().dropped_unknown_link + endpoint_->counters().dropped_oversize;
  if (dropped > dropped_logged_ && now - drop_log_at_ >= kDropLogIntervalMs) {
    log("relay: dropped %llu datagrams for unknown links or oversize\n", (unsigned long long)(dropped - dropped_logged_));
    dropped_logged_ = dropped;
    drop_log_at_ = now;
  }
}

size_t Relay::connected_mates_of(const Session& s) const { return ssh_->mates(s.ssh_.get()) + s.natives_.open_mates(); }

void Relay::remove(Session& s) {
  std::erase_if(by_token_, [&](const auto& kv) { return kv.second == &s; });
  sessions_.erase(s.id_);
}

void Relay::on_sweep(evutil_socket_t, short, void* arg) { static_cast<Relay*>(arg)->sweep(); }

}  // namespace tandem::relay
