// SSP without sockets: a sender and a receiver exchanging instructions over a lossy,
// reordering pipe driven by a manual clock.
#include "statesync/ssp.h"

#include <gtest/gtest.h>

#include <random>

#include "statesync/input_state.h"
#include "statesync/screen/terminal.h"
#include "tests/statesync/screen/random_screen.h"

namespace tandem::statesync {
namespace {

// One direction of a pipe that loses, duplicates and reorders, by seed.
struct Pipe {
  Pipe(uint32_t seed, double loss) : rng(seed), loss(loss) {}
  std::mt19937 rng;
  double loss;
  std::vector<std::string> in_flight;
  void put(std::string m) {
    if (std::uniform_real_distribution<double>(0, 1)(rng) < loss) return;
    in_flight.push_back(m);
    if (std::uniform_real_distribution<double>(0, 1)(rng) < 0.1) in_flight.push_back(std::move(m));
  }
  std::vector<std::string> take() {
    if (in_flight.size() > 1 && std::uniform_real_distribution<double>(0, 1)(rng) < 0.3) {
      std::swap(in_flight.front(), in_flight.back());
    }
    return std::exchange(in_flight, {});
  }
};

// Hands one message to a receiver, and its ack to the sender it acknowledges (if any).
template <class S, class A>
void deliver(Receiver<S>& r, Sender<A>* ack_to, const std::string& m) {
  auto d = decode_instruction(std::span(reinterpret_cast<const uint8_t*>(m.data()), m.size()), nullptr);
  ASSERT_TRUE(d);
  if (ack_to) ack_to->process_ack(d->inst.ack_num());
  r.handle(d->inst, std::span(reinterpret_cast<const uint8_t*>(d->diff.data()), d->diff.size()));
}
template <class S>
void deliver(Receiver<S>& r, const std::string& m) {
  deliver<S, S>(r, nullptr, m);
}

TEST(Ssp, ScreenConvergesUnderHeavyLoss) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    std::mt19937 rng(seed);
    screen::Terminal host(40, 12, 20);
    Sender<screen::ScreenState> sender(screen::ScreenState(40, 12, 20));
    Receiver<screen::ScreenState> receiver(screen::ScreenState(40, 12, 20));
    Sender<InputState> acker{InputState()};  // the receiver's side only acknowledges
    Receiver<InputState> ack_sink{InputState()};
    Pipe forward(seed, 0.5), back(seed + 100, 0.5);
    LinkTiming timing{20, 100, true};
    uint64_t now = 1000;
    for (int step = 0; step < 600; ++step) {
      now += 7;
      if (step < 500) {
        host.write(screen::testing::random_input(rng, 4, 40, 12));
        sender.current() = host.state();
      }
      if (auto m = sender.tick(now, timing, ack_sink.newest_num())) forward.put(*m);
      for (auto& m : forward.take()) {
        deliver(receiver, m);
        acker.ack_soon();
      }
      if (auto m = acker.tick(now, timing, receiver.newest_num())) back.put(*m);
      for (auto& m : back.take()) deliver(ack_sink, &sender, m);
      if (step == 500) forward.loss = back.loss = 0;  // the network heals
    }
    ASSERT_TRUE(receiver.latest() == host.state()) << "seed " << seed;
    EXPECT_LE(sender.sent_states(), kMaxSentStates);
    EXPECT_LE(receiver.held_states(), kMaxReceivedStates);
  }
}

TEST(Ssp, InputArrivesExactlyOnceInOrder) {
  Sender<InputState> sender{InputState()};
  Receiver<InputState> receiver{InputState()};
  Sender<InputState> acker{InputState()};
  Receiver<InputState> ack_sink{InputState()};
  Pipe forward(7, 0.3), back(8, 0.3);
  LinkTiming timing{20, 100, true};
  uint64_t now = 1000, consumed = 0;
  std::string typed, seen;
  for (int step = 0; step < 3000; ++step) {
    now += 5;
    if (step < 2000) {
      std::string k(1, char('a' + step % 26));
      typed += k;
      sender.current().push(Keys{k});
    }
    if (step == 2000) forward.loss = back.loss = 0;
    if (auto m = sender.tick(now, timing, ack_sink.newest_num())) forward.put(*m);
    for (auto& m : forward.take()) deliver(receiver, m);
    // The consumer takes each new event once.
    const InputState& in = receiver.latest();
    for (; consumed < in.end(); ++consumed) seen += std::get<Keys>(in.at(consumed)).bytes;
    acker.ack_soon();
    if (auto m = acker.tick(now, timing, receiver.newest_num())) back.put(*m);
    for (auto& m : back.take()) deliver(ack_sink, &sender, m);
  }
  EXPECT_EQ(seen, typed);
  // The sender let go of what was acknowledged.
  EXPECT_LT(sender.current().end() - sender.current().begin(), 100u);
}

