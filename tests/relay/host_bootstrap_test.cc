// A host's bootstrap with a relay: sessions made, resumed (also after the relay
// restarted) and refused. The relay runs on this thread's event loop; the host's
// blocking SSH client on a thread of its own, over loopback.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "relay/relay.h"
#include "src/bootstrap_client.h"
#include "statesync/host_state.h"
#include "statesync/input_state.h"
#include "statesync/screen/terminal.h"
#include "statesync/sync_endpoints.h"

namespace tandem {
namespace {

class RelayBootstrap : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tandem-relay-test-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    home_ = dir;
    setenv("HOME", dir, 1);  // the host's own key is made here
    unsetenv("XDG_CONFIG_HOME");
    base_ = transport::make_event_base();
    secret_.fill(7);
    open_relay();
  }
  void TearDown() override {
    relay_.reset();
    std::filesystem::remove_all(home_);
  }

  void open_relay(relay::NativeLimits natives = {}) {
    relay_.reset();
    relay::RelayOptions o;
    o.natives = natives;
    o.ssh_listen = *transport::Address::parse("127.0.0.1:0");
    o.udp_listen = *transport::Address::parse("127.0.0.1:0");
    o.secret = secret_;
    std::string error;
    relay_ = relay::Relay::open(base_.get(), o, &error);
    ASSERT_TRUE(relay_) << error;
  }

  proto::HostHello hello() const {
    proto::HostHello h;
    h.set_version(kBootstrapVersion);
    h.set_cols(80);
    h.set_rows(24);
    h.set_session_name("ann@laptop");
    h.set_relay_host("127.0.0.1");
    return h;
  }

  static void resume_from(proto::HostHello& h, const proto::HostAccept& a) {
    proto::Resume* r = h.mutable_resume();
    r->set_session_id(a.accepted().session_id());
    r->set_rw_token(a.accepted().rw_token());
    r->set_ro_token(a.accepted().ro_token());
    r->set_secret(a.accepted().resume_secret());
    r->set_previous_link_id(a.accepted().link_id());
  }

  // Runs a blocking client call on a thread while the relay's loop runs here; bounded.
  template <class Call>
  auto on_thread(Call call) {
    decltype(call()) result;
    std::atomic<bool> done{false};
    std::thread client([&] {
      result = call();
      done = true;
    });
    for (int i = 0; i < 4000 && !done; ++i) transport::run_loop_for(base_.get(), std::chrono::milliseconds(5));
    client.join();
    return result;
  }

  // A host's bootstrap.
  std::optional<proto::HostAccept> ask(const proto::HostHello& h, const std::string& identity = "") {
    RelayAddress where{"127.0.0.1", relay_->ssh_port(), relay_->fingerprint(), identity};
    return on_thread([&] { return host_bootstrap(where, h, &error_); });
  }

  // A native mate's bootstrap.
  std::optional<proto::JoinAccept> join(const std::string& token, uint64_t previous_link_id = 0) {
    JoinLink link{token, "127.0.0.1", relay_->ssh_port(), relay_->fingerprint()};
    return on_thread([&] { return join_bootstrap(link, &error_, previous_link_id, &why_); });
  }
  void run_for(std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) transport::run_loop_for(base_.get(), std::chrono::milliseconds(5));
  }

  std::string home_;
  transport::EventBasePtr base_;
  relay::Secret secret_;
  std::unique_ptr<relay::Relay> relay_;
  std::string error_;
  JoinFailure why_ = JoinFailure::kNone;
};

TEST_F(RelayBootstrap, NewSessionGetsTokensLinksAndAKey) {
  auto a = ask(hello());
  ASSERT_TRUE(a) << error_;
  ASSERT_EQ(a->refusal(), "");
  EXPECT_EQ(a->accepted().rw_token().size(), 32u);
  EXPECT_EQ(a->accepted().ro_token().size(), 32u);
  EXPECT_NE(a->accepted().rw_token(), a->accepted().ro_token());
  const std::string port = std::to_string(relay_->ssh_port());
  EXPECT_EQ(a->accepted().links().ssh_rw(), "ssh -p " + port + " " + a->accepted().rw_token() + "@127.0.0.1");
  EXPECT_EQ(a->accepted().links().ssh_ro(), "ssh -p " + port + " " + a->accepted().ro_token() + "@127.0.0.1");
  EXPECT_EQ(a->accepted().links().join_ro(), "tandem://" + a->accepted().ro_token() + "@127.0.0.1:" + port + "#" + relay_->fingerprint());
  EXPECT_EQ(a->accepted().links().udp_port(), relay_->udp_port());
  EXPECT_EQ(a->accepted().link_key().size(), 32u);
  EXPECT_EQ(a->accepted().outcome(), proto::NEW_SESSION);
  EXPECT_EQ(relay_->sessions(), 1u);
  // The host's key was made for it, private.
  EXPECT_EQ(std::filesystem::status(home_ + "/.config/tandem/id_ed25519").permissions() &
                std::filesystem::perms::group_all,
            std::filesystem::perms::none);
}

