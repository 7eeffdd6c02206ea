#include "relay/ssh/front_door.h"

#include "relay/session.h"
#include "relay/ssh/ssh_mate.h"

namespace tandem::relay {

constexpr const char* kKeyBanner =
    "tandem: no session admits this link without an SSH key. Check the link you were given;\r\n"
    "if it is right, the host admits only listed keys, and yours must be one of them.\r\n";

// One connection: a mate (token user), a service user's caller, or a stranger.
class FrontDoor::Peer : public ssh::ConnectionHandler, public Caller {
 public:
  Peer(FrontDoor& door, ssh::Connection& connection)
      : door_(door), connection_(connection), refusal_(door.base_, [this] { refuse(); }) {}

  // ---- Caller
  ssh::Connection& connection() override { return connection_; }
  const Grant& grant() const override { return grant_; }
  const std::string& key() const override { return key_; }
  const std::string& mate_key() const override { return mate_key_; }
  std::string& buffer() override { return buffer_; }

  // ---- ConnectionHandler
  // A token that admits without a key gets in with none. An unknown token and one
  // whose session admits only listed keys are answered alike (no token-validity
  // oracle): a key is asked for, and a banner says why for clients that have none.
  bool auth_none(std::string_view user) override {
    if (!same_user(user)) return false;
    if (Subsystem* s = door_.service_of(user)) {  // a service user proves a key, unless it needs none
      if (!s->admits_without_key()) return false;
      service_ = s;
      return true;
    }
    Grant g = door_.gatekeeper_.authorize(user);
    if (g.role != Role::kNone && !Gatekeeper::wants_key(g)) {
      grant_ = std::move(g);
      return true;
    }
    if (g.role == Role::kNone) count_miss();  // counted here, unseen: the answer is the same
    if (!bannered_) {
      bannered_ = true;
      connection_.banner(kKeyBanner);
    }
    return false;
  }

  // A service user: any key, which then names it. Anyone else proving a key gets in
  // too; only a token whose session admits that key (or any) grants a role, and the
  // others are told in words after a pause, unknown token or unlisted key alike.
  bool auth_key(std::string_view user, const std::string& fingerprint, bool verified) override {
    if (!same_user(user)) return false;
    if (Subsystem* s = door_.service_of(user)) {
      if (verified) {
        service_ = s;
        key_ = fingerprint;
      }
      return true;
    }
    if (!verified) return true;
    Grant g = door_.gatekeeper_.authorize(user);
    const bool admitted = g.role != Role::kNone && (!Gatekeeper::wants_key(g) || Gatekeeper::admits_key(g, fingerprint));
    grant_ = admitted ? std::move(g) : Grant{};
    if (admitted) mate_key_ = fingerprint;
    return true;
  }

  bool shell() override {
    if (service_ || mate_) return false;  // a service user has nothing to watch
    std::shared_ptr<Session> session = grant_.session.lock();
    if (grant_.role == Role::kNone) {
      // Told in plain words, but only after a pause: guessing is slow.
      count_miss();
      refusal_.start(door_.gatekeeper_.failures().refusal_delay(connection_.ip()));
      return true;
    }
    if (!session) {
      connection_.send("[tandem: the session has ended]\r\n");
      connection_.close_after_flush();
      return true;
    }
    if (!session->needs_approval()) {
      enter(*session);
      return true;
    }
    // --approve: the mate waits, told so, until the host answers.
    connection_.send(std::string("tandem: ") + kWaitingForHost + "\r\n");
    const MateInfo who{.who = connection_.peer(),
                       .role = grant_.role,
                       .via = Via::kSsh,
                       .name = mate_key_.empty() ? std::string() : short_fingerprint(mate_key_),
                       .key = mate_key_};
    std::optional<uint64_t> ticket = session->ask_host(who, transport::now_ms(), [this](Verdict v) {
      ticket_.reset();
      admitted(v);
    });
    if (!ticket) {
      connection_.send("tandem: too many mates are waiting to be admitted; try again later\r\n");
      connection_.close_after_flush(1);
      return true;
    }
    ticket_ = *ticket;
    return true;
  }

  bool subsystem(std::string_view name) override {
    auto it = door_.subsystems_.find(name);
    if (it == door_.subsystems_.end() || mate_ || opened_) return false;
    Subsystem* s = it->second.get();
    if (service_) {
      if (s != service_) return false;
    } else if (grant_.role == Role::kNone) {
      count_miss();
      return false;
    }
    if (!s->open(*this)) return false;
    opened_ = s;
    return true;
  }

  size_t data(std::string_view bytes) override {
    if (opened_) {
      opened_->data(*this, bytes);
    } else if (mate_) {
      std::shared_ptr<Session> s = grant_.session.lock();
      // The host is full: a read-write mate's keys wait in libssh, whose window then
      // holds the mate back; they are read when the host has room (SshMate).
      if (s && grant_.role == Role::kReadWrite && !s->ended() && !s->accepts_input()) return 0;
      if (s) s->input(*mate_, bytes);
      if (grant_.role == Role::kReadOnly) mate_->typed_read_only();
    }
    return bytes.size();
  }

