#include "relay/tmate/tmate_service.h"

#include "proto/overloaded.h"

#include <libssh/libssh.h>
#include <sodium.h>

#include <algorithm>
#include <set>
#include <variant>

#include "proto/tmate/daemon.h"
#include "proto/tmate/keys.h"
#include "proto/tmate/msgpack_framer.h"
#include "relay/log.h"
#include "relay/ssh/handles.h"
#include "relay/tmate/tmate_screen.h"
#include "transport/event_loop.h"

namespace tandem::relay {

namespace out = tmate::out;
namespace in = tmate::in;

namespace {

constexpr size_t kMaxEarlyMessages = 256;   // display messages before READY, kept for after it
constexpr int kMaxBadMessages = 100;        // malformed messages a host may send before it is dropped
constexpr const char* kReconnectPrefix = "tandem-tmate1";

std::string short_id(const std::string& id) { return id.substr(0, 8); }

// The "SHA256:..." fingerprint of an authorized_keys line's key, or empty.
std::string fingerprint_of(std::string_view line) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return {};
  const std::string type(line.substr(0, space));
  std::string_view rest = line.substr(space + 1);
  const std::string b64(rest.substr(0, rest.find(' ')));
  const enum ssh_keytypes_e t = ssh_key_type_from_name(type.c_str());
  ssh_key raw = nullptr;
  if (t == SSH_KEYTYPE_UNKNOWN || ssh_pki_import_pubkey_base64(b64.c_str(), t, &raw) != SSH_OK) return {};
  ssh::KeyPtr key(raw);
  return ssh::key_fingerprint(key.get());
}

// The host's tmux key bindings, as its replicated commands set them: the prefix key,
// and what a key does after it (or without it, -n). A mate's `C-b c` then runs
// new-window on the host, as it would for a tmate mate.
struct KeyTable {
  uint64_t prefix = 0x02;  // C-b
  std::map<uint64_t, std::vector<std::string>> after_prefix, root;
  static constexpr size_t kMaxBindings = 1024;

  void command(const std::vector<std::string>& argv) {
    if (argv.empty()) return;
    const std::string& verb = argv[0];
    if ((verb == "set-option" || verb == "set") && argv.size() >= 3 && argv[argv.size() - 2] == "prefix") {
      if (std::optional<uint64_t> k = tmate::key_from_name(argv.back())) prefix = *k;
      return;
    }
    const bool bind = verb == "bind-key" || verb == "bind";
    if (!bind && verb != "unbind-key" && verb != "unbind") return;
    size_t i = 1;
    std::string table = "prefix";
    bool all = false;
    for (; i < argv.size() && argv[i].size() >= 2 && argv[i][0] == '-'; ++i) {
      for (char f : std::string_view(argv[i]).substr(1)) {
        if (f == 'n') table = "root";
        if (f == 'a') all = true;
        if (f == 'T' && i + 1 < argv.size()) table = argv[++i];
        if (f == 't' && i + 1 < argv.size()) table = "mode:" + argv[++i];  // copy-mode tables: the host's own
        if (f == 'T' || f == 't') break;
      }
    }
    std::map<uint64_t, std::vector<std::string>>* keys =
        table == "prefix" ? &after_prefix : table == "root" ? &root : nullptr;
    if (!keys) return;
    if (!bind && all) {
      keys->clear();
      return;
    }
    if (i >= argv.size()) return;
    std::optional<uint64_t> key = tmate::key_from_name(argv[i]);
    if (!key) return;
    if (!bind) {
      keys->erase(*key);
    } else if (i + 1 < argv.size() && (keys->size() < kMaxBindings || keys->count(*key))) {
      (*keys)[*key] = std::vector<std::string>(argv.begin() + long(i) + 1, argv.end());
    }
  }
};

}  // namespace

// ---- A session whose host is a tmate: it outlives the host's connections.

