#include "statesync/screen/echo_predictor.h"

#include <algorithm>

namespace tandem::screen {
namespace {

// Whether two rows hold the same characters (colours aside: a shell may colour what
// it echoes, and that is still the echo we predicted).
bool same_text(const Row& a, const Row& b, int cols) {
  for (int x = 0; x < cols; ++x) {
    const Cell& ca = a.cell(x);
    const Cell& cb = b.cell(x);
    if (ca.width != cb.width) return false;
    if (!ca.is_cluster() && !cb.is_cluster()) {
      if (ca.ch != cb.ch) return false;
    } else if (a.text_at(x) != b.text_at(x)) {
      return false;
    }
  }
  return true;
}

bool same_cell_text(const Row& a, const Row& b, int x) {
  const Cell& ca = a.cell(x);
  const Cell& cb = b.cell(x);
  if (ca.width != cb.width) return false;
  if (!ca.is_cluster() && !cb.is_cluster()) return ca.ch == cb.ch;
  return a.text_at(x) == b.text_at(x);
}

bool has_text_from(const Row& row, int x, int cols) {
  for (; x < cols; ++x) {
    const Cell& c = row.cell(x);
    if (c.ch != U' ' || c.width != 1) return true;
  }
  return false;
}

}  // namespace

std::optional<PredictMode> parse_predict_mode(std::string_view text) {
  if (text == "adaptive") return PredictMode::kAdaptive;
  if (text == "always") return PredictMode::kAlways;
  if (text == "never") return PredictMode::kNever;
  return std::nullopt;
}

void EchoPredictor::type(std::string_view keys, uint64_t mark, uint64_t now) {
  typed_mark_ = std::max(typed_mark_, mark);
  if (mode_ == PredictMode::kNever) return;
  if (keys.size() > kPasteBytes) {  // a paste: not predicted, and what was predicted goes
    kill(now);
    unmodelled(mark);
    esc_ = 0;
    utf8_left_ = 0;
    return;
  }
  for (const char ch : keys) {
    const auto b = static_cast<unsigned char>(ch);
    if (utf8_left_ > 0) {
      if ((b & 0xC0) == 0x80) {
        utf8_cp_ = (utf8_cp_ << 6) | (b & 0x3F);
        if (--utf8_left_ == 0) predict_char(utf8_cp_, mark, now);
        continue;
      }
      utf8_left_ = 0;  // a broken sequence: the byte is read afresh
      unmodelled(mark);
    }
    if (esc_ == 1) {
      esc_ = b == '[' ? 2 : b == 'O' ? 3 : 0;
      esc_params_ = false;
      if (esc_ == 0) unmodelled(mark);  // Alt-key, or a lone Escape
      continue;
    }
    if (esc_ == 2) {
      if (b >= 0x40 && b <= 0x7E) {
        esc_ = 0;
        if (!esc_params_ && (b == 'C' || b == 'D')) {
          predict_move(b == 'C' ? 1 : -1, mark, now);
        } else {
          unmodelled(mark);
        }
      } else {
        esc_params_ = true;
      }
      continue;
    }
    if (esc_ == 3) {  // SS3: the cursor keys in application mode
      esc_ = 0;
      if (b == 'C' || b == 'D') {
        predict_move(b == 'C' ? 1 : -1, mark, now);
      } else {
        unmodelled(mark);
      }
      continue;
    }
    if (b == 0x1B) {
      esc_ = 1;
    } else if (b == 0x7F || b == 0x08) {
      predict_backspace(mark, now);
    } else if (b < 0x20) {
      unmodelled(mark);  // Enter, Tab, Ctrl-anything: the program decides
    } else if (b < 0x80) {
      predict_char(b, mark, now);
    } else if ((b & 0xE0) == 0xC0) {
      utf8_cp_ = b & 0x1F;
      utf8_left_ = 1;
    } else if ((b & 0xF0) == 0xE0) {
      utf8_cp_ = b & 0x0F;
      utf8_left_ = 2;
    } else if ((b & 0xF8) == 0xF0) {
      utf8_cp_ = b & 0x07;
      utf8_left_ = 3;
    } else {
      unmodelled(mark);
    }
  }
}

void EchoPredictor::acknowledged(uint64_t mark, uint64_t now) {
  if (mark <= acked_mark_) return;
  acked_mark_ = mark;
  for (Prediction& p : pending_) {
    if (p.acked_at == 0 && p.mark <= mark) p.acked_at = now;
  }
  if (broken_ && need_acked_at_ == 0 && mark >= need_mark_) need_acked_at_ = now;
}

void EchoPredictor::observe(const ScreenState& authority, uint64_t now) {
  if (fb_ && (authority.cols() != fb_->cols() || authority.rows() != fb_->rows())) kill(now);
  fb_ = authority.fb;
  cursor_ = authority.cursor;
  modes_ = authority.modes;
  frame_at_ = now;
  // Given up too early? Then wait longer next time.
  for (const Prediction& e : expired_) {
    if (now - e.acked_at > kLateEchoMs) {
      expired_.clear();  // that was no echo
      break;
    }
    if (e.y < fb_->rows() && e.after->cols() == fb_->cols() && cursor_.y == e.y && cursor_.x == e.x_after &&
        same_text(fb_->row(e.y), *e.after, fb_->cols())) {
      learn_echo_delay(e.acked_at, now);
      expired_.clear();
      break;
    }
  }
  judge(now);
}

void EchoPredictor::learn_echo_delay(uint64_t acked_at, uint64_t now) {
  // A late echo raises the estimate at once; it falls slowly.
  const double late = double(now - acked_at);
  echo_after_ack_ms_ = late > echo_after_ack_ms_ ? late : (7 * echo_after_ack_ms_ + late) / 8;
}

void EchoPredictor::tick(uint64_t now) {
  if (fb_) judge(now);
}

void EchoPredictor::set_rtt(double srtt_ms) {
  if (srtt_ms > kShowAboveRttMs) {
    srtt_trigger_ = true;
  } else if (srtt_ms <= kHideBelowRttMs && pending_.empty()) {
    srtt_trigger_ = false;
  }
  if (srtt_ms > kFlagAboveRttMs) {
    flagging_ = true;
  } else if (srtt_ms <= kUnflagBelowRttMs) {
    flagging_ = false;
  }
}

void EchoPredictor::reset() {
  counters_.killed += pending_.size();
  pending_.clear();
  fb_.reset();
  expired_.clear();
  broken_ = false;
  need_mark_ = need_acked_at_ = typed_mark_ = acked_mark_ = 0;
  typed_from_x_ = typed_from_y_ = -1;
  esc_ = 0;
  utf8_left_ = 0;
  ++epoch_;
}

bool EchoPredictor::next_base(RowRef& row, int& x, int& y) {
  if (broken_) {
    // Keys we could not model are on their way: only a frame that came with or after
    // their acknowledgement shows what they did. (Not the learnt echo delay: waiting
    // for it, typing faster than it would never be predicted, nor the delay relearnt.)
    if (!pending_.empty() || !fb_ || need_acked_at_ == 0 || frame_at_ < need_acked_at_) return false;
    broken_ = false;
  }
  if (!pending_.empty()) {
    const Prediction& last = pending_.back();
    row = last.after;
    x = last.x_after;
    y = last.y;
    return true;
  }
  if (!fb_ || !cursor_.visible) return false;
  // A full-screen program: typing somewhere the last confirmed key did not leave the
  // cursor (the program moved it: a command, not text) waits for a confirmation.
  if ((modes_ & mode::kAltScreen) && (cursor_.x != confirmed_x_ || cursor_.y != confirmed_y_)) ++epoch_;
  row = fb_->row_ref(cursor_.y);
  x = cursor_.x;
  y = cursor_.y;
  if (y != typed_from_y_) {
    typed_from_x_ = x;
    typed_from_y_ = y;
  }
  return true;
}

void EchoPredictor::predict_char(char32_t cp, uint64_t mark, uint64_t now) {
  const int w = char_width(cp);
  RowRef base;
  int x, y;
  if (w <= 0 || !next_base(base, x, y)) return unmodelled(mark);
  const int cols = base->cols();
  // Reaching the last column means a wrap, which programs do differently.
  if (x + w > cols - 1 || base->cell(x).width == 0) return unmodelled(mark);
  auto after = std::make_shared<Row>(*base);
  for (int i = cols - 1; i >= x + w; --i) after->at(i) = base->cell(i - w);  // inserted, as a shell's line editor does
  if (after->cell(cols - 1).width == 2) after->at(cols - 1) = Cell::blank();
  // What we typed before on this row lends its colours; the prompt's are not ours.
  const Cell pen = x > typed_from_x_ && y == typed_from_y_ ? base->cell(x - 1) : Cell{};
  after->at(x) = Cell{cp, pen.fg, pen.bg, pen.attrs, uint8_t(w), 0};
  if (w == 2) after->at(x + 1) = Cell{0, pen.fg, pen.bg, pen.attrs, 0, 0};
  after->gen = next_row_gen();
  add(std::move(base), std::move(after), y, x, x + w, mark, now);
}

void EchoPredictor::predict_backspace(uint64_t mark, uint64_t now) {
  RowRef base;
  int x, y;
  if (!next_base(base, x, y)) return unmodelled(mark);
  const int cols = base->cols();
  const int w = x >= 2 && base->cell(x - 1).width == 0 ? 2 : 1;
  // Only what was typed on this row: a prompt is not erased by backspace.
  if (y != typed_from_y_ || x - w < typed_from_x_) return unmodelled(mark);
  auto after = std::make_shared<Row>(*base);
  for (int i = x - w; i < cols - w; ++i) after->at(i) = base->cell(i + w);
  for (int i = cols - w; i < cols; ++i) after->at(i) = Cell::blank();
  after->gen = next_row_gen();
  add(std::move(base), std::move(after), y, x, x - w, mark, now);
}

void EchoPredictor::predict_move(int dx, uint64_t mark, uint64_t now) {
  RowRef base;
  int x, y;
  if (!next_base(base, x, y)) return unmodelled(mark);
  const int cols = base->cols();
  int to;
  if (dx < 0) {
    to = x - 1;
    if (to > 0 && base->cell(to).width == 0) --to;
    if (y != typed_from_y_ || to < typed_from_x_) return unmodelled(mark);
  } else {
    // A line editor moves right only over text.
    if (!has_text_from(*base, x, cols)) return unmodelled(mark);
    to = x + std::max<int>(1, base->cell(x).width);
    if (to > cols - 1) return unmodelled(mark);
  }
  RowRef same = base;
  add(std::move(base), std::move(same), y, x, to, mark, now);
}

void EchoPredictor::add(RowRef before, RowRef after, int y, int x_before, int x_after, uint64_t mark, uint64_t now) {
  if (pending_.size() >= kMaxPending) return unmodelled(mark);
  pending_.push_back(Prediction{epoch_, y, std::move(before), std::move(after), x_before, x_after, mark, now});
  if (acked_mark_ >= mark) pending_.back().acked_at = now;
  ++counters_.predicted;
}

void EchoPredictor::unmodelled(uint64_t mark) {
  broken_ = true;
  need_mark_ = std::max(need_mark_, mark);
  need_acked_at_ = 0;
  typed_from_x_ = typed_from_y_ = -1;
  ++epoch_;
}

bool EchoPredictor::overdue(const Prediction& p, uint64_t now) const {
  // Never before the key is acknowledged: in an outage the user still sees what was
  // typed, and it is confirmed when the link is back.
  return p.acked_at != 0 && now >= p.acked_at + kEchoTimeoutMs + uint64_t(2 * echo_after_ack_ms_);
}

void EchoPredictor::judge(uint64_t now) {
  while (!pending_.empty()) {
    const Prediction& first = pending_.front();
    if (first.y >= fb_->rows() || first.after->cols() != fb_->cols()) return kill(now);
    const Row& row = fb_->row(first.y);
    const int cols = fb_->cols();
    const bool cursor_here = cursor_.y == first.y;
    if (cursor_here && cursor_.x == first.x_before && same_text(row, *first.before, cols)) {
      // Not echoed yet.
      if (first.acked_at == 0 && now - first.made_at >= kGlitchMs) {
        glitch_ = std::max(glitch_, now - first.made_at >= kGlitchFlagMs ? 20 : 10);
      }
      if (overdue(first, now)) {
        expired_.clear();
        for (const Prediction& p : pending_) {
          if (p.acked_at != 0) expired_.push_back(p);
        }
        kill(now);
      }
      return;
    }
    // The newest prediction the frame shows.
    int k = int(pending_.size()) - 1;
    for (; k >= 0; --k) {
      const Prediction& p = pending_[size_t(k)];
      if (p.y == first.y && (!cursor_here || cursor_.x == p.x_after) && same_text(row, *p.after, cols)) break;
    }
    if (k < 0) return kill(now);
    for (int i = 0; i <= k; ++i) {
      const Prediction& p = pending_.front();
      ++counters_.confirmed;
      confirmed_epoch_ = std::max(confirmed_epoch_, p.epoch);
      confirmed_x_ = p.x_after;
      confirmed_y_ = p.y;
      if (p.acked_at != 0) learn_echo_delay(p.acked_at, now);
      if (glitch_ > 0 && now - p.made_at < kGlitchMs && now - last_decay_ >= kGlitchDecayMs) {
        --glitch_;
        last_decay_ = now;
      }
      pending_.pop_front();
    }
    if (!cursor_here) return kill(now);  // the program moved on: the rest cannot be
  }
}

void EchoPredictor::kill(uint64_t now) {
  if (pending_.empty()) return;
  // Erased: the user saw predictions that the session's screen does not show.
  int last_shown = -1;
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].shown) last_shown = int(i);
  }
  if (last_shown >= 0 && fb_) {
    const Prediction& p = pending_[size_t(last_shown)];
    const bool same = p.y < fb_->rows() && p.after->cols() == fb_->cols() &&
                      same_text(fb_->row(p.y), *p.after, fb_->cols()) && cursor_.y == p.y && cursor_.x == p.x_after;
    if (!same) counters_.erased += uint64_t(last_shown + 1);
  }
  counters_.killed += pending_.size();
  pending_.clear();
  broken_ = true;
  need_mark_ = std::max(need_mark_, typed_mark_);
  need_acked_at_ = acked_mark_ >= need_mark_ ? now : 0;
  typed_from_x_ = typed_from_y_ = -1;
  ++epoch_;
}

