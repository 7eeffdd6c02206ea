// Predictive local echo (after mosh's prediction engine): what a typist's keys will
// most likely do to the screen, shown before the session's screen comes back.
//
// EchoPredictor holds no I/O: it is told the keys the user typed (the same bytes go
// to the session unchanged: nothing predicted ever leaves this class), the session's
// frames as they arrive, how far its keys have been acknowledged and the round trip,
// and it lays its predictions over the last authoritative frame for drawing.
//
// Predictions form a chain on the cursor's row: each key's row and cursor are built
// on the previous prediction (or the frame). A frame that shows a prediction's row
// and cursor confirms it and those before it; a frame that still shows the row as it
// was before the chain leaves it pending (until its echo is overdue); anything else
// kills the chain, so a wrong guess is erased by the first frame that disproves it,
// at most a round trip after the key. Keys it does not model (Enter, control keys,
// other escape sequences, the last column, a paste) break the chain: nothing more is
// predicted until a frame that came after those keys were acknowledged.
//
// Epochs decide what is shown: a chain that starts after a break or a wrong guess is
// tentative, drawn only once one of its predictions has been confirmed. So a program
// that does not echo (a password prompt) never shows a predicted character, and on
// the alternate screen typing waits for a confirmation wherever the program moved
// the cursor itself. In adaptive
// mode predictions are shown only on a slow link (SRTT over kShowAboveRttMs) or after
// an echo took longer than kGlitchMs; on a slower link (over kFlagAboveRttMs)
// unconfirmed predicted characters are underlined.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

#include "statesync/screen/screen_state.h"

namespace tandem::screen {

enum class PredictMode { kAdaptive, kAlways, kNever };
// "adaptive", "always", "never"; nothing for anything else.
std::optional<PredictMode> parse_predict_mode(std::string_view text);

struct PredictionCounters {
  uint64_t predicted = 0;  // keys predicted
  uint64_t shown = 0;      // of those, drawn at some point
  uint64_t confirmed = 0;  // shown by the session's screen as predicted
  uint64_t killed = 0;     // found wrong or overdue (shown or not)
  uint64_t erased = 0;     // drawn, then taken back: the user saw a wrong guess
};

class EchoPredictor {
 public:
  // Timing, in milliseconds (mosh's values where they apply).
  static constexpr double kShowAboveRttMs = 60;   // adaptive: predictions shown (mosh: send interval 30)
  static constexpr double kHideBelowRttMs = 40;   // ... and hidden again when idle
  static constexpr double kFlagAboveRttMs = 160;  // unconfirmed ones underlined (mosh: send interval 80)
  static constexpr double kUnflagBelowRttMs = 100;
  static constexpr uint64_t kGlitchMs = 250;       // an echo this late shows predictions on any link
  static constexpr uint64_t kGlitchFlagMs = 5000;  // ... and this late underlines them
  static constexpr uint64_t kGlitchDecayMs = 150;  // a quick echo lowers the glitch trigger at most this often
  // An acknowledged key whose echo has not come this long after the acknowledgement
  // (plus twice the recent delay from acknowledgement to echo: a host far from its
  // relay echoes later than the relay acknowledges) is taken as not echoed (the
  // program does not echo it, or echoes elsewhere). A key not yet acknowledged stays
  // predicted (an outage: the user sees what was typed). (mosh: the server's echo
  // ack, 50 ms after it applied the keys; our relay is not where keys are applied.)
  static constexpr uint64_t kEchoTimeoutMs = 250;
  static constexpr uint64_t kLateEchoMs = 3000;  // an echo later than this is not learnt from
  static constexpr size_t kPasteBytes = 100;     // more at once is a paste: not predicted (mosh: same)
  static constexpr size_t kMaxPending = 256;

  explicit EchoPredictor(PredictMode mode = PredictMode::kAdaptive) : mode_(mode) {}

  PredictMode mode() const { return mode_; }