class TmateService::Host {
 public:
  Host(TmateService& service, Session& session)
      : session_(session), screen_(service.options_.history),
        publish_soon_(service.base_, [this] { publish(); }) {
    HostEvents events;
    events.on_input = [this](std::string_view bytes) { input(bytes); };
    events.on_mate = [this](const MateInfo& m, bool joined) { mate(m, joined); };
    events.on_mates_size = [this](std::optional<Size> size) {
      size_ = size;
      send_size();
    };
    events.on_notice = [this](const std::string& text) { notify(text); };
    events.has_room = [this] { return room(); };
    session_.set_host(std::move(events));
  }

  Session& session() { return session_; }
  TmateScreen& screen() { return screen_; }
  KeyTable& keys() { return keys_; }
  Channel* channel() const { return channel_; }
  uint64_t lost_at() const { return lost_at_; }

  inline void attach(Channel* channel);
  void detach(uint64_t now_ms) {
    channel_ = nullptr;
    lost_at_ = std::max<uint64_t>(now_ms, 1);
  }
  // A change is shown at once, then at most every kPublishEvery while changes keep
  // coming (a tmate host sends its raw output: a flood is thousands of changes).
  void changed() {
    if (publish_soon_.pending()) return;
    const uint64_t now = transport::now_ms(), due = published_ms_ + kPublishEveryMs;
    publish_soon_.start(std::chrono::milliseconds(due > now ? due - now : 0));
  }
  inline void send(const in::Message& m);
  inline bool room() const;
  void notify(const std::string& text) { send(in::Notify{text}); }
  void send_size() {
    in::Resize r;
    if (size_) {
      r.cols = size_->cols;
      r.rows = std::max(1, size_->rows - 1);  // the status line is the relay's
    }
    send(r);
  }

 private:
  static constexpr uint64_t kPublishEveryMs = 30;
  void publish() {
    published_ms_ = transport::now_ms();
    session_.publish(screen_.compose());
  }

  void input(std::string_view bytes) {
    std::string encoded;
    // Mates' input arrives in pieces: a character cut between two waits for the rest.
    // (Mates share one carry: their keys reach the one active pane anyway.)
    std::string piece = std::exchange(carry_, {});
    piece.append(bytes);
    for (uint64_t key : tmate::keys_from_bytes(piece, &carry_)) {
      const std::vector<std::string>* command = nullptr;
      if (prefixed_) {
        prefixed_ = false;
        auto it = keys_.after_prefix.find(key);
        if (it == keys_.after_prefix.end()) continue;  // an unbound key after the prefix does nothing
        command = &it->second;
      } else if (key == keys_.prefix) {
        prefixed_ = true;
        continue;
      } else if (auto it = keys_.root.find(key); it != keys_.root.end()) {
        command = &it->second;
      }
      if (!command) {
        encoded += in::encode(in::PaneKey{-1, key});
      } else if (command->front() == "send-prefix") {
        encoded += in::encode(in::PaneKey{-1, keys_.prefix});
      } else if (command->front() != "detach-client" && command->front() != "detach") {
        encoded += in::encode(in::ExecCmd{0, *command});  // run on the host, as tmate does for its mates
      }
    }
    if (channel_) {
      send_raw(encoded);
    } else if (pending_.size() + encoded.size() <= kMaxPendingInput) {
      pending_ += encoded;  // delivered when the host is back
    }
  }
  inline void send_raw(std::string_view bytes);

  void mate(const MateInfo& m, bool joined) {
    const size_t n = session_.mates().size();
    notify(std::string("A mate has ") + (joined ? "joined" : "left") + " (" + m.label() + ", " + role_name(m.role) +
           (m.via == Via::kNative ? ", tandem join" : m.via == Via::kWeb ? ", browser" : ", ssh") + ") -- " + std::to_string(n) + " mate" +
           (n == 1 ? "" : "s") + " connected");
  }

