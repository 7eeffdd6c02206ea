// Fragments back into messages: each message delivered once or reported lost once.
#include "transport/reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>

namespace tandem::transport {
namespace {

constexpr size_t kFragment = 10;

struct Outcome {
  std::map<uint32_t, std::string> delivered;
  std::map<uint32_t, int> lost;
  int deliveries = 0;
};

Reassembler::Deliver deliver_to(Outcome& o) {
  return [&o](uint32_t id, std::span<const uint8_t> m) {
    ++o.deliveries;
    o.delivered[id] = std::string(m.begin(), m.end());
  };
}

Reassembler::Lost lost_to(Outcome& o) {
  return [&o](uint32_t first, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) ++o.lost[first + i];
  };
}

Reassembler make(Outcome& o) { return Reassembler(kFragment, deliver_to(o), lost_to(o)); }

std::unique_ptr<Reassembler> make_owned(Outcome& o) {
  return std::make_unique<Reassembler>(kFragment, deliver_to(o), lost_to(o));
}

// The fragments of one message.
std::vector<std::pair<FragmentHeader, std::string>> cut(uint32_t id, const std::string& m) {
  std::vector<std::pair<FragmentHeader, std::string>> out;
  size_t count = std::max<size_t>(1, (m.size() + kFragment - 1) / kFragment);
  for (size_t i = 0; i < count; ++i) {
    out.push_back({FragmentHeader{id, uint16_t(i), uint16_t(count)}, m.substr(i * kFragment, kFragment)});
  }
  return out;
}

bool add(Reassembler& r, const std::pair<FragmentHeader, std::string>& f) {
  return r.add(f.first, std::span(reinterpret_cast<const uint8_t*>(f.second.data()), f.second.size()));
}

TEST(Reassembler, WholeMessagesInAnyOrder) {
  Outcome o;
  Reassembler r = make(o);
  auto a = cut(0, "a message longer than one fragment");
  auto b = cut(1, "short");
  std::reverse(a.begin(), a.end());
  for (auto& f : a) ASSERT_TRUE(add(r, f));
  for (auto& f : b) ASSERT_TRUE(add(r, f));
  EXPECT_EQ(o.delivered[0], "a message longer than one fragment");
  EXPECT_EQ(o.delivered[1], "short");
  EXPECT_EQ(r.pending(), 0u);
}

TEST(Reassembler, EmptyMessage) {
  Outcome o;
  Reassembler r = make(o);
  for (auto& f : cut(0, "")) ASSERT_TRUE(add(r, f));
  ASSERT_EQ(o.delivered.count(0), 1u);
  EXPECT_EQ(o.delivered[0], "");
}

TEST(Reassembler, DuplicatesDeliverOnce) {
  Outcome o;
  Reassembler r = make(o);
  auto a = cut(0, "twenty-five bytes message");
  for (int round = 0; round < 3; ++round) {
    for (auto& f : a) add(r, f);
  }
  EXPECT_EQ(o.deliveries, 1);
}

TEST(Reassembler, FarBehindMeansLostAndReportedOnce) {
  Outcome o;
  Reassembler r = make(o);
  auto partial = cut(0, "this one loses a fragment");
  add(r, partial[0]);
  for (uint32_t id = 2; id < 2 + Reassembler::kReorderMessages + 10; ++id) add(r, cut(id, "x")[0]);
  EXPECT_EQ(o.lost[0], 1);
  EXPECT_EQ(o.lost[1], 1);  // never seen at all
  // Its last fragments arrive too late: not delivered.
  for (auto& f : partial) add(r, f);
  EXPECT_EQ(o.delivered.count(0), 0u);
  EXPECT_EQ(o.lost[0], 1);
}

TEST(Reassembler, AHugeJumpReportsOneRange) {
  Outcome o;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  Reassembler r(
      kFragment, [&](uint32_t, std::span<const uint8_t>) { ++o.deliveries; },
      [&](uint32_t first, uint32_t count) { ranges.push_back({first, count}); });
  add(r, cut(3000000000u, "x")[0]);
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].first, 0u);
  EXPECT_EQ(ranges[0].second, 3000000000u - Reassembler::kReorderMessages + 1);
  EXPECT_EQ(o.deliveries, 1);
}

TEST(Reassembler, MemoryIsBounded) {
  Outcome o;
  Reassembler r = make(o);
  // Many messages each missing their last fragment.
  for (uint32_t id = 0; id < 40; ++id) add(r, cut(id, std::string(50, 'z'))[0]);
  EXPECT_LE(r.pending(), Reassembler::kMaxPending);
  EXPECT_GE(o.lost.size(), 40u - Reassembler::kMaxPending);
}

