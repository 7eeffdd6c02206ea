// A session on the relay with fake mates and a fake host: what reaches the host,
// what each mate is shown, and when the session is over. No sockets, no clock.
#include "relay/session.h"

#include <gtest/gtest.h>

#include "statesync/screen/viewport.h"

#include "statesync/screen/terminal.h"

namespace tandem::relay {
namespace {

struct FakeMate : Mate {
  FakeMate(Role role, std::string who) : role(role), who(std::move(who)) {}
  void show(const screen::ScreenState& screen) override {
    ++frames;
    last = screen;
  }
  void end(const std::string& message) override {
    ended_with = message;
    still_there = false;
  }
  void remove(const std::string& message) override {
    removed_with = message;
    still_there = false;
  }
  MateInfo info() const override { return MateInfo{who, role, Via::kSsh}; }
  bool connected() const override { return still_there; }

  Role role;
  std::string who;
  int frames = 0;
  std::optional<screen::ScreenState> last;
  std::string ended_with, removed_with;
  bool still_there = true;
};

// What the host hears.
struct FakeHost {
  std::string typed;
  std::vector<std::pair<std::string, bool>> mates;  // who, joined
  std::vector<std::optional<Size>> sizes;
  std::vector<std::string> notices;
  std::vector<std::pair<uint64_t, std::string>> asked;  // ticket, who
  std::vector<uint64_t> withdrawn;