  Session& session_;
  TmateScreen screen_;
  Channel* channel_ = nullptr;
  uint64_t lost_at_ = 0;
  std::optional<Size> size_;
  std::string pending_;  // keys typed while the host was away
  std::string carry_;    // the start of a UTF-8 character whose end has not come yet
  KeyTable keys_;
  bool prefixed_ = false;  // a mate pressed the prefix: the next key is a binding's
  uint64_t published_ms_ = 0;
  transport::Timer publish_soon_;
};

// ---- One tmate host's connection.

class TmateService::Channel {
 public:
  Channel(TmateService& service, Caller& caller) : service_(service), caller_(caller), framer_(kMaxMessage) {}
  ~Channel() {
    if (host_) host_->detach(transport::now_ms());
  }

  void data(std::string_view bytes) {
    if (done_) return;
    std::optional<DecodeError> e = framer_.feed(
        bytes, {.object = [this](std::string_view object) { message(object); },
                .dropped =
                    [this](size_t size) {
                      log("relay: tmate host %s: a message of %zu bytes is over the %zu-byte limit; dropped\n",
                          who().c_str(), size, kMaxMessage);
                      if (host_) {
                        host_->notify("tandem: a message of " + std::to_string(size) + " bytes was over the relay's " +
                                      std::to_string(kMaxMessage) + "-byte limit and was dropped");
                      }
                    }});
    if (e) end("not tmate's protocol (" + e->what + ")");
  }

  void send(std::string_view bytes) { caller_.connection().send(bytes); }
  size_t outbound() const { return caller_.connection().pending(); }
  Host* host() const { return host_; }
  void forget_host() { host_ = nullptr; }
  // Another connection took the session over (the host reconnected before this one
  // was seen to drop).
  void replaced() {
    host_ = nullptr;
    done_ = true;
    caller_.connection().close_after_flush();
  }

 private:
  std::string who() const { return caller_.connection().peer(); }

  void end(const std::string& why) {
    log("relay: tmate host %s: %s; connection closed\n", who().c_str(), why.c_str());
    done_ = true;
    caller_.connection().close_after_flush();
  }

  void message(std::string_view object) {
    if (done_) return;
    std::variant<out::Message, DecodeError> decoded = out::decode(object);
    if (DecodeError* e = std::get_if<DecodeError>(&decoded)) {
      log("relay: tmate host %s: %s; message dropped\n", who().c_str(), e->what.c_str());
      if (++bad_ > kMaxBadMessages) end("too many malformed messages");
      return;
    }
    out::Message& m = std::get<out::Message>(decoded);
    if (!header_) {
      const out::Header* h = std::get_if<out::Header>(&m);
      if (!h) return end("the first message was not a HEADER");
      if (h->protocol != tmate::kProtocolVersion) {
        send(in::encode(in::Notify{"This relay (tandem) speaks the protocol of tmate 2.4 (version " +
                                   std::to_string(tmate::kProtocolVersion) + "); this tmate (" + h->version +
                                   ") speaks version " + std::to_string(h->protocol) +
                                   ". Install tmate 2.4 to share through it."}));
        return end("tmate " + h->version + " speaks protocol " + std::to_string(h->protocol));
      }
      header_ = true;
      log("relay: tmate host %s: tmate %s, protocol %lld\n", who().c_str(), h->version.c_str(),
          (long long)h->protocol);
      return;
    }
    std::visit(overloaded{
                   [&](out::Header&) { bad("a second HEADER"); },
                   [&](out::Reconnect& r) { reconnect_ = std::move(r.data); },
                   [&](out::ExecCmd& c) { command(c.argv); },
                   [&](out::Ready&) { ready(); },
                   [&](out::Uname& u) {
                     if (u.fields.size() >= 3) {
                       log("relay: tmate host %s: %s %s\n", who().c_str(), u.fields[0].c_str(), u.fields[2].c_str());
                     }
                   },
                   [&](out::Fin&) {
                     if (host_) {
                       Host* h = host_;
                       host_ = nullptr;
                       h->detach(transport::now_ms());
                       service_.directory_.end_session(h->session(), "[tandem: session ended by the host]");
                     }
                     done_ = true;
                   },
                   [&](out::FailedCmd& f) {
                     log("relay: tmate host %s: a command failed: %s\n", who().c_str(), f.cause.c_str());
                   },
                   [&](out::ExecCmdStr&) {},
                   [&](auto& display) {
                     if (host_) return show(display);
                     if (early_.size() < kMaxEarlyMessages) early_.emplace_back(std::move(display));
                   },
               },
               m);
  }

