// A byte-stream parser for the DEC/ECMA-48 escape sequence state machine (after Paul
// Williams' vt100.net model), with UTF-8 decoding of printable text.
//
// The parser is table-driven: every (state, byte) pair maps to an action and a next
// state. Runs of printable ASCII in the ground state bypass the table and reach the
// listener in one call. Invalid UTF-8 becomes U+FFFD. Parameter counts, intermediate
// bytes and string lengths are bounded; whatever exceeds them is dropped, never
// stored. C1 controls are not recognised (the stream is UTF-8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "statesync/screen/cell.h"

namespace tandem::screen {

// Parameters of one control sequence. Sub-parameters (after ':') are flagged so that
// "38:2::1:2:3" and "38;2;1;2;3" can both be understood.
struct CsiParams {
  static constexpr int kMax = 32;
  static constexpr int32_t kMissing = -1;
  static constexpr int32_t kValueMax = 65535;

  int32_t value[kMax];
  bool sub[kMax];  // introduced by ':' rather than ';'
  int count = 0;

  // Parameter i, or `fallback` when absent or zero-defaulted (0 means "default" for most sequences).
  int32_t get(int i, int32_t fallback) const {
    return i < count && value[i] > 0 ? value[i] : fallback;
  }
  // Parameter i as given, or `fallback` only when missing.
  int32_t raw(int i, int32_t fallback) const {
    return i < count && value[i] != kMissing ? value[i] : fallback;
  }
};

struct Sequence {
  char prefix = 0;  // private marker: '?', '>', '<', '=' or 0
  char intermediates[2] = {0, 0};
  int intermediate_count = 0;
  bool overflow = false;  // more intermediates than we keep: the sequence is ignored
  char final = 0;
  CsiParams params;
};

class ParserListener {
 public:
  virtual ~ParserListener() = default;
  virtual void print_ascii(const uint8_t* text, size_t n) = 0;
  virtual void print(char32_t cp) = 0;
  virtual void execute(uint8_t c0) = 0;
  virtual void esc_dispatch(const Sequence& seq) = 0;
  virtual void csi_dispatch(const Sequence& seq) = 0;
  // An OSC string (without its introducer and terminator).
  virtual void osc_dispatch(std::string_view text) = 0;
};

class Parser {
 public:
  static constexpr size_t kMaxOscBytes = 256 * 1024;

  enum class State : uint8_t {
    kGround,
    kEscape,
    kEscapeIntermediate,
    kCsiEntry,
    kCsiParam,
    kCsiIntermediate,
    kCsiIgnore,
    kDcsEntry,
    kDcsParam,
    kDcsIntermediate,
    kDcsPassthrough,
    kDcsIgnore,
    kOscString,
    kSosPmApcString,
    kCount,
  };

  void feed(std::span<const uint8_t> bytes, ParserListener& listener);
  State state() const { return state_; }
  void reset();

 private:
  void feed_utf8(uint8_t b, ParserListener& listener, const uint8_t*& p);
  void do_action(uint8_t action, uint8_t b, ParserListener& listener);
  void enter(State next, ParserListener& listener);
  void clear();

  State state_ = State::kGround;
  Sequence seq_;
  bool params_full_ = false;
  std::string osc_;
  bool osc_overflow_ = false;
  // UTF-8 decoder state (WHATWG): code point so far, bytes still needed, bounds for the next byte.
  char32_t utf8_cp_ = 0;
  int utf8_needed_ = 0;
  uint8_t utf8_lower_ = 0x80;
  uint8_t utf8_upper_ = 0xBF;
};

}  // namespace tandem::screen