TEST_F(RelayBootstrap, ReadOnlyOnlySessionHasNoReadWriteToken) {
  proto::HostHello h = hello();
  h.set_read_only_only(true);
  auto a = ask(h);
  ASSERT_TRUE(a) << error_;
  EXPECT_EQ(a->accepted().rw_token(), "");
  EXPECT_EQ(a->accepted().links().ssh_rw(), "");
  EXPECT_EQ(a->accepted().links().join_rw(), "");
  EXPECT_EQ(a->accepted().ro_token().size(), 32u);
}

TEST_F(RelayBootstrap, ResumeKeepsTheSessionAndItsLink) {
  auto first = ask(hello());
  ASSERT_TRUE(first) << error_;
  proto::HostHello again = hello();
  resume_from(again, *first);
  auto second = ask(again);
  ASSERT_TRUE(second) << error_;
  ASSERT_EQ(second->refusal(), "");
  EXPECT_NE(second->accepted().outcome(), proto::NEW_SESSION);
  EXPECT_EQ(second->accepted().outcome(), proto::SAME_LINK);
  EXPECT_EQ(second->accepted().link_id(), first->accepted().link_id());
  EXPECT_EQ(second->accepted().rw_token(), first->accepted().rw_token());
  EXPECT_EQ(second->accepted().ro_token(), first->accepted().ro_token());
  EXPECT_EQ(relay_->sessions(), 1u);
  // A link the host does not know of is replaced by a fresh one.
  again.mutable_resume()->set_previous_link_id(first->accepted().link_id() + 1);
  auto third = ask(again);
  ASSERT_TRUE(third) << error_;
  EXPECT_EQ(third->accepted().outcome(), proto::NEW_LINK);
  EXPECT_NE(third->accepted().link_id(), first->accepted().link_id());
  EXPECT_EQ(third->accepted().link_key().size(), 32u);
}

TEST_F(RelayBootstrap, RestartedRelayRestoresTheSameTokens) {
  auto first = ask(hello());
  ASSERT_TRUE(first) << error_;
  open_relay();  // a new relay process, same state directory: same secret
  ASSERT_EQ(relay_->sessions(), 0u);
  proto::HostHello again = hello();
  resume_from(again, *first);
  auto back = ask(again);
  ASSERT_TRUE(back) << error_;
  ASSERT_EQ(back->refusal(), "");
  EXPECT_EQ(back->accepted().outcome(), proto::RESTORED);
  EXPECT_EQ(back->accepted().session_id(), first->accepted().session_id());
  EXPECT_EQ(back->accepted().rw_token(), first->accepted().rw_token());
  EXPECT_EQ(back->accepted().ro_token(), first->accepted().ro_token());
  EXPECT_EQ(relay_->sessions(), 1u);
}

TEST_F(RelayBootstrap, ForgedOrForeignResumesAreRefused) {
  auto first = ask(hello());
  ASSERT_TRUE(first) << error_;
  open_relay();
  proto::HostHello forged = hello();
  resume_from(forged, *first);
  std::string secret = first->accepted().resume_secret();
  secret[0] ^= 1;
  forged.mutable_resume()->set_secret(secret);
  auto a = ask(forged);
  ASSERT_TRUE(a) << error_;
  EXPECT_NE(a->refusal(), "");
  proto::HostHello other_tokens = hello();
  resume_from(other_tokens, *first);
  other_tokens.mutable_resume()->set_rw_token(std::string(32, 'a'));
  auto b = ask(other_tokens);
  ASSERT_TRUE(b) << error_;
  EXPECT_NE(b->refusal(), "");
  EXPECT_EQ(relay_->sessions(), 0u);

  // Someone else's key cannot take the session over, restored or live.
  ssh_key key = nullptr;
  ASSERT_EQ(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key), SSH_OK);
  const std::string other_key = home_ + "/other_key";
  ASSERT_EQ(ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, other_key.c_str()), SSH_OK);
  ssh_key_free(key);
  proto::HostHello stolen = hello();
  resume_from(stolen, *first);
  auto c = ask(stolen, other_key);
  ASSERT_TRUE(c) << error_;
  EXPECT_NE(c->refusal(), "");
  auto mine = ask(stolen);  // the right key restores it...
  ASSERT_TRUE(mine) << error_;
  ASSERT_EQ(mine->refusal(), "");
  auto d = ask(stolen, other_key);  // ...and the live session is not another key's either
  ASSERT_TRUE(d) << error_;
  EXPECT_NE(d->refusal(), "");
}