TEST(Ssp, IdleSenderSendsHeartbeatsThatGetAcknowledged) {
  Sender<InputState> sender{InputState()};
  Receiver<InputState> receiver{InputState()};
  LinkTiming timing{20, 100, true};
  int sent = 0;
  for (uint64_t now = 1000; now < 1000 + 4 * kHeartbeatMs; now += 10) {
    if (auto m = sender.tick(now, timing, 0)) {
      ++sent;
      deliver(receiver, *m);
      sender.process_ack(receiver.newest_num());
    }
  }
  EXPECT_GE(sent, 4);
  EXPECT_LE(sent, 6);
  EXPECT_EQ(sender.acked_num(), receiver.newest_num());
}

// A client probing a silent peer: a short heartbeat carries the unacknowledged input
// again and again, so it gets through as soon as the network does.
TEST(Ssp, ProbingSenderRepeatsWhatIsUnacknowledged) {
  Sender<InputState> sender{InputState(), kInputSendDelayMs};
  LinkTiming quiet{20, 100, false};  // the peer has not been heard for a while
  sender.current().push(Keys{"x"});
  int normal = 0, probing = 0;
  for (uint64_t now = 1000; now < 1000 + 2 * kHeartbeatMs; now += 10) {
    if (sender.tick(now, quiet, 0)) ++normal;
  }
  Sender<InputState> prober{InputState(), kInputSendDelayMs};
  prober.current().push(Keys{"x"});
  LinkTiming probing_timing = quiet;
  probing_timing.heartbeat_ms = kSilentProbeMs;
  for (uint64_t now = 1000; now < 1000 + 2 * kHeartbeatMs; now += 10) {
    if (auto m = prober.tick(now, probing_timing, 0)) {
      ++probing;
      Receiver<InputState> late{InputState()};  // any one of them, arriving alone, delivers the key
      deliver(late, *m);
      EXPECT_EQ(late.latest().end(), 1u);
    }
  }
  EXPECT_LE(normal, 3);  // towards a silent peer nothing is repeated
  EXPECT_GE(probing, int(2 * kHeartbeatMs / kSilentProbeMs) - 2);
}

TEST(Ssp, ShutdownIsAHandshake) {
  Sender<InputState> a{InputState()};
  Receiver<InputState> b_in{InputState()};
  Sender<InputState> b{InputState()};
  LinkTiming timing{20, 100, true};
  a.start_shutdown(1000);
  auto m = a.tick(1000, timing, 0);
  ASSERT_TRUE(m);
  deliver(b_in, *m);
  EXPECT_TRUE(b_in.peer_shut_down());
  b.ack_now();
  auto reply = b.tick(1001, timing, kShutdownNum);
  ASSERT_TRUE(reply);
  Receiver<InputState> a_in{InputState()};
  deliver(a_in, &a, *reply);
  EXPECT_TRUE(a.shutdown_acknowledged());
}

TEST(Ssp, LargeDiffsAreCompressed) {
  screen::Terminal host(200, 50, 0);
  for (int i = 0; i < 50; ++i) host.write(std::string(200, 'x'));
  Sender<screen::ScreenState> sender(screen::ScreenState(200, 50, 0));
  sender.current() = host.state();
  auto m = sender.tick(1000, LinkTiming{}, 0);
  ASSERT_TRUE(m);
  EXPECT_LT(m->size(), 1000u);  // 10,000 cells of 'x'
  auto d = decode_instruction(std::span(reinterpret_cast<const uint8_t*>(m->data()), m->size()), nullptr);
  ASSERT_TRUE(d);
  screen::ScreenState rebuilt(200, 50, 0);
  ASSERT_FALSE(rebuilt.apply_bytes(std::span(reinterpret_cast<const uint8_t*>(d->diff.data()), d->diff.size())));
  EXPECT_TRUE(rebuilt == host.state());
}

