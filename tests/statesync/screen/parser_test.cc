// The escape-sequence parser: what reaches the listener for each kind of input.
#include "statesync/screen/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::screen {
namespace {

// Records every callback as a line of text.
class Recorder : public ParserListener {
 public:
  std::vector<std::string> events;

  void print_ascii(const uint8_t* text, size_t n) override {
    events.push_back("print " + std::string(reinterpret_cast<const char*>(text), n));
  }
  void print(char32_t cp) override {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", unsigned(cp));
    events.push_back(buf);
  }
  void execute(uint8_t c0) override { events.push_back("exec " + std::to_string(c0)); }
  void esc_dispatch(const Sequence& s) override { events.push_back("esc " + describe(s)); }
  void csi_dispatch(const Sequence& s) override { events.push_back("csi " + describe(s)); }
  void osc_dispatch(std::string_view text) override { events.push_back("osc " + std::string(text)); }

  static std::string describe(const Sequence& s) {
    std::string out;
    if (s.prefix) out += s.prefix;
    for (int i = 0; i < s.intermediate_count; ++i) out += s.intermediates[i];
    out += s.final;
    for (int i = 0; i < s.params.count; ++i) {
      out += i == 0 ? " " : (s.params.sub[i] ? ":" : ";");
      if (s.params.value[i] != CsiParams::kMissing) out += std::to_string(s.params.value[i]);
    }
    return out;
  }
};

std::vector<std::string> parse(std::string_view bytes, size_t chunk = 0) {
  Parser parser;
  Recorder rec;
  if (chunk == 0) chunk = bytes.size() ? bytes.size() : 1;
  for (size_t off = 0; off < bytes.size(); off += chunk) {
    std::string_view part = bytes.substr(off, chunk);
    parser.feed(std::span(reinterpret_cast<const uint8_t*>(part.data()), part.size()), rec);
  }
  return rec.events;
}

using Events = std::vector<std::string>;

TEST(Parser, PrintableAsciiArrivesAsOneRun) { EXPECT_EQ(parse("hello world"), (Events{"print hello world"})); }

TEST(Parser, ControlsSplitRuns) {
  EXPECT_EQ(parse("ab\r\ncd\a"), (Events{"print ab", "exec 13", "exec 10", "print cd", "exec 7"}));
}

TEST(Parser, CsiWithParametersAndPrivateMarker) {
  EXPECT_EQ(parse("\x1b[1;2H\x1b[?1049h\x1b[m"), (Events{"csi H 1;2", "csi ?h 1049", "csi m"}));
}

TEST(Parser, MissingParametersStayMissing) { EXPECT_EQ(parse("\x1b[;5H"), (Events{"csi H ;5"})); }

TEST(Parser, ColonSubParametersAreFlagged) {
  EXPECT_EQ(parse("\x1b[38:2::10:20:30m\x1b[4:3m"), (Events{"csi m 38:2::10:20:30", "csi m 4:3"}));
}

TEST(Parser, IntermediatesAreCollected) {
  EXPECT_EQ(parse("\x1b[2 q\x1b[!p\x1b(0\x1b#8"), (Events{"csi  q 2", "csi !p", "esc (0", "esc #8"}));
}

TEST(Parser, ParameterValuesAreClamped) { EXPECT_EQ(parse("\x1b[99999999999A"), (Events{"csi A 65535"})); }

TEST(Parser, ParametersPastTheLimitAreDropped) {
  std::string seq = "\x1b[";
  for (int i = 0; i < 40; ++i) seq += "1;";
  seq += "m";
  Events e = parse(seq);
  ASSERT_EQ(e.size(), 1u);
  // 32 parameters kept, the rest dropped.
  EXPECT_EQ(std::count(e[0].begin(), e[0].end(), ';'), 31);
}

TEST(Parser, OscEndsWithBelOrStringTerminator) {
  EXPECT_EQ(parse("\x1b]2;title one\a\x1b]0;two\x1b\\x"), (Events{"osc 2;title one", "osc 0;two", "esc \\", "print x"}));
}

TEST(Parser, OscKeepsUtf8Bytes) { EXPECT_EQ(parse("\x1b]2;caf\xc3\xa9\a"), (Events{"osc 2;caf\xc3\xa9"})); }

TEST(Parser, CancelAbortsASequence) {
  EXPECT_EQ(parse("\x1b[12\x18x\x1b]2;gone\x1aY"), (Events{"exec 24", "print x", "exec 26", "print Y"}));
}

TEST(Parser, DcsAndApcContentsAreSkipped) {
  EXPECT_EQ(parse("\x1bP1$r0m\x1b\\a\x1b_apc data\x1b\\b"), (Events{"esc \\", "print a", "esc \\", "print b"}));
}

TEST(Parser, Utf8DecodesToCodePoints) {
  EXPECT_EQ(parse("\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"), (Events{"U+00E9", "U+4E2D", "U+1F600"}));
}

TEST(Parser, Utf8SplitAcrossWritesStillDecodes) {
  EXPECT_EQ(parse("a\xe4\xb8\xad" "b", 1), (Events{"print a", "U+4E2D", "print b"}));
}

TEST(Parser, InvalidUtf8BecomesReplacementCharacters) {
  // A stray continuation, an overlong form, a surrogate, and a sequence cut by ASCII.
  EXPECT_EQ(parse("\x80"), (Events{"U+FFFD"}));
  EXPECT_EQ(parse("\xc0\xaf"), (Events{"U+FFFD", "U+FFFD"}));
  EXPECT_EQ(parse("\xed\xa0\x80"), (Events{"U+FFFD", "U+FFFD", "U+FFFD"}));
  EXPECT_EQ(parse("\xe4\xb8x"), (Events{"U+FFFD", "print x"}));
  EXPECT_EQ(parse("\xe4\x1b[m"), (Events{"U+FFFD", "csi m"}));
}

TEST(Parser, C1ControlsInUtf8AreIgnored) { EXPECT_EQ(parse("\xc2\x9b" "1m"), (Events{"print 1m"})); }

TEST(Parser, SequencesSplitByteByByteParseTheSame) {
  std::string input = "x\x1b[1;31mred\x1b[0m\x1b]2;t\a\xe4\xb8\xad\r\n";
  EXPECT_EQ(parse(input, 1).size(), parse(input).size() + 2);  // "red" and "x" arrive per byte
  Events whole = parse(input);
  Events split = parse(input, 1);
  EXPECT_EQ(split.front(), "print x");
  EXPECT_EQ(split[1], "csi m 1;31");
  EXPECT_EQ(split.back(), whole.back());
}

TEST(Parser, OverlongOscIsDropped) {
  std::string big = "\x1b]2;" + std::string(Parser::kMaxOscBytes + 10, 'a') + "\a" + "z";
  EXPECT_EQ(parse(big), (Events{"print z"}));
}

}  // namespace
}  // namespace tandem::screen