// Findings 1 and 5 of the relay probe: native links were handed out without limit,
// and one nobody ever spoke on stayed (and cost CPU) until the session ended.
TEST_F(RelayBootstrap, NativeLinksAreCappedAndOnesNobodyUsesAreLetGo) {
  relay::NativeLimits limits;
  limits.unheard = std::chrono::milliseconds(300);
  limits.per_session = 2;
  open_relay(limits);
  relay::Session& s = relay_->create_session(relay::SessionOptions{}, HostEvents{});
  s.publish(screen::initial_screen());
  ASSERT_TRUE(join(s.ro_token())) << error_;
  ASSERT_TRUE(join(s.ro_token())) << error_;
  EXPECT_EQ(relay_->links(), 2u);
  EXPECT_FALSE(join(s.ro_token()));
  EXPECT_NE(error_.find("as many native mates as the relay allows"), std::string::npos) << error_;
  EXPECT_EQ(relay_->links(), 2u);
  // Nobody ever speaks on them: let go at their deadline (freed by the next sweep).
  for (int i = 0; i < 60 && relay_->links() > 0; ++i) run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(relay_->links(), 0u);
  EXPECT_TRUE(join(s.ro_token())) << error_;  // room again
}

TEST_F(RelayBootstrap, AMateAskingAgainKeepsTheLinkTheRelayStillHas) {
  relay::Session& s = relay_->create_session(relay::SessionOptions{}, HostEvents{});
  s.publish(screen::initial_screen());
  auto first = join(s.rw_token());
  ASSERT_TRUE(first) << error_;
  EXPECT_FALSE(first->same_link());
  EXPECT_FALSE(first->relay_ends_with_host());
  auto again = join(s.rw_token(), first->link_id());
  ASSERT_TRUE(again) << error_;
  EXPECT_TRUE(again->same_link());
  EXPECT_EQ(again->link_id(), first->link_id());
  EXPECT_EQ(again->link_key(), "");
  EXPECT_EQ(relay_->links(), 1u);
  // Another role's token, or a link the relay does not have: a fresh link.
  auto other = join(s.ro_token(), first->link_id());
  ASSERT_TRUE(other) << error_;
  EXPECT_FALSE(other->same_link());
  auto unknown = join(s.rw_token(), first->link_id() + 1);
  ASSERT_TRUE(unknown) << error_;
  EXPECT_FALSE(unknown->same_link());
  EXPECT_EQ(unknown->link_key().size(), 32u);
  EXPECT_EQ(relay_->links(), 3u);
}

TEST_F(RelayBootstrap, AMateTellsAnUnknownSessionFromARelayThatIsGone) {
  relay::Session& s = relay_->create_session(relay::SessionOptions{}, HostEvents{});
  s.publish(screen::initial_screen());
  auto known = join(s.rw_token());
  ASSERT_TRUE(known) << error_;
  EXPECT_EQ(why_, JoinFailure::kNone);
  EXPECT_FALSE(join(std::string(32, 'a')));
  EXPECT_EQ(why_, JoinFailure::kNotAdmitted) << error_;
  const uint16_t port = relay_->ssh_port();
  const std::string fingerprint = relay_->fingerprint();
  const std::string token = s.rw_token();  // the session goes with the relay
  relay_.reset();
  JoinLink link{token, "127.0.0.1", port, fingerprint};
  EXPECT_FALSE(join_bootstrap(link, &error_, known->link_id(), &why_));
  EXPECT_EQ(why_, JoinFailure::kConnectionRefused) << error_;
}

TEST_F(RelayBootstrap, AnEmbeddedRelayTellsMatesItEndsWithItsHost) {
  relay_.reset();
  relay::RelayOptions o;
  o.ssh_listen = o.udp_listen = *transport::Address::parse("127.0.0.1:0");
  o.ends_with_host = true;
  std::string error;
  relay_ = relay::Relay::open(base_.get(), o, &error);
  ASSERT_TRUE(relay_) << error;
  relay::Session& s = relay_->create_session(relay::SessionOptions{}, HostEvents{});
  auto a = join(s.ro_token());
  ASSERT_TRUE(a) << error_;
  EXPECT_TRUE(a->relay_ends_with_host());
  EXPECT_TRUE(a->read_only());
}