// The interactive path: one lost datagram costs kRepeatAfterMs, not a timeout.
TEST(Ssp, ASmallDiffGoesAgainAFewMillisecondsApart) {
  Sender<InputState> sender{InputState(), kInputSendDelayMs};
  LinkTiming timing{20, 300, true};
  sender.current().push(Keys{"k"});
  auto first = sender.tick(1000, timing, 0);
  ASSERT_TRUE(first);
  uint64_t at = 1000;
  std::vector<std::string> copies;
  for (int i = 0; i < kRepeats; ++i) {
    EXPECT_FALSE(sender.tick(at + 1, timing, 0));
    EXPECT_EQ(sender.next_wakeup(at + 1, timing), at + kRepeatAfterMs);
    at += kRepeatAfterMs;
    auto again = sender.tick(at, timing, 0);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *first);
    copies.push_back(*again);
  }
  // The first was lost: a repeat alone delivers the key, once.
  Receiver<InputState> receiver{InputState()};
  deliver(receiver, copies.back());
  deliver(receiver, *first);  // late after all: a duplicate
  EXPECT_EQ(receiver.latest().end(), 1u);
  // Then nothing until the retransmission timer.
  for (uint64_t now = at + 1; now < 1300; ++now) EXPECT_FALSE(sender.tick(now, timing, 0));
}

TEST(Ssp, AnAcknowledgedDiffIsNotRepeated) {
  Sender<InputState> sender{InputState(), kInputSendDelayMs};
  Receiver<InputState> receiver{InputState()};
  LinkTiming timing{20, 300, true};
  sender.current().push(Keys{"k"});
  auto first = sender.tick(1000, timing, 0);
  ASSERT_TRUE(first);
  deliver(receiver, *first);
  sender.process_ack(receiver.newest_num());
  for (uint64_t now = 1001; now < 1000 + 4 * kRepeatAfterMs; ++now) EXPECT_FALSE(sender.tick(now, timing, 0));
  EXPECT_EQ(sender.repeats(), 0u);
}

TEST(Ssp, HeartbeatsAcksAndFloodFramesAreNeverRepeated) {
  Sender<InputState> idle{InputState()};
  LinkTiming timing{20, 100, true};
  int sent = 0;
  for (uint64_t now = 1000; now < 1000 + 4 * kHeartbeatMs; now += 1) {
    if (idle.tick(now, timing, 0)) ++sent;
    idle.ack_soon();  // as if data kept arriving: acks go, and are not repeated either
  }
  EXPECT_EQ(idle.repeats(), 0u);

  // A flood: `cat` of a big file, whose every frame is large.
  screen::Terminal host(100, 40, 0);
  std::mt19937 rng(3);
  Sender<screen::ScreenState> flood(screen::ScreenState(100, 40, 0));
  Receiver<screen::ScreenState> viewer(screen::ScreenState(100, 40, 0));
  for (uint64_t now = 1000; now < 3000; now += 1) {
    std::string lines;
    for (int l = 0; l < 20; ++l) {
      for (int c = 0; c < 80; ++c) lines.push_back(char('!' + rng() % 90));
      lines += "\r\n";
    }
    host.write(lines);
    flood.current() = host.state();
    if (auto m = flood.tick(now, timing, 0)) {
      deliver(viewer, *m);
      if (now % 100 == 0) flood.process_ack(viewer.newest_num());
    }
  }
  EXPECT_EQ(flood.repeats(), 0u);
}

TEST(Ssp, RepeatsSpendABoundedBudget) {
  Sender<InputState> sender{InputState(), kInputSendDelayMs};
  Receiver<InputState> receiver{InputState()};
  LinkTiming timing{20, 100, true};
  std::mt19937 rng(5);
  uint64_t repeated_bytes = 0, bytes = 0;
  std::string last;
  const uint64_t seconds = 10;
  for (uint64_t now = 1000; now < 1000 + seconds * 1000; ++now) {
    if (now % 20 == 0) {  // a stream of small changes (a progress bar, say)
      std::string keys;
      for (int i = 0; i < 60; ++i) keys.push_back(char('a' + rng() % 26));
      sender.current().push(Keys{keys});
    }
    if (auto m = sender.tick(now, timing, 0)) {
      if (*m == last) repeated_bytes += m->size();
      bytes += m->size();
      last = *m;
      deliver(receiver, *m);
    }
    if (now % 50 == 0) sender.process_ack(receiver.newest_num());  // acks come a round trip later
  }
  EXPECT_GT(repeated_bytes, 0u);
  EXPECT_LE(repeated_bytes, (seconds + 1) * kRepeatBudgetBytes);
  EXPECT_LT(repeated_bytes, bytes / 2);
}