  void bad(const char* what) {
    log("relay: tmate host %s: %s; message dropped\n", who().c_str(), what);
    if (++bad_ > kMaxBadMessages) end("too many malformed messages");
  }

  template <typename M>
  void show(const M& m) {
    TmateScreen& s = host_->screen();
    if constexpr (std::is_same_v<M, out::SyncLayout>) s.layout(m);
    if constexpr (std::is_same_v<M, out::PtyData>) s.pty_data(m.pane, m.bytes);
    if constexpr (std::is_same_v<M, out::Status>) s.status(m);
    if constexpr (std::is_same_v<M, out::SyncCopyMode>) s.copy_mode(m);
    if constexpr (std::is_same_v<M, out::WriteCopyMode>) s.write_copy_mode(m.pane, m.line);
    if constexpr (std::is_same_v<M, out::Snapshot>) s.snapshot(m);
    host_->changed();
  }

  // Replicated tmux commands: the key bindings mates' keys go through, and the
  // mates' allow-list.
  void command(const std::vector<std::string>& argv) {
    if (host_) {
      host_->keys().command(argv);
    } else {
      keys_table_.command(argv);
    }
    if (argv.empty() || (argv[0] != "set-option" && argv[0] != "set")) return;
    const std::string& last = argv.back();
    if (argv.size() >= 3 && argv[argv.size() - 2] == "tmate-authorized-keys") {
      restricted_ = true;
      keys_.clear();
    } else if (argv.size() >= 3 && argv[argv.size() - 2] == "tmate-set" && last.rfind("authorized_keys=", 0) == 0) {
      restricted_ = true;
      const std::string fp = fingerprint_of(std::string_view(last).substr(16));
      if (fp.empty()) {
        log("relay: tmate host %s: an authorized key it sent cannot be read; ignored\n", who().c_str());
      } else {
        keys_.insert(fp);
      }
    } else if (argv.size() >= 3 && (argv[argv.size() - 2] == "tmate-session-name" ||
                                    argv[argv.size() - 2] == "tmate-session-name-ro")) {
      named_ = true;
    }
  }