TEST_F(RelayBootstrap, AnotherVersionIsToldSo) {
  proto::HostHello h = hello();
  h.set_version(kBootstrapVersion + 1);
  auto a = ask(h);
  ASSERT_TRUE(a) << error_;
  EXPECT_NE(a->refusal().find("version"), std::string::npos) << a->refusal();
  EXPECT_EQ(relay_->sessions(), 0u);
}

// A host's link as RemoteBackend has it: its screen and controls out, the relay's
// events in, on this thread's loop.
class HostEnd {
 public:
  using State = statesync::HostState<screen::ScreenState>;
  using Link = statesync::ClientSync<State, statesync::InputState>;
  HostEnd(event_base* base, uint16_t udp_port, const proto::Accepted& a) {
    transport::LinkKey key;
    std::copy(a.link_key().begin(), a.link_key().end(), key.begin());
    std::string error;
    link = Link::open(base, *transport::Address::parse("127.0.0.1:" + std::to_string(udp_port)), key, a.link_id(),
                      State{screen::initial_screen(), {}}, statesync::InputState(), 0, {}, &error);
    link->sync().set_on_incoming([this] {
      for_each_new(link->sync().incoming_mutable(), consumed, [this](const statesync::InputEvent& e) {
        events.push_back(e);
        // --approve: every mate that asks is admitted.
        if (const auto* a = std::get_if<statesync::Approval>(&e); a && !a->withdrawn) {
          controls.decisions.push_back(statesync::Decision{a->ticket, true});
          send();
        }
      });
    });
    send();
  }
  void send() { link->sync().set_outgoing(State{screen, controls}); }
  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const statesync::InputEvent& e : events) {
      if (const auto* x = std::get_if<T>(&e)) out.push_back(*x);
    }
    return out;
  }

  std::unique_ptr<Link> link;
  screen::ScreenState screen = screen::initial_screen();
  statesync::HostControls controls;
  std::vector<statesync::InputEvent> events;
  uint64_t consumed = 0;
};

TEST_F(RelayBootstrap, AHostsControlsAreCarriedOutOnceAndAnswered) {
  proto::HostHello h = hello();
  h.set_approve(true);
  auto a = ask(h);
  ASSERT_TRUE(a && a->has_accepted()) << error_;
  EXPECT_TRUE(a->accepted().controls());  // this relay obeys them
  HostEnd host(base_.get(), relay_->udp_port(), a->accepted());
  auto until = [&](auto done) {
    for (int i = 0; i < 400 && !done(); ++i) run_for(std::chrono::milliseconds(5));
    return done();
  };

  // New tokens: the old ones admit no one, the new ones do (a mate the host admits).
  host.controls.rotation = 1;
  host.send();
  ASSERT_TRUE(until([&] { return !host.all<statesync::NewTokens>().empty(); }));
  const statesync::NewTokens t = host.all<statesync::NewTokens>()[0];
  EXPECT_EQ(t.rotation, 1u);
  EXPECT_NE(t.ro_token, a->accepted().ro_token());
  EXPECT_NE(t.rw_token, a->accepted().rw_token());
  EXPECT_EQ(t.resume_secret.size(), 32u);
  EXPECT_NE(t.ssh_ro.find(t.ro_token + "@127.0.0.1"), std::string::npos) << t.ssh_ro;
  EXPECT_FALSE(join(a->accepted().ro_token()));
  auto admitted = join(t.ro_token);
  ASSERT_TRUE(admitted) << error_;
  EXPECT_EQ(host.all<statesync::Approval>().size(), 1u);

  // A removal: done once and answered, however often the controls come again.
  host.controls.kicks.push_back(statesync::Kick{1, "127.0.0.1:1", Via::kNative});
  host.send();
  ASSERT_TRUE(until([&] { return !host.all<statesync::KickDone>().empty(); }));
  EXPECT_EQ(host.all<statesync::KickDone>()[0], (statesync::KickDone{1, false}));  // no such mate
  host.screen = screen::Terminal(80, 24).state();  // the same controls with a new screen
  host.send();
  run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(host.all<statesync::KickDone>().size(), 1u);
  EXPECT_EQ(host.all<statesync::NewTokens>().size(), 1u);

  // A host that lost its link before it heard of the new tokens resumes with the old
  // ones, and is given the new ones.
  proto::HostHello again = hello();
  resume_from(again, *a);
  auto back = ask(again);
  ASSERT_TRUE(back && back->has_accepted()) << error_ << (back ? back->refusal() : "");
  EXPECT_EQ(back->accepted().session_id(), a->accepted().session_id());
  EXPECT_EQ(back->accepted().ro_token(), t.ro_token);
}

}  // namespace
}  // namespace tandem