// Frame pacing holds back floods, not typing.
TEST(Ssp, KeystrokesAreNotHeldBackByFramePacing) {
  Sender<InputState> sender{InputState(), kInputSendDelayMs};
  LinkTiming slow{150, 600, true};  // 300 ms round trip: frames every 150 ms
  uint64_t sent_at = 0;
  for (uint64_t key_at = 1000; key_at < 2000; key_at += 100) {  // 10 keys a second
    sender.current().push(Keys{"k"});
    for (uint64_t now = key_at;; ++now) {
      auto m = sender.tick(now, slow, 0);
      if (m && m->size() > 0 && now != sent_at + kRepeatAfterMs) {
        sent_at = now;
        break;
      }
    }
    EXPECT_EQ(sent_at, key_at);
    for (int i = 0; i < kRepeats; ++i) sender.tick(sent_at + (i + 1) * kRepeatAfterMs, slow, 0);
    sender.process_ack(sender.acked_num());
  }
}

TEST(Ssp, AStreamOfSmallFramesGoesAtABoundedRate) {
  Sender<InputState> sender{InputState(), kInputSendDelayMs};
  Receiver<InputState> receiver{InputState()};
  LinkTiming slow{150, 600, true};
  const uint64_t seconds = 10;
  uint64_t frames = 0;
  std::string last;
  for (uint64_t now = 1000; now < 1000 + seconds * 1000; ++now) {
    sender.current().push(Keys{"x"});  // a change every millisecond
    if (auto m = sender.tick(now, slow, 0)) {
      if (*m != last) ++frames;
      last = *m;
      deliver(receiver, *m);
    }
    if (now % 300 == 0) sender.process_ack(receiver.newest_num());
  }
  EXPECT_LE(double(frames), double(seconds) * (1000.0 / 150 + kEarlyFramesPerSecond) + kEarlyFramesBurst + 1);
}

TEST(Ssp, ReceiverRefusesWhatItCannotUse) {
  Receiver<InputState> r{InputState()};
  proto::Instruction inst;
  inst.set_old_num(5);  // a base we never had
  inst.set_new_num(6);
  EXPECT_EQ(r.handle(inst, {}), Receiver<InputState>::Outcome::kNoBase);
  inst.set_old_num(0);
  const uint8_t junk[] = {1, 2, 3};
  EXPECT_EQ(r.handle(inst, junk), Receiver<InputState>::Outcome::kBad);
  EXPECT_EQ(r.handle(inst, {}), Receiver<InputState>::Outcome::kNewest);
  EXPECT_EQ(r.handle(inst, {}), Receiver<InputState>::Outcome::kDuplicate);
  // Bounded whatever the sender claims.
  for (uint64_t n = 7; n < 7 + 2 * kMaxReceivedStates; ++n) {
    inst.set_old_num(0);
    inst.set_new_num(n);
    r.handle(inst, {});
  }
  EXPECT_LE(r.held_states(), kMaxReceivedStates);
}

TEST(Ssp, BadInstructionsAreRefused) {
  DecodeError err;
  const uint8_t junk[] = {0x0a, 0xff, 0xff};
  EXPECT_FALSE(decode_instruction(junk, &err));
  proto::Instruction inst;
  inst.set_protocol_version(99);
  std::string wrong = inst.SerializeAsString();
  EXPECT_FALSE(decode_instruction(std::span(reinterpret_cast<const uint8_t*>(wrong.data()), wrong.size()), &err));
  EXPECT_NE(err.what.find("version"), std::string::npos);
  inst.set_protocol_version(kSyncProtocolVersion);
  inst.set_compressed(true);
  inst.set_diff("not zlib at all");
  std::string bad = inst.SerializeAsString();
  EXPECT_FALSE(decode_instruction(std::span(reinterpret_cast<const uint8_t*>(bad.data()), bad.size()), &err));
}

}  // namespace
}  // namespace tandem::statesync