  HostEvents events() {
    return HostEvents{[this](std::string_view b) { typed += b; },
                      [this](const MateInfo& m, bool joined) { mates.emplace_back(m.who, joined); },
                      [this](std::optional<Size> s) { sizes.push_back(s); },
                      [this](const std::string& text) { notices.push_back(text); },
                      nullptr,
                      [this](uint64_t ticket, const MateInfo& m) { asked.emplace_back(ticket, m.who); },
                      [this](uint64_t ticket) { withdrawn.push_back(ticket); }};
  }
};

screen::ScreenState screen_with(std::string_view text) {
  screen::Terminal t(40, 5, 0);
  t.write(text);
  return t.state();
}

std::string row0(const screen::ScreenState& s) {
  std::string out;
  for (int x = 0; x < s.cols(); ++x) out += char(s.fb.row(0).cell(x).ch);
  return out;
}

class SessionTest : public ::testing::Test {
 protected:
  FakeMate& join(Role role, const std::string& who, bool announce = true) {
    auto m = std::make_unique<FakeMate>(role, who);
    return static_cast<FakeMate&>(session.join(std::move(m), announce));
  }
  Session session{"id", "rwtoken", "rotoken", SessionOptions{}};
  FakeHost host;
  void SetUp() override { session.set_host(host.events()); }
};

TEST_F(SessionTest, TokensGrantTheirRoleAndNothingElse) {
  EXPECT_EQ(session.role_of("rwtoken"), Role::kReadWrite);
  EXPECT_EQ(session.role_of("rotoken"), Role::kReadOnly);
  EXPECT_EQ(session.role_of("rwtokem"), Role::kNone);
  EXPECT_EQ(session.role_of(""), Role::kNone);
  Session ro_only("id", "", "rotoken", SessionOptions{});
  EXPECT_EQ(ro_only.role_of(""), Role::kNone);
}

TEST_F(SessionTest, MatesSeeTheHostsScreenFromTheirFirstMoment) {
  FakeMate& early = join(Role::kReadOnly, "a");
  EXPECT_EQ(early.frames, 0);  // nothing to show before the host's first frame
  session.publish(screen_with("hello"));
  EXPECT_EQ(early.frames, 1);
  FakeMate& late = join(Role::kReadWrite, "b");
  ASSERT_TRUE(late.last);
  EXPECT_EQ(row0(*late.last).substr(0, 5), "hello");
}

TEST_F(SessionTest, OnlyReadWriteInputReachesTheHost) {
  FakeMate& rw = join(Role::kReadWrite, "rw");
  FakeMate& ro = join(Role::kReadOnly, "ro");
  session.input(rw, "ls\r");
  session.input(ro, "rm -rf /\r");
  EXPECT_EQ(host.typed, "ls\r");
}

TEST_F(SessionTest, TheSmallestReadWriteTerminalBoundsTheSizeAndReadOnlyNeverDoes) {
  FakeMate& a = join(Role::kReadWrite, "a");
  FakeMate& b = join(Role::kReadWrite, "b");
  FakeMate& viewer = join(Role::kReadOnly, "v");
  session.resized(a, Size{120, 40});
  session.resized(b, Size{80, 50});
  session.resized(viewer, Size{20, 5});
  ASSERT_TRUE(session.mates_size());
  EXPECT_EQ(*session.mates_size(), (Size{80, 40}));
  session.leave(b);
  EXPECT_EQ(*session.mates_size(), (Size{120, 40}));
  session.leave(a);
  // No read-write mate left: no bound at all (not a size of zero), and the host hears it.
  EXPECT_FALSE(session.mates_size());
  ASSERT_FALSE(host.sizes.empty());
  EXPECT_EQ(host.sizes.back(), std::nullopt);
}

TEST_F(SessionTest, TheHostHearsOfMatesOnceAnnouncedAndWhenTheyLeave) {
  FakeMate& quiet = join(Role::kReadWrite, "native", false);  // not heard from yet
  EXPECT_TRUE(host.mates.empty());
  EXPECT_TRUE(session.mates().empty());
  session.announce(quiet);
  session.announce(quiet);
  ASSERT_EQ(host.mates.size(), 1u);
  EXPECT_EQ(session.mates().size(), 1u);
  session.leave(quiet);
  session.collect();
  ASSERT_EQ(host.mates.size(), 2u);
  EXPECT_EQ(host.mates[1], std::make_pair(std::string("native"), false));
  EXPECT_TRUE(session.mates().empty());
}

TEST_F(SessionTest, ASilentHostIsReportedThenWaitedForThenTheSessionEnds) {
  FakeMate& m = join(Role::kReadOnly, "m");
  session.publish(screen_with("work"));
  HostTimeouts t{std::chrono::milliseconds(7000), std::chrono::seconds(60)};
  session.check_host(std::chrono::milliseconds(3000), 0, t, 1000);
  EXPECT_EQ(session.host_notice(), "");
  session.check_host(std::chrono::milliseconds(8000), 8000, t, 2000);
  EXPECT_NE(session.host_notice().find("host unreachable since 00:00:00 UTC"), std::string::npos);
  // Every mate sees it, over the host's screen, beside the cursor: a view of a few
  // rows that follows the cursor shows it too (at the session's bottom it would not).
  ASSERT_TRUE(m.last);
  screen::Viewport view;
  const screen::ScreenState small = view.frame(*m.last, 60, 3);
  bool seen = false;
  for (int y = 0; y < small.rows(); ++y) seen = seen || small.fb.row(y).text().find("host unreachable") != std::string::npos;
  EXPECT_TRUE(seen);
  session.check_host(std::chrono::milliseconds(0), 9000, t, 3000);  // back
  EXPECT_EQ(session.host_notice(), "");
  EXPECT_FALSE(session.ended());
  session.check_host(std::chrono::seconds(60), 70000, t, 4000);
  EXPECT_TRUE(session.ended());
  EXPECT_EQ(m.ended_with, "[tandem: session ended; the host did not come back within 1 min]");
}

TEST_F(SessionTest, AnEndedSessionSaysGoodbyeAndFinishesWhenMatesAreGoneOrAfterTheGrace) {
  FakeMate& a = join(Role::kReadWrite, "a");
  FakeMate& b = join(Role::kReadOnly, "b");
  session.end("[tandem: session ended by the host]", 1000);
  EXPECT_EQ(a.ended_with, "[tandem: session ended by the host]");
  EXPECT_EQ(b.ended_with, "[tandem: session ended by the host]");
  EXPECT_TRUE(session.finished(1001));  // both went at once
  b.still_there = true;                 // one that takes its time
  EXPECT_FALSE(session.finished(1001));
  EXPECT_TRUE(session.finished(1000 + kGoodbyeGraceMs));
  // Input after the end goes nowhere; a late joiner is told at once.
  session.input(a, "x");
  EXPECT_EQ(host.typed, "");
  FakeMate& late = join(Role::kReadOnly, "late");
  EXPECT_EQ(late.ended_with, "[tandem: session ended by the host]");
}

// ---- --approve, kick, rotate (issue 12, point 5)

TEST_F(SessionTest, AWaitingMateIsAnsweredOnceWithTheHostsWord) {
  std::vector<Verdict> a, b;
  const std::optional<uint64_t> ta = session.ask_host(MateInfo{.who = "a"}, 0, [&](Verdict v) { a.push_back(v); });
  const std::optional<uint64_t> tb = session.ask_host(MateInfo{.who = "b"}, 0, [&](Verdict v) { b.push_back(v); });
  ASSERT_TRUE(ta && tb);
  EXPECT_NE(*ta, *tb);
  ASSERT_EQ(host.asked.size(), 2u);  // both asked, in order: the host's prompt queues them
  EXPECT_EQ(host.asked[0], std::make_pair(*ta, std::string("a")));
  EXPECT_TRUE(a.empty());
  session.answer(*tb, false);
  session.answer(*ta, true);
  session.answer(*ta, false);  // a second answer is too late
  EXPECT_EQ(a, std::vector<Verdict>{Verdict::kAdmitted});
  EXPECT_EQ(b, std::vector<Verdict>{Verdict::kRefused});
  EXPECT_EQ(session.waiting(), 0u);
}

// A remote host's answers outlive a relay restart; tickets that a new relay process
// hands out must not be the ones those answers name.
TEST_F(SessionTest, TicketsAreRandomSoAnAnswerForAnotherTicketAdmitsNoOne) {
  Session other{"id", "rwtoken", "rotoken", SessionOptions{}};
  std::vector<Verdict> got;
  const uint64_t mine = *session.ask_host(MateInfo{.who = "a"}, 0, [&](Verdict v) { got.push_back(v); });
  const uint64_t theirs = *other.ask_host(MateInfo{.who = "b"}, 0, [](Verdict) {});
  EXPECT_NE(mine, theirs);
  EXPECT_NE(mine, 0u);
  session.answer(theirs, true);
  session.answer(mine + 1, true);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(session.waiting(), 1u);
}

TEST_F(SessionTest, AMateTheHostNeverAnswersIsLetGoAndTheHostsPromptGoes) {
  std::vector<Verdict> got;
  const uint64_t t = *session.ask_host(MateInfo{.who = "a"}, 1000, [&](Verdict v) { got.push_back(v); });
  session.expire_waiting(1000 + kApprovalTimeoutMs - 1);
  EXPECT_TRUE(got.empty());
  session.expire_waiting(1000 + kApprovalTimeoutMs);
  EXPECT_EQ(got, std::vector<Verdict>{Verdict::kTimedOut});
  EXPECT_EQ(host.withdrawn, std::vector<uint64_t>{t});
}

TEST_F(SessionTest, AMateThatGoesWhileWaitingIsNeverAnswered) {
  bool called = false;
  const uint64_t t = *session.ask_host(MateInfo{.who = "a"}, 0, [&](Verdict) { called = true; });
  session.withdraw(t);
  session.answer(t, true);
  session.expire_waiting(kApprovalTimeoutMs * 2);
  EXPECT_FALSE(called);
  EXPECT_EQ(host.withdrawn, std::vector<uint64_t>{t});
}

TEST_F(SessionTest, WaitingMatesAreBoundedAndToldWhenTheSessionEnds) {
  std::vector<Verdict> got;
  for (size_t i = 0; i < kMaxWaitingMates; ++i) {
    EXPECT_TRUE(session.ask_host(MateInfo{.who = std::to_string(i)}, 0, [&](Verdict v) { got.push_back(v); }));
  }
  EXPECT_FALSE(session.ask_host(MateInfo{.who = "one too many"}, 0, [&](Verdict v) { got.push_back(v); }));
  EXPECT_TRUE(got.empty());
  session.end("over", 0);
  EXPECT_EQ(got, std::vector<Verdict>(kMaxWaitingMates, Verdict::kEnded));
  EXPECT_FALSE(session.ask_host(MateInfo{.who = "late"}, 0, [&](Verdict v) { got.push_back(v); }));
}

TEST_F(SessionTest, AKickedMateIsToldLetGoAndItsKeysNoLongerReachTheHost) {
  FakeMate& a = join(Role::kReadWrite, "a");
  FakeMate& b = join(Role::kReadWrite, "b");
  session.resized(a, Size{40, 10});
  session.resized(b, Size{60, 20});
  EXPECT_TRUE(session.kick(MateInfo{.who = "a", .via = Via::kSsh}, "[tandem: the host removed you]"));
  EXPECT_EQ(a.removed_with, "[tandem: the host removed you]");
  EXPECT_TRUE(b.removed_with.empty());
  EXPECT_EQ(host.mates.back(), std::make_pair(std::string("a"), false));
  session.input(a, "rm -rf /\r");
  session.input(b, "ls\r");
  EXPECT_EQ(host.typed, "ls\r");
  EXPECT_EQ(session.mates_size(), (Size{60, 20}));  // it no longer bounds the size
  ASSERT_EQ(session.mates().size(), 1u);
  EXPECT_EQ(session.mates()[0].who, "b");
  // When it goes, the host is not told twice.
  const size_t told = host.mates.size();
  session.leave(a);
  EXPECT_EQ(host.mates.size(), told);
  EXPECT_FALSE(session.kick(MateInfo{.who = "a", .via = Via::kSsh}, "again"));
  EXPECT_FALSE(session.kick(MateInfo{.who = "b", .via = Via::kNative}, "wrong kind"));
}

TEST_F(SessionTest, KickAllRemovesEveryMate) {
  FakeMate& a = join(Role::kReadWrite, "a");
  FakeMate& b = join(Role::kReadOnly, "b", false);  // not announced yet
  session.kick_all("bye");
  EXPECT_EQ(a.removed_with, "bye");
  EXPECT_EQ(b.removed_with, "bye");
  EXPECT_TRUE(session.mates().empty());
}

TEST_F(SessionTest, NewTokensAdmitAndTheOldOnesDoNot) {
  session.set_tokens("rw2", "ro2");
  EXPECT_EQ(session.role_of("rwtoken"), Role::kNone);
  EXPECT_EQ(session.role_of("rotoken"), Role::kNone);
  EXPECT_EQ(session.role_of("rw2"), Role::kReadWrite);
  EXPECT_EQ(session.role_of("ro2"), Role::kReadOnly);
}

}  // namespace
}  // namespace tandem::relay
