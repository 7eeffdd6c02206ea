#include "statesync/screen/parser.h"

#include <array>

namespace tandem::screen {
namespace {

using State = Parser::State;

enum Action : uint8_t {
  kNone,
  kPrint,
  kExecute,
  kCollect,
  kParam,
  kEscDispatch,
  kCsiDispatch,
  kOscPut,
  kOscEnd,  // BEL inside an OSC string
  kIgnore,
};

constexpr uint8_t kStay = 0x0F;
constexpr int kStates = int(State::kCount);

struct Table {
  // entry = action << 4 | next state (kStay: no transition)
  std::array<std::array<uint8_t, 128>, kStates> entry{};

  constexpr void set(State s, int from, int to, Action a, uint8_t next = kStay) {
    for (int b = from; b <= to; ++b) entry[size_t(s)][size_t(b)] = uint8_t(a << 4 | next);
  }
  constexpr void set(State s, int from, int to, Action a, State next) { set(s, from, to, a, uint8_t(next)); }
  // The C0 controls that every state but the strings executes (or ignores).
  constexpr void c0(State s, Action a) {
    set(s, 0x00, 0x17, a);
    set(s, 0x19, 0x19, a);
    set(s, 0x1C, 0x1F, a);
  }
};

constexpr Table build_table() {
  Table t;
  for (int s = 0; s < kStates; ++s) {
    State st = State(s);
    t.set(st, 0x00, 0x7F, kIgnore);
    // "Anywhere" transitions.
    t.set(st, 0x18, 0x18, kExecute, State::kGround);
    t.set(st, 0x1A, 0x1A, kExecute, State::kGround);
    t.set(st, 0x1B, 0x1B, kNone, State::kEscape);
  }
  t.c0(State::kGround, kExecute);
  t.set(State::kGround, 0x20, 0x7E, kPrint);

  t.c0(State::kEscape, kExecute);
  t.set(State::kEscape, 0x20, 0x2F, kCollect, State::kEscapeIntermediate);
  t.set(State::kEscape, 0x30, 0x7E, kEscDispatch, State::kGround);
  t.set(State::kEscape, 0x5B, 0x5B, kNone, State::kCsiEntry);
  t.set(State::kEscape, 0x5D, 0x5D, kNone, State::kOscString);
  t.set(State::kEscape, 0x50, 0x50, kNone, State::kDcsEntry);
  t.set(State::kEscape, 0x58, 0x58, kNone, State::kSosPmApcString);
  t.set(State::kEscape, 0x5E, 0x5F, kNone, State::kSosPmApcString);

  t.c0(State::kEscapeIntermediate, kExecute);
  t.set(State::kEscapeIntermediate, 0x20, 0x2F, kCollect);
  t.set(State::kEscapeIntermediate, 0x30, 0x7E, kEscDispatch, State::kGround);

  t.c0(State::kCsiEntry, kExecute);
  t.set(State::kCsiEntry, 0x20, 0x2F, kCollect, State::kCsiIntermediate);
  t.set(State::kCsiEntry, 0x30, 0x3B, kParam, State::kCsiParam);
  t.set(State::kCsiEntry, 0x3C, 0x3F, kCollect, State::kCsiParam);
  t.set(State::kCsiEntry, 0x40, 0x7E, kCsiDispatch, State::kGround);

  t.c0(State::kCsiParam, kExecute);
  t.set(State::kCsiParam, 0x30, 0x3B, kParam);
  t.set(State::kCsiParam, 0x3C, 0x3F, kNone, State::kCsiIgnore);
  t.set(State::kCsiParam, 0x20, 0x2F, kCollect, State::kCsiIntermediate);
  t.set(State::kCsiParam, 0x40, 0x7E, kCsiDispatch, State::kGround);

  t.c0(State::kCsiIntermediate, kExecute);
  t.set(State::kCsiIntermediate, 0x20, 0x2F, kCollect);
  t.set(State::kCsiIntermediate, 0x30, 0x3F, kNone, State::kCsiIgnore);
  t.set(State::kCsiIntermediate, 0x40, 0x7E, kCsiDispatch, State::kGround);

  t.c0(State::kCsiIgnore, kExecute);
  t.set(State::kCsiIgnore, 0x40, 0x7E, kNone, State::kGround);

  // DCS: parsed so that its end is found; its contents are ignored.
  t.set(State::kDcsEntry, 0x20, 0x2F, kNone, State::kDcsIntermediate);
  t.set(State::kDcsEntry, 0x30, 0x3F, kNone, State::kDcsParam);
  t.set(State::kDcsEntry, 0x40, 0x7E, kNone, State::kDcsPassthrough);
  t.set(State::kDcsParam, 0x20, 0x2F, kNone, State::kDcsIntermediate);
  t.set(State::kDcsParam, 0x40, 0x7E, kNone, State::kDcsPassthrough);
  t.set(State::kDcsIntermediate, 0x30, 0x3F, kNone, State::kDcsIgnore);
  t.set(State::kDcsIntermediate, 0x40, 0x7E, kNone, State::kDcsPassthrough);

  t.set(State::kOscString, 0x20, 0x7F, kOscPut);
  t.set(State::kOscString, 0x07, 0x07, kOscEnd, State::kGround);
  return t;
}

constexpr Table kTable = build_table();

}  // namespace

void Parser::reset() {
  state_ = State::kGround;
  clear();
  osc_.clear();
  osc_overflow_ = false;
  utf8_needed_ = 0;
}

void Parser::clear() {
  seq_.prefix = 0;
  seq_.intermediate_count = 0;
  seq_.intermediates[0] = seq_.intermediates[1] = 0;
  seq_.overflow = false;
  seq_.final = 0;
  seq_.params.count = 0;
  params_full_ = false;
}

void Parser::enter(State next, ParserListener& listener) {
  if (state_ == State::kOscString && !osc_overflow_ && next != State::kGround) {
    // Left by ESC (normally ST = ESC \): the string is complete.
    listener.osc_dispatch(osc_);
  }
  state_ = next;
  switch (next) {
    case State::kEscape:
    case State::kCsiEntry:
    case State::kDcsEntry:
      clear();
      break;
    case State::kOscString:
      osc_.clear();
      osc_overflow_ = false;
      break;
    default:
      break;
  }
}

void Parser::do_action(uint8_t action, uint8_t b, ParserListener& listener) {
  switch (action) {
    case kPrint:
      listener.print_ascii(&b, 1);
      break;
    case kExecute:
      listener.execute(b);
      break;
    case kCollect:
      if (b >= 0x3C && b <= 0x3F) {
        seq_.prefix = char(b);
      } else if (seq_.intermediate_count < 2) {
        seq_.intermediates[seq_.intermediate_count++] = char(b);
      } else {
        seq_.overflow = true;
      }
      break;
    case kParam: {
      CsiParams& p = seq_.params;
      if (p.count == 0) {
        p.count = 1;
        p.value[0] = CsiParams::kMissing;
        p.sub[0] = false;
      }
      if (b == ';' || b == ':') {
        if (p.count == CsiParams::kMax) {
          params_full_ = true;  // parameters past the limit are dropped
        } else {
          p.value[p.count] = CsiParams::kMissing;
          p.sub[p.count] = b == ':';
          ++p.count;
        }
      } else if (!params_full_) {
        int32_t& v = p.value[p.count - 1];
        int32_t next = (v == CsiParams::kMissing ? 0 : v) * 10 + (b - '0');
        v = next > CsiParams::kValueMax ? CsiParams::kValueMax : next;
      }
      break;
    }
    case kEscDispatch:
      seq_.final = char(b);
      if (!seq_.overflow) listener.esc_dispatch(seq_);
      break;
    case kCsiDispatch:
      seq_.final = char(b);
      if (!seq_.overflow) listener.csi_dispatch(seq_);
      break;
    case kOscPut:
      if (osc_.size() < kMaxOscBytes) {
        osc_.push_back(char(b));
      } else {
        osc_overflow_ = true;
      }
      break;
    case kOscEnd:
      if (!osc_overflow_) listener.osc_dispatch(osc_);
      osc_overflow_ = true;  // dispatched; leaving the state must not dispatch again
      break;
    default:
      break;
  }
}

void Parser::feed_utf8(uint8_t b, ParserListener& listener, const uint8_t*& p) {
  if (utf8_needed_ == 0) {
    ++p;
    if (b >= 0xC2 && b <= 0xDF) {
      utf8_needed_ = 1;
      utf8_cp_ = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      if (b == 0xE0) utf8_lower_ = 0xA0;
      if (b == 0xED) utf8_upper_ = 0x9F;
      utf8_needed_ = 2;
      utf8_cp_ = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      if (b == 0xF0) utf8_lower_ = 0x90;
      if (b == 0xF4) utf8_upper_ = 0x8F;
      utf8_needed_ = 3;
      utf8_cp_ = b & 0x07;
    } else {
      listener.print(kReplacementChar);
    }
    return;
  }
  if (b < utf8_lower_ || b > utf8_upper_) {
    // Not a continuation: the sequence so far is one U+FFFD and this byte starts afresh.
    utf8_needed_ = 0;
    utf8_lower_ = 0x80;
    utf8_upper_ = 0xBF;
    listener.print(kReplacementChar);
    return;
  }
  ++p;
  utf8_lower_ = 0x80;
  utf8_upper_ = 0xBF;
  utf8_cp_ = (utf8_cp_ << 6) | (b & 0x3F);
  if (--utf8_needed_ == 0 && utf8_cp_ >= 0xA0) listener.print(utf8_cp_);
}

void Parser::feed(std::span<const uint8_t> bytes, ParserListener& listener) {
  const uint8_t* p = bytes.data();
  const uint8_t* end = p + bytes.size();
  while (p < end) {
    uint8_t b = *p;
    if (state_ == State::kGround) {
      if (b >= 0x80 || utf8_needed_ > 0) {
        if (b >= 0x80) {
          feed_utf8(b, listener, p);
          continue;
        }
        utf8_needed_ = 0;
        utf8_lower_ = 0x80;
        utf8_upper_ = 0xBF;
        listener.print(kReplacementChar);
      }
      if (b >= 0x20 && b < 0x7F) {
        const uint8_t* run = p;
        while (p < end && *p >= 0x20 && *p < 0x7F) ++p;
        listener.print_ascii(run, size_t(p - run));
        continue;
      }
      if (b < 0x20 && b != 0x1B && b != 0x18 && b != 0x1A) {
        // CR, LF and the other C0 controls need no table in the ground state.
        ++p;
        listener.execute(b);
        continue;
      }
    } else if (b >= 0x80) {
      if (state_ == State::kOscString) do_action(kOscPut, b, listener);
      ++p;
      continue;
    }
    ++p;
    uint8_t e = kTable.entry[size_t(state_)][b];
    uint8_t action = e >> 4;
    uint8_t next = e & 0x0F;
    if (next != kStay && action == kExecute && next == uint8_t(State::kGround)) {
      // CAN and SUB abort any sequence; an OSC string cut short is not dispatched.
      if (state_ == State::kOscString) osc_overflow_ = true;
      state_ = State::kGround;
      listener.execute(b);
      continue;
    }
    if (next != kStay && action != kOscEnd) {
      // Actions that belong to the transition run before entering the new state,
      // except those that dispatch, which must see the collected sequence first.
      do_action(action, b, listener);
      enter(State(next), listener);
      continue;
    }
    do_action(action, b, listener);
    if (next != kStay) state_ = State(next);
  }
}

}  // namespace tandem::screen