bool EchoPredictor::display_on() const {
  switch (mode_) {
    case PredictMode::kNever: return false;
    case PredictMode::kAlways: return true;
    case PredictMode::kAdaptive: return srtt_trigger_ || glitch_ > 0;
  }
  return false;
}

int EchoPredictor::shown_index() const {
  if (!display_on()) return -1;
  for (int i = int(pending_.size()) - 1; i >= 0; --i) {
    if (pending_[size_t(i)].epoch <= confirmed_epoch_) return i;
  }
  return -1;
}

ScreenState EchoPredictor::overlay(const ScreenState& authority) {
  ScreenState out = authority;
  const int i = shown_index();
  if (i < 0) return out;
  const Prediction& p = pending_[size_t(i)];
  if (p.y >= out.rows() || p.after->cols() != out.cols()) return out;
  for (int j = 0; j <= i; ++j) {
    if (!pending_[size_t(j)].shown) ++counters_.shown;
    pending_[size_t(j)].shown = true;
  }
  auto row = std::make_shared<Row>(*p.after);
  if (flagging_ || glitch_ >= 20) {
    const Row& real = authority.fb.row(p.y);
    for (int x = 0; x < out.cols(); ++x) {
      if (!same_cell_text(real, *row, x)) row->at(x).attrs |= attr::underline(1);
    }
  }
  row->gen = next_row_gen();
  out.fb.set_row(p.y, std::move(row));
  out.cursor.x = p.x_after;
  out.cursor.y = p.y;
  return out;
}

}  // namespace tandem::screen
