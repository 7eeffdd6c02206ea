// The host bootstrap's decisions without sockets: new sessions, resumes on the same
// or a new link, restores after a restart, and refusals in words.
#include "relay/bootstrap_service.h"

#include <gtest/gtest.h>

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
    return service.host_request(key, "127.0.0.1:1", h.SerializeAsString());
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
  EXPECT_EQ(service.host_request("SHA256:host", "x", "\xff\xff\xff").refusal(), "malformed request");
  EXPECT_EQ(service.host_request("", "x", hello().SerializeAsString()).refusal(), "the relay could not read your key");
}

}  // namespace
}  // namespace tandem::relay