  void resized(Size) override {
    if (mate_) mate_->resized();
  }

  void drained() override {
    if (opened_) opened_->drained(*this);
    if (mate_) mate_->drained();
  }

  void closed() override {
    if (opened_) opened_->closed(*this);
    if (ticket_) {
      if (std::shared_ptr<Session> s = grant_.session.lock()) s->withdraw(*ticket_);
      ticket_.reset();
    }
    if (!mate_) return;
    SshMate* mate = mate_;
    mate_ = nullptr;
    mate->set_on_destroy(nullptr);
    mate->detach();
    if (std::shared_ptr<Session> s = grant_.session.lock()) s->leave(*mate);
  }

 private:
  void enter(Session& session) {
    auto mate = std::make_unique<SshMate>(door_.base_, connection_, session, grant_.role);
    if (!mate_key_.empty()) mate->set_identity(short_fingerprint(mate_key_), mate_key_);
    mate->set_on_destroy([this] { mate_ = nullptr; });
    mate_ = mate.get();
    session.join(std::move(mate));
    if (mate_ && !session.ended()) session.resized(*mate_, connection_.pty_size());
  }

  // The host's answer to a waiting mate.
  void admitted(Verdict v) {
    std::shared_ptr<Session> session = grant_.session.lock();
    if (v == Verdict::kAdmitted && session && !session->ended()) {
      enter(*session);
      return;
    }
    const std::string why = v == Verdict::kRefused    ? kHostRefused
                            : v == Verdict::kTimedOut ? "the host did not answer in time; ask the host, then join again"
                                                      : kSessionEnded;
    connection_.send("tandem: " + why + "\r\n");
    connection_.close_after_flush(1);
  }

  // A wrong token counts once per connection, however it shows.
  void count_miss() {
    if (missed_) return;
    missed_ = true;
    door_.miss(connection_.ip());
  }

  // One user name per connection: trying several names on one costs a connection each.
  bool same_user(std::string_view user) {
    if (user_.empty()) user_ = user;
    if (user_ == user) return true;
    door_.miss(connection_.ip());
    connection_.kill();
    return false;
  }

  void refuse() {
    connection_.send(
        "tandem: there is no session with this token that admits you; check the link you were given\r\n"
        "(if the host admits only listed SSH keys, yours must be one of them).\r\n");
    connection_.close_after_flush(1);  // so that `ssh` exits 1, as for any failed login
  }

  FrontDoor& door_;
  ssh::Connection& connection_;
  Grant grant_;
  Subsystem* service_ = nullptr;  // the subsystem whose service user this is
  Subsystem* opened_ = nullptr;   // the subsystem this channel runs
  bool bannered_ = false;
  bool missed_ = false;
  std::string user_;
  std::string key_;
  std::string mate_key_;            // the key a token user proved
  std::optional<uint64_t> ticket_;  // waiting for the host to admit it (--approve)
  std::string buffer_;
  SshMate* mate_ = nullptr;       // owned by the session
  transport::Timer refusal_;
};

FrontDoor::FrontDoor(event_base* base, Gatekeeper::Lookup lookup)
    : base_(base), gatekeeper_(std::move(lookup), transport::now_ms) {}

std::chrono::milliseconds FrontDoor::miss(const std::string& ip) {
  FailureLimiter& f = gatekeeper_.failures();
  f.note_failure(ip);
  const uint64_t now = transport::now_ms();
  if (on_guessing_ && f.total() >= kGuessingAlarm && (alarmed_at_ == 0 || now - alarmed_at_ >= kAlarmEveryMs)) {
    alarmed_at_ = now;
    on_guessing_(f.total());
  }
  return f.refusal_delay(ip);
}

FrontDoor::~FrontDoor() { listener_.reset(); }

std::unique_ptr<FrontDoor> FrontDoor::open(event_base* base, const transport::Address& listen, ssh_key host_key,
                                           ssh_key rsa_key, Gatekeeper::Lookup lookup, ssh::ListenerLimits limits, std::string* error) {
  std::unique_ptr<FrontDoor> door(new FrontDoor(base, std::move(lookup)));
  FrontDoor* raw = door.get();
  door->listener_ = ssh::Listener::open(
      base, listen, host_key, rsa_key,
      [raw](ssh::Connection& c) -> std::unique_ptr<ssh::ConnectionHandler> { return std::make_unique<Peer>(*raw, c); },
      limits, error);
  if (!door->listener_) return nullptr;
  return door;
}

void FrontDoor::add_subsystem(std::string name, std::unique_ptr<Subsystem> subsystem) {
  subsystems_[std::move(name)] = std::move(subsystem);
}

Subsystem* FrontDoor::service_of(std::string_view user) const {
  for (const auto& [name, s] : subsystems_) {
    if (!s->service_user().empty() && s->service_user() == user) return s.get();
  }
  return nullptr;
}

}  // namespace tandem::relay
