// The host bootstrap's decisions without sockets: new sessions, resumes on the same
// or a new link, restores after a restart, and refusals in words.
#include "relay/bootstrap_service.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "relay/log.h"
#include "tests/relay/fake_directory.h"

namespace tandem::relay {
namespace {

class BootstrapServiceTest : public ::testing::Test {
 protected:
  static Secret secret() {
    Secret s;
    s.fill(9);
    return s;
  }
  static proto::HostHello hello() {
    proto::HostHello h;
    h.set_version(kBootstrapVersion);
    h.set_session_name("ann@laptop");
    h.set_relay_host("relay.example.org");
    return h;
  }
  static proto::HostHello resume_from(const proto::Accepted& a) {
    proto::HostHello h = hello();
    proto::Resume* r = h.mutable_resume();
    r->set_session_id(a.session_id());
    r->set_rw_token(a.rw_token());
    r->set_ro_token(a.ro_token());
    r->set_secret(a.resume_secret());
    r->set_previous_link_id(a.link_id());
    return h;
  }
  proto::HostAccept ask(const proto::HostHello& h, const std::string& key = "SHA256:host") {
    return service.host_request(HostCaller{key, "127.0.0.1:1", "127.0.0.1"}, h.SerializeAsString());
  }
  testing::FakeDirectory directory;
  BootstrapService service{directory, secret(), ""};
};

TEST_F(BootstrapServiceTest, ANewSessionHasTokensLinksAndALinkKey) {
  proto::HostAccept a = ask(hello());
  ASSERT_TRUE(a.has_accepted()) << a.refusal();
  const proto::Accepted& ok = a.accepted();
  EXPECT_EQ(ok.outcome(), proto::NEW_SESSION);
  EXPECT_EQ(ok.rw_token().size(), 32u);
  EXPECT_EQ(ok.links().ssh_ro(), "ssh -p 2222 " + ok.ro_token() + "@relay.example.org");
  EXPECT_EQ(ok.link_key().size(), 32u);
  EXPECT_EQ(directory.sessions(), 1u);
}

TEST_F(BootstrapServiceTest, ResumingKeepsTheLinkTheHostStillHasOrGivesANewOne) {
  const proto::Accepted first = ask(hello()).accepted();
  proto::HostAccept same = ask(resume_from(first));
  ASSERT_TRUE(same.has_accepted());
  EXPECT_EQ(same.accepted().outcome(), proto::SAME_LINK);
  EXPECT_EQ(same.accepted().link_id(), first.link_id());
  EXPECT_TRUE(same.accepted().link_key().empty());
  proto::HostHello other = resume_from(first);
  other.mutable_resume()->set_previous_link_id(first.link_id() + 100);  // a link it never learnt of
  proto::HostAccept fresh = ask(other);
  EXPECT_EQ(fresh.accepted().outcome(), proto::NEW_LINK);
  EXPECT_NE(fresh.accepted().link_id(), first.link_id());
  EXPECT_EQ(fresh.accepted().ro_token(), first.ro_token());
  EXPECT_EQ(directory.sessions(), 1u);
}

// `tandem rotate` through this relay: a host whose link was lost before it heard of
// the new tokens has only the old ones; they bring it back (with the new ones), once.
TEST_F(BootstrapServiceTest, AHostThatMissedARotationResumesWithTheTokensBeforeIt) {
  const proto::Accepted first = ask(hello()).accepted();
  EXPECT_TRUE(first.controls());  // this relay carries out the host's controls
  relay::Session& s = *directory.find(first.session_id());
  s.set_tokens(new_token(), new_token());
  proto::HostAccept back = ask(resume_from(first));
  ASSERT_TRUE(back.has_accepted()) << back.refusal();
  EXPECT_EQ(back.accepted().ro_token(), s.ro_token());
  EXPECT_EQ(back.accepted().rw_token(), s.rw_token());
  EXPECT_EQ(back.accepted().links().ssh_ro(), "ssh -p 2222 " + s.ro_token() + "@relay.example.org");
  // Two rotations on, the first tokens are nobody's.
  s.set_tokens(new_token(), new_token());
  EXPECT_TRUE(ask(resume_from(first)).has_refusal());
  EXPECT_TRUE(ask(resume_from(back.accepted())).has_accepted());
}

TEST_F(BootstrapServiceTest, ARestartedRelayRestoresTheSameTokensForTheSameKeyOnly) {
  const proto::Accepted first = ask(hello()).accepted();
  directory.forget();
  EXPECT_TRUE(ask(resume_from(first), "SHA256:someone-else").has_refusal());
  proto::HostAccept back = ask(resume_from(first));
  ASSERT_TRUE(back.has_accepted()) << back.refusal();
  EXPECT_EQ(back.accepted().outcome(), proto::RESTORED);
  EXPECT_EQ(back.accepted().rw_token(), first.rw_token());
  EXPECT_EQ(back.accepted().links().ssh_rw(), first.links().ssh_rw());
}

TEST_F(BootstrapServiceTest, ForgedSecretsOtherVersionsAndGarbageAreRefusedInWords) {
  const proto::Accepted first = ask(hello()).accepted();
  directory.forget();
  proto::HostHello forged = resume_from(first);
  forged.mutable_resume()->set_secret(std::string(32, 'x'));
  EXPECT_EQ(ask(forged).refusal(), "this relay does not know that session");
  proto::HostHello old = hello();
  old.set_version(kBootstrapVersion - 1);
  EXPECT_NE(ask(old).refusal().find("use a tandem of the same release"), std::string::npos);
  EXPECT_EQ(service.host_request(HostCaller{"SHA256:host", "x", "x"}, "\xff\xff\xff").refusal(), "malformed request");
  EXPECT_EQ(service.host_request(HostCaller{"", "x", "x"}, hello().SerializeAsString()).refusal(),
            "the relay could not read your key");
}

// Finding 10 of the relay probe: anyone with a throwaway key could make sessions
// without end (each lingering an hour).
TEST_F(BootstrapServiceTest, OneKeyAndOneAddressHaveOnlySoManySessions) {
  BootstrapService small(directory, secret(), "", BootstrapLimits{3, 5});
  auto ask_as = [&](const std::string& key, const std::string& ip) {
    return small.host_request(HostCaller{key, ip + ":1", ip}, hello().SerializeAsString());
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ask_as("SHA256:one", "10.0.0.1").has_accepted());
  const proto::HostAccept fourth = ask_as("SHA256:one", "10.0.0.1");
  ASSERT_TRUE(fourth.has_refusal());
  EXPECT_NE(fourth.refusal().find("this key has 3 sessions"), std::string::npos) << fourth.refusal();
  // Other keys from the same address, up to its own limit.
  EXPECT_TRUE(ask_as("SHA256:two", "10.0.0.1").has_accepted());
  EXPECT_TRUE(ask_as("SHA256:three", "10.0.0.1").has_accepted());
  EXPECT_NE(ask_as("SHA256:four", "10.0.0.1").refusal().find("your address has 5 sessions"), std::string::npos);
  EXPECT_TRUE(ask_as("SHA256:four", "10.0.0.2").has_accepted());
  // An ended session frees its place.
  directory.find(directory.any_id_of("SHA256:one"))->end("bye", 0);
  EXPECT_TRUE(ask_as("SHA256:one", "10.0.0.3").has_accepted());
}

TEST_F(BootstrapServiceTest, AHostBackForTheSessionItJustEndedGetsItAgainWithTheSameTokens) {
  const proto::Accepted first = ask(hello()).accepted();
  directory.find(first.session_id())->end("bye", 0);
  const proto::HostAccept again = ask(resume_from(first));
  ASSERT_TRUE(again.has_accepted()) << again.refusal();
  EXPECT_EQ(again.accepted().outcome(), proto::RESTORED);
  EXPECT_EQ(again.accepted().rw_token(), first.rw_token());
  EXPECT_EQ(again.accepted().ro_token(), first.ro_token());
  EXPECT_EQ(directory.sessions(), 1u);
  EXPECT_FALSE(directory.find(first.session_id())->ended());
  // Not for another key: the ended session stays as it is.
  directory.find(first.session_id())->end("bye", 0);
  const proto::HostAccept foreign = ask(resume_from(first), "SHA256:other");
  ASSERT_TRUE(foreign.has_refusal());
  EXPECT_TRUE(directory.find(first.session_id())->ended());
}

TEST_F(BootstrapServiceTest, WhatTheCallerSaysIsLoggedPrintableAndBounded) {
  proto::HostHello h = hello();
  h.set_client_version("tandem 9\n2026-01-01 relay: forged line\x1b[31m" + std::string(10000, 'x'));
  enable_log(true);
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(ask(h).has_accepted());  // the session is made all the same
  const std::string logged = ::testing::internal::GetCapturedStderr();
  enable_log(false);
  EXPECT_EQ(std::count(logged.begin(), logged.end(), '\n'), 1) << logged;  // one line, not a forged second
  EXPECT_EQ(logged.find('\x1b'), std::string::npos);
  EXPECT_LT(logged.size(), 600u);
}

}  // namespace
}  // namespace tandem::relay