  void ready() {
    if (host_) return;
    SessionOptions options;
    options.name = "a tmate host";
    options.history = service_.options_.history;
    options.allowed_keys = keys_;
    if (restricted_ && keys_.empty()) {
      // tmate -a with no readable key: nobody could join; say so rather than open it.
      send(in::encode(in::Notify{"tandem: none of the authorized keys could be read; mates cannot join"}));
    }
    Host* host = nullptr;
    bool back = false;
    if (!reconnect_.empty()) {
      host = service_.reattach(reconnect_, options, &back);
      if (!host) log("relay: tmate host %s: its reconnection data is not this relay's; a new session\n", who().c_str());
    }
    if (!host) {
      const std::string ip = caller_.connection().ip();
      if (service_.directory_.sessions_from(ip) >= service_.options_.sessions_per_address) {
        send(in::encode(in::Notify{"tandem: this address has too many sessions on this relay; end one first"}));
        return end("too many sessions from " + ip);
      }
      host = &service_.add_host(service_.directory_.create_tmate_session(options));
      host->session().set_host_ip(ip);
      log("relay: session %s: a tmate host from %s\n", short_id(host->session().id()).c_str(), ip.c_str());
    } else {
      host->session().set_options(options);
    }
    if (Channel* old = host->channel()) old->replaced();
    host_ = host;
    host->keys() = keys_table_;  // a host coming back replays every command: its table is whole
    link_host_ = service_.options_.public_host.empty() ? caller_.connection().local_host()
                                                       : service_.options_.public_host;
    if (link_host_.find(':') != std::string::npos && link_host_.front() != '[') link_host_ = "[" + link_host_ + "]";
    host->session().set_link_host(link_host_);
    introduce(back);
    host->attach(this);
    for (out::Message& m : early_) {
      std::visit(overloaded{[&](out::SyncLayout& l) { show(l); }, [&](out::PtyData& d) { show(d); },
                            [&](out::Status& s) { show(s); }, [&](out::SyncCopyMode& c) { show(c); },
                            [&](out::WriteCopyMode& w) { show(w); }, [&](out::Snapshot& s) { show(s); },
                            [](auto&) {}},
                 m);
    }
    early_.clear();
  }

  // The links, as tmate shows them (show-messages, #{tmate_ssh}, wait tmate-ready).
  void introduce(bool back) {
    Session& s = host_->session();
    const Links l = service_.directory_.links(s, link_host_);
    auto both = [&](const std::string& name, const std::string& label, const std::string& value) {
      if (value.empty()) return;
      send(in::encode(in::Notify{label + ": " + value}));
      send(in::encode(in::SetEnv{name, value}));
    };
    if (back) send(in::encode(in::Notify{"Reconnected: the links are the same"}));
    if (named_) send(in::encode(in::Notify{"Named sessions are not supported by this relay; the links are random"}));
    send(in::encode(in::Notify{"Note: clear your terminal before sharing readonly access"}));
    both("tmate_ssh_ro", "ssh session read only", l.ssh_ro);
    both("tmate_ssh", "ssh session", l.ssh_rw);
    both("tandem_join_ro", "tandem session read only", "tandem join " + l.join_ro);
    both("tandem_join", "tandem session", "tandem join " + l.join_rw);
    both("tmate_web_ro", "web session read only", l.web_ro);  // tmate's names: #{tmate_web} works
    both("tmate_web", "web session", l.web_rw);
    send(in::encode(in::SetEnv{"tmate_reconnection_data", service_.reconnection_data(s)}));
    send(in::encode(in::Ready{}));
  }

  TmateService& service_;
  Caller& caller_;
  tmate::MsgpackFramer framer_;
  Host* host_ = nullptr;
  bool header_ = false, done_ = false, restricted_ = false, named_ = false;
  int bad_ = 0;
  std::set<std::string> keys_;
  KeyTable keys_table_;  // the bindings sent before READY
  std::string reconnect_;
  std::string link_host_;
  std::vector<out::Message> early_;
};

void TmateService::Host::attach(Channel* channel) {
  channel_ = channel;
  lost_at_ = 0;
  send_size();
  if (!pending_.empty()) send_raw(std::exchange(pending_, {}));
}

void TmateService::Host::send(const in::Message& m) { send_raw(in::encode(m)); }

bool TmateService::Host::room() const { return channel_ && channel_->outbound() < kMaxOutbound; }

void TmateService::Host::send_raw(std::string_view bytes) {
  if (channel_ && !bytes.empty()) channel_->send(bytes);
}

// ---- The service.

TmateService::TmateService(event_base* base, TmateDirectory& directory, const Secret& secret, TmateOptions options)
    : base_(base), directory_(directory), secret_(secret), options_(std::move(options)) {}

TmateService::~TmateService() {
  for (auto& [caller, channel] : channels_) channel->forget_host();
}

std::string_view TmateService::service_user() const { return tmate::kHostUser; }