  // The user typed `keys` at `now_ms`; `mark` identifies them in the input sent (a
  // number that grows with every key, e.g. the input log's end after they joined it).
  void type(std::string_view keys, uint64_t mark, uint64_t now_ms);
  // The session has everything typed up to `mark` (its acknowledgement arrived).
  void acknowledged(uint64_t mark, uint64_t now_ms);
  // A new frame of the session arrived (after any acknowledgement it carried).
  void observe(const ScreenState& authority, uint64_t now_ms);
  // Judges again without a new frame (overdue echoes); call every kTickMs while active().
  void tick(uint64_t now_ms);
  static constexpr uint64_t kTickMs = 50;
  // The link's smoothed round trip.
  void set_rtt(double srtt_ms);
  // Forgets every prediction (a resize, a new link); the next keys start tentative.
  void reset();

  // Predictions are pending (tick() has work).
  bool active() const { return !pending_.empty(); }
  // Whether overlay() would draw anything over `authority`.
  bool showing() const { return shown_index() >= 0; }
  // `authority` with the shown predictions laid over it. Marks them as shown.
  ScreenState overlay(const ScreenState& authority);

  const PredictionCounters& counters() const { return counters_; }

 private:
  struct Prediction {
    uint64_t epoch;
    int y;
    RowRef before, after;   // the row before and after this key
    int x_before, x_after;  // the cursor
    uint64_t mark;
    uint64_t made_at;
    uint64_t acked_at = 0;
    bool shown = false;
  };

  // The row and cursor the next key acts on: the last prediction's, or the frame's.
  bool next_base(RowRef& row, int& x, int& y);
  void predict_char(char32_t cp, uint64_t mark, uint64_t now);
  void predict_backspace(uint64_t mark, uint64_t now);
  void predict_move(int dx, uint64_t mark, uint64_t now);
  void add(RowRef before, RowRef after, int y, int x_before, int x_after, uint64_t mark, uint64_t now);
  // A key we do not model: nothing more is predicted until the session has it.
  void unmodelled(uint64_t mark);
  void judge(uint64_t now);
  void kill(uint64_t now);
  void learn_echo_delay(uint64_t acked_at, uint64_t now);
  bool overdue(const Prediction& p, uint64_t now) const;
  bool display_on() const;
  int shown_index() const;

  PredictMode mode_;
  // The last authoritative frame, as much of it as judging needs.
  std::optional<Framebuffer> fb_;
  CursorState cursor_;
  uint32_t modes_ = 0;
  uint64_t frame_at_ = 0;

  std::deque<Prediction> pending_;
  uint64_t epoch_ = 1;  // the epoch new predictions join
  uint64_t confirmed_epoch_ = 0;
  int confirmed_x_ = -1, confirmed_y_ = -1;  // where the last confirmed key left the cursor
  bool broken_ = false;                      // an unmodelled key since the chain began
  uint64_t need_mark_ = 0;                   // ... the newest of them: predicting resumes once it is acknowledged
  uint64_t need_acked_at_ = 0;               // when it was (0: not yet)
  uint64_t typed_mark_ = 0;                  // the newest key's mark
  uint64_t acked_mark_ = 0;
  int typed_from_x_ = -1, typed_from_y_ = -1;  // where typing on this row began: backspace stops there

  // The escape sequence being read: 0 none, 1 after ESC, 2 in CSI, 3 after ESC O.
  int esc_ = 0;
  bool esc_params_ = false;  // the CSI had parameters or intermediates: not an arrow
  char32_t utf8_cp_ = 0;
  int utf8_left_ = 0;

  bool srtt_trigger_ = false;
  bool flagging_ = false;
  int glitch_ = 0;
  double echo_after_ack_ms_ = 0;  // recent delay from a key's acknowledgement to its echo
  // The last chain given up as overdue: if an echo of it comes after all, the delay
  // is learnt from it.
  std::deque<Prediction> expired_;
  uint64_t last_decay_ = 0;
  PredictionCounters counters_;
};

}  // namespace tandem::screen