// Finding 1 of the relay probe: 4 datagrams made a link reserve 3 MB.
TEST(Reassembler, AFirstFragmentClaimingAHugeMessageReservesOnlyWhatArrived) {
  constexpr size_t kReal = 1155;
  Reassembler r(kReal, [](uint32_t, std::span<const uint8_t>) {}, [](uint32_t, uint32_t) {});
  const std::vector<uint8_t> data(kReal, 'x');
  const uint16_t largest = uint16_t(kMaxMessageBytes / kReal);
  for (uint32_t id = 0; id < 4; ++id) ASSERT_TRUE(r.add(FragmentHeader{id, 0, largest}, data));
  EXPECT_EQ(r.pending_bytes(), 4 * kReal);
}

TEST(Reassembler, LinksSharingABudgetHoldNoMoreThanItAndGiveItBack) {
  ReassemblyBudget budget{0, 25 * kFragment};
  std::vector<Outcome> outcomes(20);
  std::vector<std::unique_ptr<Reassembler>> links;
  for (Outcome& o : outcomes) {
    links.push_back(make_owned(o));
    links.back()->set_budget(&budget);
  }
  const std::string m(4 * kFragment, 'q');
  for (size_t i = 0; i < links.size(); ++i) {
    auto parts = cut(uint32_t(0), m);
    for (size_t f = 0; f + 1 < parts.size(); ++f) add(*links[i], parts[f]);  // all but the last
    EXPECT_LE(budget.used, budget.limit);
  }
  // The links that ran out of budget reported their message lost, once.
  int lost = 0;
  for (const Outcome& o : outcomes) lost += int(o.lost.size());
  EXPECT_GT(lost, 0);
  // A message that fits completes once budget is free again.
  links.front().reset();
  links.back().reset();
  Outcome fresh;
  auto r = make_owned(fresh);
  r->set_budget(&budget);
  for (const auto& f : cut(7, "finally whole")) add(*r, f);
  EXPECT_EQ(fresh.delivered[7], "finally whole");
  r.reset();
  links.clear();
  EXPECT_EQ(budget.used, 0u);
}

TEST(Reassembler, InconsistentFragmentsAreRefused) {
  Outcome o;
  Reassembler r = make(o);
  const uint8_t data[kFragment + 1] = {};
  EXPECT_FALSE(r.add(FragmentHeader{0, 0, 0}, std::span(data, 1)));                  // no fragments
  EXPECT_FALSE(r.add(FragmentHeader{0, 2, 2}, std::span(data, 1)));                  // index past count
  EXPECT_FALSE(r.add(FragmentHeader{0, 0, 2}, std::span(data, 3)));                  // short middle fragment
  EXPECT_FALSE(r.add(FragmentHeader{0, 1, 2}, std::span(data, kFragment + 1)));      // oversize
  EXPECT_TRUE(r.add(FragmentHeader{1, 0, 2}, std::span(data, kFragment)));
  EXPECT_FALSE(r.add(FragmentHeader{1, 1, 3}, std::span(data, kFragment)));          // count changed
}

TEST(Reassembler, MessagesOverTheLimitAreRefused) {
  Reassembler r(1000, [](uint32_t, std::span<const uint8_t>) {}, [](uint32_t, uint32_t) {});
  const uint8_t data[1000] = {};
  EXPECT_FALSE(r.add(FragmentHeader{0, 0, 60000}, std::span(data, 1000)));
  EXPECT_EQ(r.pending(), 0u);
}

TEST(Reassembler, RandomLossAndReorderingAccountForEveryMessage) {
  std::mt19937 rng(3);
  Outcome o;
  Reassembler r = make(o);
  std::vector<std::pair<FragmentHeader, std::string>> wire;
  std::map<uint32_t, std::string> sent;
  for (uint32_t id = 0; id < 500; ++id) {
    std::string m(std::uniform_int_distribution<size_t>(0, 60)(rng), char('a' + id % 26));
    sent[id] = m;
    for (auto& f : cut(id, m)) {
      if (std::uniform_int_distribution<int>(0, 99)(rng) < 20) continue;  // lost
      wire.push_back(f);
      if (std::uniform_int_distribution<int>(0, 99)(rng) < 10) wire.push_back(f);  // duplicated
    }
  }
  // Local reordering: swap neighbours now and then.
  for (size_t i = 1; i < wire.size(); ++i) {
    if (std::uniform_int_distribution<int>(0, 99)(rng) < 20) std::swap(wire[i - 1], wire[i]);
  }
  for (auto& f : wire) add(r, f);
  for (uint32_t id = 500; id < 500 + Reassembler::kReorderMessages; ++id) add(r, cut(id, "")[0]);
  for (uint32_t id = 0; id < 500; ++id) {
    bool delivered = o.delivered.count(id) > 0;
    int lost = o.lost.count(id) ? o.lost[id] : 0;
    ASSERT_TRUE(delivered != (lost == 1)) << "message " << id;
    if (delivered) {
      ASSERT_EQ(o.delivered[id], sent[id]);
    }
  }
  EXPECT_EQ(o.deliveries, int(o.delivered.size()));
}

}  // namespace
}  // namespace tandem::transport
