// EchoPredictor as a user sees it: a program's screen (our emulator), keys typed,
// their acknowledgement and the program's echo arriving later, and what is drawn.
#include "statesync/screen/echo_predictor.h"

#include <gtest/gtest.h>

#include "statesync/screen/terminal.h"

namespace tandem::screen {
namespace {

// A typist's end: the program's screen as last received, and the predictor over it.
struct Typist {
  explicit Typist(PredictMode mode = PredictMode::kAlways, double rtt = 200) : predictor(mode) {
    predictor.set_rtt(rtt);
    program.write("$ ");
    frame();
  }
  // The keys leave (not yet acknowledged).
  void type(std::string_view keys) {
    ++mark;
    predictor.type(keys, mark, now);
  }
  // The session acknowledges everything typed, and its screen (after `echo`) arrives.
  void arrive(std::string_view echo) {
    now += 100;
    predictor.acknowledged(mark, now);
    program.write(echo);
    frame();
  }
  void frame() { predictor.observe(program.state(), now); }
  ScreenState drawn() { return predictor.overlay(program.state()); }
  std::string drawn_row() { return drawn().fb.row(0).text(); }
  int drawn_x() { return drawn().cursor.x; }

  EchoPredictor predictor;
  Terminal program{40, 5, 0};
  uint64_t mark = 0;
  uint64_t now = 1000;
};

TEST(EchoPredictor, TheFirstKeyWaitsForItsEchoThenTypingShowsAtOnce) {
  Typist t;
  t.type("l");
  EXPECT_EQ(t.drawn_row(), "$");  // tentative: nothing confirmed yet
  t.arrive("l");
  EXPECT_EQ(t.drawn_row(), "$ l");
  t.type("s");
  EXPECT_EQ(t.drawn_row(), "$ ls");
  EXPECT_EQ(t.drawn_x(), 4);
  t.type(" -");
  EXPECT_EQ(t.drawn_row(), "$ ls -");
  t.arrive("s -");
  EXPECT_EQ(t.drawn_row(), "$ ls -");
  EXPECT_FALSE(t.predictor.active());
  EXPECT_EQ(t.predictor.counters().erased, 0u);
  EXPECT_EQ(t.predictor.counters().confirmed, 4u);
}

TEST(EchoPredictor, AWrongGuessIsErasedByTheFirstFrameThatDisprovesIt) {
  Typist t;
  t.type("a");
  t.arrive("a");
  t.type("b");
  EXPECT_EQ(t.drawn_row(), "$ ab");
  t.arrive("B");  // the program transforms what it echoes
  EXPECT_EQ(t.drawn_row(), "$ aB");
  EXPECT_EQ(t.drawn().cursor.x, t.program.state().cursor.x);
  EXPECT_EQ(t.predictor.counters().erased, 1u);
  // The next key starts tentative again: hidden until its own echo.
  t.type("c");
  EXPECT_EQ(t.drawn_row(), "$ aB");
  t.arrive("C");
  t.type("d");
  EXPECT_EQ(t.drawn_row(), "$ aBC");
}

TEST(EchoPredictor, AHostThatEchoesLateAfterTheAcknowledgementIsWaitedFor) {
  Typist t;
  // The relay acknowledges at once; the host, far from it, echoes 400 ms later.
  auto late_echo = [&](std::string_view keys) {
    t.type(keys);
    t.now += 50;
    t.predictor.acknowledged(t.mark, t.now);
    for (int i = 0; i < 8; ++i) {
      t.now += 50;
      t.predictor.tick(t.now);
    }
    t.program.write(keys);
    t.frame();
  };
  late_echo("a");
  late_echo("b");
  late_echo("c");
  EXPECT_EQ(t.drawn_row(), "$ abc");
  t.type("d");
  EXPECT_EQ(t.drawn_row(), "$ abcd");
  t.now += 50;
  t.predictor.acknowledged(t.mark, t.now);
  t.now += 400;
  t.predictor.tick(t.now);
  EXPECT_EQ(t.drawn_row(), "$ abcd");  // still awaited
  // Only the first (hidden: its epoch was not confirmed) was given up on, before the
  // delay was known.
  EXPECT_EQ(t.predictor.counters().killed, 1u);
  EXPECT_EQ(t.predictor.counters().erased, 0u);
  // The long wait does not hold back typing after Enter.
  t.arrive("d");
  t.type("\r");
  t.arrive("\r\n$ ");
  t.type("e");
  t.arrive("e");
  t.type("f");
  EXPECT_EQ(t.drawn().fb.row(1).text(), "$ ef");
}

TEST(EchoPredictor, NothingIsShownWhereTheProgramDoesNotEcho) {
  Typist t;
  t.type("x");
  t.arrive("x");
  t.type("\r");
  t.arrive("\r\nPassword: ");
  for (char c : std::string("hunter2")) {
    t.type(std::string(1, c));
    EXPECT_EQ(t.drawn().fb.row(1).text(), "Password:");
    t.now += 30;
    t.predictor.acknowledged(t.mark, t.now);
    t.predictor.tick(t.now);
  }
  t.now += 1000;
  t.predictor.tick(t.now);
  EXPECT_FALSE(t.predictor.active());
  EXPECT_EQ(t.drawn().fb.row(1).text(), "Password:");
  EXPECT_EQ(t.predictor.counters().shown, 0u);
  EXPECT_EQ(t.predictor.counters().erased, 0u);
}

TEST(EchoPredictor, BackspaceAndCursorKeysArePredictedWithinWhatWasTyped) {
  Typist t;
  t.type("a");
  t.arrive("a");
  t.type("bc");
  EXPECT_EQ(t.drawn_row(), "$ abc");
  t.type("\x7f");
  EXPECT_EQ(t.drawn_row(), "$ ab");
  EXPECT_EQ(t.drawn_x(), 4);
  t.type("\x1b[D");
  EXPECT_EQ(t.drawn_x(), 3);
  t.type("X");  // inserted before the b, as a line editor does
  EXPECT_EQ(t.drawn_row(), "$ aXb");
  EXPECT_EQ(t.drawn_x(), 4);
  t.type("\x1bOC");  // application-mode right arrow
  EXPECT_EQ(t.drawn_x(), 5);
  // Backspace never eats the prompt: at the start of the typing it is not predicted.
  Typist u;
  u.type("a");
  u.arrive("a");
  u.type("\x7f\x7f\x7f");
  EXPECT_EQ(u.drawn_row(), "$");
  EXPECT_EQ(u.drawn_x(), 2);
}

TEST(EchoPredictor, WideCharactersTakeTwoColumns) {
  Typist t;
  t.type("a");
  t.arrive("a");
  t.type("日本");
  EXPECT_EQ(t.drawn_row(), "$ a日本");
  EXPECT_EQ(t.drawn_x(), 7);
  t.type("\x7f");
  EXPECT_EQ(t.drawn_row(), "$ a日");
  EXPECT_EQ(t.drawn_x(), 5);
  t.arrive("日");
  EXPECT_FALSE(t.predictor.active());
  EXPECT_EQ(t.predictor.counters().erased, 0u);
}

TEST(EchoPredictor, AdaptiveShowsOnlyOnASlowLinkOrAfterAGlitch) {
  Typist fast(PredictMode::kAdaptive, 10);
  fast.type("a");
  fast.arrive("a");
  fast.type("b");
  EXPECT_EQ(fast.drawn_row(), "$ a");  // a LAN: the echo is quicker than the eye
  fast.now += EchoPredictor::kGlitchMs + 1;
  fast.predictor.tick(fast.now);  // b is still not acknowledged: a glitch
  EXPECT_EQ(fast.drawn_row(), "$ ab");

  Typist slow(PredictMode::kAdaptive, 150);
  slow.type("a");
  slow.arrive("a");
  slow.type("b");
  EXPECT_EQ(slow.drawn_row(), "$ ab");
}

TEST(EchoPredictor, UnconfirmedCharactersAreUnderlinedOnASlowLink) {
  Typist t(PredictMode::kAdaptive, 250);
  t.type("a");
  t.arrive("a");
  t.type("b");
  const ScreenState d = t.drawn();
  EXPECT_NE(attr::underline_style(d.fb.row(0).cell(3).attrs), 0);  // b: predicted
  EXPECT_EQ(attr::underline_style(d.fb.row(0).cell(2).attrs), 0);  // a: the program's
}

TEST(EchoPredictor, NeverModePredictsNothing) {
  Typist t(PredictMode::kNever);
  t.type("a");
  t.arrive("a");
  t.type("b");
  EXPECT_EQ(t.drawn_row(), "$ a");
  EXPECT_EQ(t.predictor.counters().predicted, 0u);
}

TEST(EchoPredictor, OnTheAlternateScreenEachBurstWaitsForConfirmation) {
  Typist t;
  t.type("a");
  t.arrive("a");
  t.program.write("\x1b[?1049h\x1b[H");
  t.frame();
  t.type("i");
  EXPECT_EQ(t.drawn().fb.row(0).text(), "");  // not shown: a full-screen program decides
  t.arrive("i");
  t.type("j");
  EXPECT_EQ(t.drawn().fb.row(0).text(), "ij");  // confirmed: the rest of the burst shows
}

TEST(EchoPredictor, APasteIsNotPredicted) {
  Typist t;
  t.type("a");
  t.arrive("a");
  t.type(std::string(EchoPredictor::kPasteBytes + 1, 'p'));
  EXPECT_EQ(t.drawn_row(), "$ a");
}

TEST(EchoPredictor, AfterEnterTypingResumesOnceTheFrameHasCaughtUp) {
  Typist t;
  t.type("a");
  t.arrive("a");
  t.type("\r");
  t.type("b");  // typed before the Enter came back: where it lands is unknown
  EXPECT_EQ(t.drawn_row(), "$ a");
  t.arrive("\r\n$ b");
  t.type("c");
  t.arrive("c");
  t.type("d");
  EXPECT_EQ(t.drawn().fb.row(1).text(), "$ bcd");
  EXPECT_EQ(t.predictor.counters().erased, 0u);
}

TEST(EchoPredictor, ParsesModes) {
  EXPECT_EQ(parse_predict_mode("adaptive"), PredictMode::kAdaptive);
  EXPECT_EQ(parse_predict_mode("always"), PredictMode::kAlways);
  EXPECT_EQ(parse_predict_mode("never"), PredictMode::kNever);
  EXPECT_FALSE(parse_predict_mode("sometimes"));
}

}  // namespace
}  // namespace tandem::screen