bool TmateService::open(Caller& caller) {
  channels_[&caller] = std::make_unique<Channel>(*this, caller);
  return true;
}

void TmateService::data(Caller& caller, std::string_view bytes) {
  auto it = channels_.find(&caller);
  if (it != channels_.end()) it->second->data(bytes);
}

void TmateService::drained(Caller& caller) {
  auto it = channels_.find(&caller);
  if (it != channels_.end() && it->second->host()) it->second->host()->session().input_room();
}

void TmateService::closed(Caller& caller) {
  auto it = channels_.find(&caller);
  if (it == channels_.end()) return;
  if (Host* h = it->second->host()) {
    log("relay: session %s: the tmate host's connection closed; waiting for it\n", short_id(h->session().id()).c_str());
  }
  channels_.erase(it);
}

std::optional<std::chrono::milliseconds> TmateService::host_silence(const std::string& id, uint64_t now_ms) const {
  auto it = hosts_.find(id);
  if (it == hosts_.end()) return std::nullopt;
  const uint64_t lost = it->second->lost_at();
  return std::chrono::milliseconds(lost == 0 || now_ms < lost ? 0 : now_ms - lost);
}

void TmateService::forget(const std::string& id) {
  auto it = hosts_.find(id);
  if (it == hosts_.end()) return;
  if (Channel* c = it->second->channel()) c->forget_host();
  it->second->session().set_host(HostEvents{});  // nothing reaches the host from here on
  hosts_.erase(it);
}

void TmateService::forget_all() {
  while (!hosts_.empty()) forget(hosts_.begin()->first);
}

TmateService::Host& TmateService::add_host(Session& s) {
  auto host = std::make_unique<Host>(*this, s);
  Host& ref = *host;
  hosts_[s.id()] = std::move(host);
  return ref;
}

namespace {

std::string reconnection_mac(const Secret& secret, const std::string& id, const std::string& rw, const std::string& ro) {
  const std::string text = std::string("tmate-reconnect") + '\0' + id + '\0' + rw + '\0' + ro;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(text.data()), text.size(), secret.data());
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

}  // namespace

std::string TmateService::reconnection_data(const Session& s) const {
  return std::string(kReconnectPrefix) + ":" + s.id() + ":" + s.rw_token() + ":" + s.ro_token() + ":" +
         reconnection_mac(secret_, s.id(), s.rw_token(), s.ro_token());
}

TmateService::Host* TmateService::reattach(const std::string& data, const SessionOptions& options, bool* back) {
  std::vector<std::string> parts;
  size_t from = 0;
  while (parts.size() < 6) {
    const size_t colon = data.find(':', from);
    parts.push_back(data.substr(from, colon == std::string::npos ? std::string::npos : colon - from));
    if (colon == std::string::npos) break;
    from = colon + 1;
  }
  if (parts.size() != 5 || parts[0] != kReconnectPrefix) return nullptr;
  const std::string &id = parts[1], &rw = parts[2], &ro = parts[3];
  const std::string expected = reconnection_mac(secret_, id, rw, ro);
  if (expected.size() != parts[4].size() || sodium_memcmp(expected.data(), parts[4].data(), expected.size()) != 0) {
    return nullptr;
  }
  if (Session* s = directory_.find(id)) {
    auto it = hosts_.find(id);
    if (s->ended() || it == hosts_.end() || s->rw_token() != rw || s->ro_token() != ro) return nullptr;
    *back = true;
    log("relay: session %s: the tmate host is back\n", short_id(id).c_str());
    return it->second.get();
  }
  // The relay restarted: the session comes back with its tokens, if nobody took them.
  if (directory_.token_in_use(rw) || directory_.token_in_use(ro)) return nullptr;
  *back = true;
  log("relay: session %s: restored for its tmate host\n", short_id(id).c_str());
  return &add_host(directory_.create(id, rw, ro, options));
}

}  // namespace tandem::relay
