#include "statesync/screen/terminal.h"

#include <algorithm>
#include <charconv>

namespace tandem::screen {
namespace {

// DEC Special Graphics for 0x5F..0x7E (line drawing as used by ncurses and tmux).
constexpr char32_t kDecGraphics[32] = {
    U' ',     U'\u25C6', U'\u2592', U'\u2409', U'\u240C', U'\u240D', U'\u240A', U'\u00B0',
    U'\u00B1', U'\u2424', U'\u240B', U'\u2518', U'\u2510', U'\u250C', U'\u2514', U'\u253C',
    U'\u23BA', U'\u23BB', U'\u2500', U'\u23BC', U'\u23BD', U'\u251C', U'\u2524', U'\u2534',
    U'\u252C', U'\u2502', U'\u2264', U'\u2265', U'\u03C0', U'\u2260', U'\u00A3', U'\u00B7',
};

// An extended colour (38/48/58) at params[i]; advances i past what it used.
bool parse_extended_color(const CsiParams& p, int& i, Color& out) {
  auto val = [&](int k) { return k < p.count && p.value[k] >= 0 ? p.value[k] : 0; };
  if (i + 1 < p.count && p.sub[i + 1]) {
    int first = i + 1;
    int last = first;
    while (last + 1 < p.count && p.sub[last + 1]) ++last;
    i = last;
    int n = last - first + 1;
    int kind = val(first);
    if (kind == 5 && n >= 2) {
      if (val(first + 1) > 255) return false;
      out = indexed_color(uint8_t(val(first + 1)));
      return true;
    }
    if (kind == 2 && n >= 4) {
      int c = n >= 5 ? first + 2 : first + 1;  // 38:2:<colourspace>:r:g:b or 38:2:r:g:b
      if (val(c) > 255 || val(c + 1) > 255 || val(c + 2) > 255) return false;
      out = rgb_color(uint8_t(val(c)), uint8_t(val(c + 1)), uint8_t(val(c + 2)));
      return true;
    }
    return false;
  }
  int kind = val(i + 1);
  if (kind == 5) {
    int idx = val(i + 2);
    i += 2;
    if (idx > 255) return false;
    out = indexed_color(uint8_t(idx));
    return true;
  }
  if (kind == 2) {
    int r = val(i + 2), g = val(i + 3), b = val(i + 4);
    i += 4;
    if (r > 255 || g > 255 || b > 255) return false;
    out = rgb_color(uint8_t(r), uint8_t(g), uint8_t(b));
    return true;
  }
  i += 1;
  return false;
}

}  // namespace

Terminal::Terminal(int cols, int rows, size_t scrollback_limit)
    : state_(1, 1, scrollback_limit), other_(1, 1), tabs_(1, false) {
  resize(cols, rows);
}

// ---------------------------------------------------------------------------------
// Printing

void Terminal::print_ascii(const uint8_t* text, size_t n) {
  if (charsets_[size_t(gl_)] != Charset::kAscii || insert_) {
    for (size_t i = 0; i < n; ++i) print(text[i]);
    return;
  }
  const int cols = state_.cols();
  zwj_ = false;
  const Cell templ{0, pen_.fg, pen_.bg, pen_.attrs, 1, 0};
  while (n > 0) {
    if (pending_wrap_) wrap_line();
    int x = cursor().x;
    Row& row = state_.fb.mut_row(cursor().y);
    size_t room = size_t(cols - x);
    size_t k = std::min(n, room);
    row.break_wide(x, x + int(k));
    Cell c = templ;
    if (!pen_extra_.empty()) c.extra = row.intern_extra(pen_extra_);
    Cell* out = row.span(x, x + int(k));
    for (size_t i = 0; i < k; ++i) {
      c.ch = text[i];
      out[i] = c;
    }
    last_char_ = text[k - 1];
    text += k;
    n -= k;
    x += int(k);
    if (x < cols) {
      cursor().x = x;
      continue;
    }
    cursor().x = cols - 1;
    if (autowrap_) {
      pending_wrap_ = true;
    } else if (n > 0) {
      // Without autowrap everything past the edge lands on the last column.
      c.ch = text[n - 1];
      row.at(cols - 1) = c;
      last_char_ = c.ch;
      n = 0;
    }
  }
}

void Terminal::print(char32_t cp) {
  if (cp >= 0x5F && cp <= 0x7E && charsets_[size_t(gl_)] == Charset::kDecGraphics) cp = kDecGraphics[cp - 0x5F];
  const int cols = state_.cols();
  int w = char_width(cp);
  if (w == 0) {
    // A zero-width joiner joins only if a mark follows: a character after it takes
    // cells of its own here (as wcwidth says, and the program counts), so the joiner
    // is dropped, or a viewer's terminal would draw both in one place and leave the
    // cells the program thinks they cover stale.
    if (cp == kZeroWidthJoiner) {
      zwj_ = true;
      return;
    }
    // A combining mark joins the character before the cursor.
    int x = pending_wrap_ ? cursor().x : cursor().x - 1;
    if (x < 0) return;
    Row& row = state_.fb.mut_row(cursor().y);
    if (row.cell(x).width == 0 && x > 0) --x;
    if (std::exchange(zwj_, false)) row.add_mark(x, kZeroWidthJoiner);
    row.add_mark(x, cp);
    return;
  }
  zwj_ = false;
  if (w > cols) return;
  if (pending_wrap_) wrap_line();
  if (cursor().x + w > cols) {
    if (!autowrap_) return;
    // A wide character that does not fit wraps whole to the next line.
    pending_wrap_ = false;
    wrap_line();
  }
  int x = cursor().x;
  if (insert_) insert_cells(w);
  Row& row = state_.fb.mut_row(cursor().y);
  row.break_wide(x, x + w);
  const uint8_t extra = pen_extra_.empty() ? 0 : row.intern_extra(pen_extra_);
  row.at(x) = Cell{cp, pen_.fg, pen_.bg, pen_.attrs, uint8_t(w), extra};
  if (w == 2) row.at(x + 1) = Cell{0, pen_.fg, pen_.bg, pen_.attrs, 0, extra};
  last_char_ = cp;
  x += w;
  if (x < cols) {
    cursor().x = x;
  } else {
    cursor().x = cols - 1;
    pending_wrap_ = autowrap_;
  }
}

void Terminal::wrap_line() {
  pending_wrap_ = false;
  state_.fb.mut_row(cursor().y).wrapped = true;
  cursor().x = 0;
  index();
}

// ---------------------------------------------------------------------------------
// Cursor and scrolling

void Terminal::index() {
  if (cursor().y == bottom_) {
    scroll_up(1, true);
  } else if (cursor().y < state_.rows() - 1) {
    ++cursor().y;
  }
}

void Terminal::reverse_index() {
  if (cursor().y == top_) {
    scroll_down(1);
  } else if (cursor().y > 0) {
    --cursor().y;
  }
}

void Terminal::scroll_up(int n, bool to_scrollback) {
  Scrollback* sb = to_scrollback && top_ == 0 && !alt_screen() ? &state_.scrollback : nullptr;
  state_.fb.scroll_up(top_, bottom_, n, blank(), sb);
}

void Terminal::scroll_down(int n) { state_.fb.scroll_down(top_, bottom_, n, blank()); }

void Terminal::move_to(int x, int y) {
  pending_wrap_ = false;
  cursor().x = std::clamp(x, 0, state_.cols() - 1);
  cursor().y = std::clamp(y, 0, state_.rows() - 1);
}

// CUP and VPA: rows count from the top margin in origin mode, and stay inside it.
void Terminal::move_to_origin_relative(int x, int y) {
  if (origin_) {
    move_to(x, std::clamp(y + top_, top_, bottom_));
  } else {
    move_to(x, y);
  }
}

void Terminal::tab_forward(int n) {
  pending_wrap_ = false;
  int x = cursor().x;
  const int last = state_.cols() - 1;
  while (n-- > 0 && x < last) {
    do ++x;
    while (x < last && !tabs_[size_t(x)]);
  }
  cursor().x = x;
}

void Terminal::tab_backward(int n) {
  pending_wrap_ = false;
  int x = cursor().x;
  while (n-- > 0 && x > 0) {
    do --x;
    while (x > 0 && !tabs_[size_t(x)]);
  }
  cursor().x = x;
}

// ---------------------------------------------------------------------------------
// Editing

void Terminal::erase_cells(int y, int x0, int x1) {
  x0 = std::clamp(x0, 0, state_.cols());
  x1 = std::clamp(x1, 0, state_.cols());
  if (x0 >= x1) return;
  if (x0 == 0 && x1 == state_.cols()) {
    state_.fb.clear_row(y, blank());
    return;
  }
  Row& row = state_.fb.mut_row(y);
  row.break_wide(x0, x1);
  row.fill(x0, x1, blank());
  if (x1 == state_.cols()) row.wrapped = false;
}

void Terminal::erase_in_display(int how) {
  pending_wrap_ = false;
  const int y = cursor().y;
  switch (how) {
    case 0:
      erase_cells(y, cursor().x, state_.cols());
      for (int r = y + 1; r < state_.rows(); ++r) state_.fb.clear_row(r, blank());
      break;
    case 1:
      for (int r = 0; r < y; ++r) state_.fb.clear_row(r, blank());
      erase_cells(y, 0, cursor().x + 1);
      break;
    case 2:
      state_.fb.clear(blank());
      break;
    case 3:
      state_.scrollback.clear();
      break;
  }
}

void Terminal::erase_in_line(int how) {
  pending_wrap_ = false;
  switch (how) {
    case 0: erase_cells(cursor().y, cursor().x, state_.cols()); break;
    case 1: erase_cells(cursor().y, 0, cursor().x + 1); break;
    case 2: erase_cells(cursor().y, 0, state_.cols()); break;
  }
}

void Terminal::insert_cells(int n) {
  pending_wrap_ = false;
  const int cols = state_.cols();
  const int x = cursor().x;
  n = std::clamp(n, 0, cols - x);
  if (n == 0) return;
  Row& row = state_.fb.mut_row(cursor().y);
  row.break_wide(x, x);
  Cell* cells = row.span(0, cols);
  std::copy_backward(cells + x, cells + cols - n, cells + cols);
  row.fill(x, x + n, blank());
  Cell& last = row.at(cols - 1);
  if (last.width == 2) last = blank();
}

void Terminal::delete_cells(int n) {
  pending_wrap_ = false;
  const int cols = state_.cols();
  const int x = cursor().x;
  n = std::clamp(n, 0, cols - x);
  if (n == 0) return;
  Row& row = state_.fb.mut_row(cursor().y);
  row.break_wide(x, x + n);
  Cell* cells = row.span(0, cols);
  std::copy(cells + x + n, cells + cols, cells + x);
  row.fill(cols - n, cols, blank());
}

void Terminal::insert_lines(int n) {
  if (cursor().y < top_ || cursor().y > bottom_) return;
  state_.fb.scroll_down(cursor().y, bottom_, n, blank());
  move_to(0, cursor().y);
}

void Terminal::delete_lines(int n) {
  if (cursor().y < top_ || cursor().y > bottom_) return;
  state_.fb.scroll_up(cursor().y, bottom_, n, blank(), nullptr);
  move_to(0, cursor().y);
}

// ---------------------------------------------------------------------------------
// Controls and sequences

void Terminal::execute(uint8_t c0) {
  zwj_ = false;
  switch (c0) {
    case 0x07:
      ++state_.bell_count;
      break;
    case 0x08:
      pending_wrap_ = false;  // as xterm: from the pending-wrap state, back to the column before the last
      if (cursor().x > 0) --cursor().x;
      break;
    case 0x09:
      tab_forward(1);
      break;
    case 0x0A:
    case 0x0B:
    case 0x0C:
      pending_wrap_ = false;
      index();
      if (newline_mode_) cursor().x = 0;
      break;
    case 0x0D:
      pending_wrap_ = false;
      cursor().x = 0;
      break;
    case 0x0E:
      gl_ = 1;
      break;
    case 0x0F:
      gl_ = 0;
      break;
    default:
      break;
  }
}

void Terminal::esc_dispatch(const Sequence& seq) {
  if (seq.intermediate_count == 1) {
    char i = seq.intermediates[0];
    if (i == '(' || i == ')') {
      charsets_[i == '(' ? 0 : 1] = seq.final == '0' ? Charset::kDecGraphics : Charset::kAscii;
    } else if (i == '#' && seq.final == '8') {
      // DECALN: fill the screen with 'E'.
      top_ = 0;
      bottom_ = state_.rows() - 1;
      for (int y = 0; y < state_.rows(); ++y) {
        Row& row = state_.fb.mut_row(y);
        row.fill(0, state_.cols(), Cell{U'E'});
        row.wrapped = false;
      }
      move_to(0, 0);
    }
    return;
  }
  if (seq.intermediate_count != 0) return;
  switch (seq.final) {
    case '7': save_cursor(); break;
    case '8': restore_cursor(); break;
    case 'D': pending_wrap_ = false; index(); break;
    case 'E': pending_wrap_ = false; index(); cursor().x = 0; break;
    case 'M': pending_wrap_ = false; reverse_index(); break;
    case 'H': tabs_[size_t(cursor().x)] = true; break;
    case 'c': full_reset(); break;
    case '=': state_.modes |= mode::kAppKeypad; break;
    case '>': state_.modes &= ~mode::kAppKeypad; break;
    default: break;
  }
}

void Terminal::csi_dispatch(const Sequence& seq) {
  zwj_ = false;
  const CsiParams& p = seq.params;
  const int n1 = p.get(0, 1);
  const CursorState& c = state_.cursor;
  if (seq.intermediate_count == 1) {
    char i = seq.intermediates[0];
    if (i == ' ' && seq.final == 'q' && seq.prefix == 0) {
      int shape = p.raw(0, 0);
      if (shape <= 6) state_.cursor.shape = uint8_t(shape);
    } else if (i == '!' && seq.final == 'p') {
      soft_reset();
    }
    return;
  }
  if (seq.intermediate_count != 0) return;
  if (seq.prefix == '?') {
    switch (seq.final) {
      case 'h':
      case 'l':
        set_mode(seq, seq.final == 'h');
        break;
      case 'J': erase_in_display(p.raw(0, 0)); break;
      case 'K': erase_in_line(p.raw(0, 0)); break;
      default: break;
    }
    return;
  }
  if (seq.prefix == '>') {
    if (seq.final == 'c' && p.raw(0, 0) == 0) reply("\x1b[>1;10;0c");
    return;
  }
  if (seq.prefix != 0) return;
  switch (seq.final) {
    case '@': insert_cells(n1); break;
    case 'A': move_to(c.x, std::max(c.y - n1, c.y >= top_ ? top_ : 0)); break;
    case 'B':
    case 'e': move_to(c.x, std::min(c.y + n1, c.y <= bottom_ ? bottom_ : state_.rows() - 1)); break;
    case 'C':
    case 'a': move_to(c.x + n1, c.y); break;
    case 'D': move_to(c.x - n1, c.y); break;
    case 'E': move_to(0, std::min(c.y + n1, c.y <= bottom_ ? bottom_ : state_.rows() - 1)); break;
    case 'F': move_to(0, std::max(c.y - n1, c.y >= top_ ? top_ : 0)); break;
    case 'G':
    case '`': move_to(n1 - 1, c.y); break;
    case 'H':
    case 'f': move_to_origin_relative(p.get(1, 1) - 1, n1 - 1); break;
    case 'I': tab_forward(n1); break;
    case 'J': erase_in_display(p.raw(0, 0)); break;
    case 'K': erase_in_line(p.raw(0, 0)); break;
    case 'L': insert_lines(n1); break;
    case 'M': delete_lines(n1); break;
    case 'P': delete_cells(n1); break;
    case 'S': scroll_up(n1, false); break;
    case 'T':
      if (p.count <= 1) scroll_down(n1);  // with more parameters it is a mouse-tracking request
      break;
    case 'X':
      pending_wrap_ = false;
      erase_cells(c.y, c.x, c.x + n1);
      break;
    case 'Z': tab_backward(n1); break;
    case 'b':
      if (last_char_ != 0) {
        for (int k = std::min(n1, state_.cols() * state_.rows()); k > 0; --k) print(last_char_);
      }
      break;
    case 'c':
      if (p.raw(0, 0) == 0) reply("\x1b[?62;22c");
      break;
    case 'd': move_to_origin_relative(c.x, n1 - 1); break;
    case 'g':
      if (p.raw(0, 0) == 0) {
        tabs_[size_t(c.x)] = false;
      } else if (p.raw(0, 0) == 3) {
        std::fill(tabs_.begin(), tabs_.end(), false);
      }
      break;
    case 'h':
    case 'l':
      set_mode(seq, seq.final == 'h');
      break;
    case 'm': select_graphic_rendition(p); break;
    case 'n':
      if (p.raw(0, 0) == 5) {
        reply("\x1b[0n");
      } else if (p.raw(0, 0) == 6) {
        std::string r = "\x1b[";
        append_decimal(r, c.y + 1 - (origin_ ? top_ : 0));
        r.push_back(';');
        append_decimal(r, c.x + 1);
        r.push_back('R');
        reply(r);
      }
      break;
    case 'r': {
      int top = p.get(0, 1) - 1;
      int bottom = std::min(p.get(1, state_.rows()), state_.rows()) - 1;
      if (top < bottom) {
        top_ = top;
        bottom_ = bottom;
        move_to_origin_relative(0, 0);
      }
      break;
    }
    case 's': save_cursor(); break;
    case 'u': restore_cursor(); break;
    default: break;
  }
}

void Terminal::select_graphic_rendition(const CsiParams& p) {
  if (p.count == 0) {
    pen_ = Pen{};
    pen_extra_.underline = kDefaultColor;
    return;
  }
  for (int i = 0; i < p.count; ++i) {
    if (p.sub[i]) continue;  // a sub-parameter no leader claimed
    int v = p.value[i] < 0 ? 0 : p.value[i];
    switch (v) {
      case 0:
        pen_ = Pen{};
        pen_extra_.underline = kDefaultColor;  // a hyperlink outlives SGR 0
        break;
      case 1: pen_.attrs |= attr::kBold; break;
      case 2: pen_.attrs |= attr::kDim; break;
      case 3: pen_.attrs |= attr::kItalic; break;
      case 4: {
        int style = 1;
        if (i + 1 < p.count && p.sub[i + 1]) {
          style = std::max(p.value[i + 1], 0);
          while (i + 1 < p.count && p.sub[i + 1]) ++i;
        }
        if (style <= attr::kMaxUnderline) {
          pen_.attrs = uint16_t((pen_.attrs & ~attr::kUnderlineMask) | attr::underline(style));
        }
        break;
      }
      case 5:
      case 6: pen_.attrs |= attr::kBlink; break;
      case 7: pen_.attrs |= attr::kInverse; break;
      case 8: pen_.attrs |= attr::kInvisible; break;
      case 9: pen_.attrs |= attr::kStrike; break;
      case 21: pen_.attrs = uint16_t((pen_.attrs & ~attr::kUnderlineMask) | attr::underline(2)); break;
      case 22: pen_.attrs &= uint16_t(~(attr::kBold | attr::kDim)); break;
      case 23: pen_.attrs &= uint16_t(~attr::kItalic); break;
      case 24: pen_.attrs &= uint16_t(~attr::kUnderlineMask); break;
      case 25: pen_.attrs &= uint16_t(~attr::kBlink); break;
      case 27: pen_.attrs &= uint16_t(~attr::kInverse); break;
      case 28: pen_.attrs &= uint16_t(~attr::kInvisible); break;
      case 29: pen_.attrs &= uint16_t(~attr::kStrike); break;
      case 38: parse_extended_color(p, i, pen_.fg); break;
      case 39: pen_.fg = kDefaultColor; break;
      case 48: parse_extended_color(p, i, pen_.bg); break;
      case 49: pen_.bg = kDefaultColor; break;
      case 53: pen_.attrs |= attr::kOverline; break;
      case 55: pen_.attrs &= uint16_t(~attr::kOverline); break;
      case 58: parse_extended_color(p, i, pen_extra_.underline); break;
      case 59: pen_extra_.underline = kDefaultColor; break;
      default:
        if (v >= 30 && v <= 37) {
          pen_.fg = indexed_color(uint8_t(v - 30));
        } else if (v >= 40 && v <= 47) {
          pen_.bg = indexed_color(uint8_t(v - 40));
        } else if (v >= 90 && v <= 97) {
          pen_.fg = indexed_color(uint8_t(v - 90 + 8));
        } else if (v >= 100 && v <= 107) {
          pen_.bg = indexed_color(uint8_t(v - 100 + 8));
        }
        break;
    }
  }
}

void Terminal::set_mode(const Sequence& seq, bool on) {
  const CsiParams& p = seq.params;
  for (int i = 0; i < p.count; ++i) {
    int m = p.value[i];
    if (m < 0) continue;
    if (seq.prefix == '?') {
      set_private_mode(m, on);
    } else if (m == 4) {
      insert_ = on;
    } else if (m == 20) {
      newline_mode_ = on;
    }
  }
}

void Terminal::set_private_mode(int m, bool on) {
  auto flag = [&](uint32_t bit) {
    if (on) {
      state_.modes |= bit;
    } else {
      state_.modes &= ~bit;
    }
  };
  switch (m) {
    case 1: flag(mode::kAppCursor); break;
    case 5: flag(mode::kReverseVideo); break;
    case 6:
      origin_ = on;
      move_to_origin_relative(0, 0);
      break;
    case 7:
      autowrap_ = on;
      if (!on) pending_wrap_ = false;
      break;
    case 9: flag(mode::kMouseX10); break;
    case 12: flag(mode::kCursorBlink); break;
    case 25: state_.cursor.visible = on; break;
    case 47: switch_screen(on, false); break;
    case 1047:
      if (!on && alt_screen()) state_.fb.clear(Cell::blank());
      switch_screen(on, false);
      break;
    case 1048:
      if (on) {
        save_cursor();
      } else {
        restore_cursor();
      }
      break;
    case 1049:
      if (on) {
        if (alt_screen()) break;
        save_cursor();
        switch_screen(true, true);
      } else {
        if (!alt_screen()) break;
        switch_screen(false, false);
        restore_cursor();
      }
      break;
    case 1000: flag(mode::kMouseNormal); break;
    case 1002: flag(mode::kMouseButton); break;
    case 1003: flag(mode::kMouseAny); break;
    case 1004: flag(mode::kFocusEvents); break;
    case 1005: flag(mode::kMouseUtf8); break;
    case 1006: flag(mode::kMouseSgr); break;
    case 1015: flag(mode::kMouseUrxvt); break;
    case 2004: flag(mode::kBracketedPaste); break;
    default: break;
  }
}

void Terminal::switch_screen(bool alt, bool clear_alt) {
  if (alt == alt_screen()) return;
  std::swap(state_.fb, other_);
  if (alt) {
    state_.modes |= mode::kAltScreen;
    if (clear_alt) state_.fb.clear(blank());
  } else {
    state_.modes &= ~mode::kAltScreen;
  }
  pending_wrap_ = false;
}

void Terminal::save_cursor() {
  SavedCursor& s = saved_[alt_screen() ? 1 : 0];
  s.x = cursor().x;
  s.y = cursor().y;
  s.pen = pen_;
  s.underline = pen_extra_.underline;
  s.pending_wrap = pending_wrap_;
  s.origin = origin_;
  s.charsets = charsets_;
  s.gl = gl_;
}

void Terminal::restore_cursor() {
  const SavedCursor& s = saved_[alt_screen() ? 1 : 0];
  move_to(s.x, s.y);
  pen_ = s.pen;
  pen_extra_.underline = s.underline;
  pending_wrap_ = s.pending_wrap && autowrap_ && s.x == state_.cols() - 1;
  origin_ = s.origin;
  charsets_ = s.charsets;
  gl_ = s.gl;
}

void Terminal::soft_reset() {
  pen_ = Pen{};
  pen_extra_ = CellExtra{};
  pending_wrap_ = false;
  top_ = 0;
  bottom_ = state_.rows() - 1;
  origin_ = false;
  autowrap_ = true;
  insert_ = false;
  charsets_ = {Charset::kAscii, Charset::kAscii};
  gl_ = 0;
  saved_[0] = saved_[1] = SavedCursor{};
  state_.cursor.visible = true;
  state_.modes &= ~(mode::kAppCursor | mode::kAppKeypad);
}

void Terminal::full_reset() {
  switch_screen(false, false);
  soft_reset();
  newline_mode_ = false;
  state_.modes = 0;
  state_.cursor = CursorState{};
  state_.title.clear();
  state_.cwd.clear();
  state_.fb.clear(Cell::blank());
  other_.clear(Cell::blank());
  std::fill(tabs_.begin(), tabs_.end(), false);
  for (size_t x = 8; x < tabs_.size(); x += 8) tabs_[x] = true;
  last_char_ = 0;
}

namespace {

// A title or clipboard as a screen state may hold it: no control characters (a
// program may send any bytes; the screen's decoder refuses these).
bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char ch) { return uint8_t(ch) >= 0x20 && uint8_t(ch) < 0x7F; });
}

std::string without_controls(std::string_view text, size_t limit) {
  std::string out;
  for (char ch : text.substr(0, limit)) {
    if (uint8_t(ch) >= 0x20 && uint8_t(ch) != 0x7F) out.push_back(ch);
  }
  return out;
}

}  // namespace

void Terminal::osc_dispatch(std::string_view text) {
  size_t semi = text.find(';');
  if (semi == std::string_view::npos) return;
  int code = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + semi, code);
  if (ec != std::errc{} || ptr != text.data() + semi) return;
  std::string_view arg = text.substr(semi + 1);
  switch (code) {
    case 0:
    case 2:
      state_.title = without_controls(arg, kMaxTitleBytes);
      break;
    case 52: {
      // "52;<selection>;<base64>" sets the clipboard; "?" is a query we never answer,
      // so that a program cannot read what a mate copied.
      size_t s = arg.find(';');
      if (s == std::string_view::npos) return;
      std::string_view data = arg.substr(s + 1);
      if (data == "?" || data.size() > kMaxClipboardBytes) return;
      state_.clipboard = without_controls(data, kMaxClipboardBytes);
      ++state_.clipboard_seq;  // the same text copied again is sent again
      break;
    }
    case 7:
      // "7;file://host/path": where the program is. Kept only if it fits and is clean.
      if (arg.size() <= kMaxCwdBytes && printable_ascii(arg)) state_.cwd = std::string(arg);
      break;
    case 8: {
      // "8;params;URI" starts a link (an empty URI ends it). The params' id groups a
      // link's cells; a link without one gets its own, so that a viewer shown it in
      // pieces still sees one link.
      size_t s = arg.find(';');
      if (s == std::string_view::npos) return;
      std::string_view params = arg.substr(0, s), uri = arg.substr(s + 1);
      if (uri.empty() || uri.size() > kMaxLinkUriBytes || !printable_ascii(uri)) {
        pen_extra_.link.reset();
        return;
      }
      std::string id;
      for (size_t at = 0; at <= params.size();) {
        size_t end = std::min(params.find(':', at), params.size());
        std::string_view kv = params.substr(at, end - at);
        if (kv.substr(0, 3) == "id=") id = std::string(kv.substr(3));
        at = end + 1;
      }
      if (id.size() > kMaxLinkIdBytes || !printable_ascii(id) || id.find(';') != std::string::npos ||
          id.find(':') != std::string::npos) {
        id.clear();
      }
      if (id.empty()) {
        id.push_back('t');  // (not `id = "t"`: GCC 12's -Wrestrict misfires on that at -O3)
        append_decimal(id, int(++links_made_ & 0x7FFFFFFF));
      }
      pen_extra_.link = std::make_shared<const Hyperlink>(Hyperlink{std::string(uri), std::move(id)});
      break;
    }
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------
// Resize

namespace {

// Columns of a row in use: up to its last cell that is not a blank.
int used_width(const Row& r) {
  for (int x = r.cols() - 1; x >= 0; --x) {
    if (!(r.cell(x) == Cell::blank())) return x + 1;
  }
  return 0;
}

}  // namespace

// The screen's lines joined where they wrapped and split again at `cols`: what no
// longer fits above scrolls into the history, and the cursor stays on its character.
void Terminal::rewrap(int cols, int rows) {
  const int old_rows = state_.rows();
  int last = cursor().y;
  for (int y = old_rows - 1; y > last; --y) {
    if (!state_.fb.row(y).is_blank()) {
      last = y;
      break;
    }
  }
  // A line that began in the history (its rows there wrapped) is rewrapped whole:
  // those rows leave the history and come back rewrapped.
  Scrollback& history = state_.scrollback;
  size_t back = 0;
  while (back < history.size() && back < size_t(kMaxDimension) && history.line(history.size() - 1 - back)->wrapped) ++back;
  std::vector<RowRef> in;
  for (size_t i = history.size() - back; i < history.size(); ++i) in.push_back(history.line(i));
  if (back > 0) {
    Scrollback kept(history.limit());
    for (size_t i = 0; i + back < history.size(); ++i) kept.push(history.line(i));
    kept.set_total(history.total() - back);
    history = std::move(kept);
  }
  for (int y = 0; y <= last; ++y) in.push_back(state_.fb.row_ref(y));  // held: the rows are replaced below
  const int cursor_in = int(back) + cursor().y;
  std::vector<RowRef> out;
  RowRef row = std::make_shared<Row>(cols);
  int x = 0;
  int cursor_row = -1, cursor_x = 0;
  const int end = int(in.size()) - 1;
  for (int y = 0; y <= end; ++y) {
    const Row& src = *in[size_t(y)];
    const int used = src.wrapped ? src.cols() : used_width(src);
    for (int sx = 0; sx < used; ++sx) {
      const Cell& c = src.cell(sx);
      if (c.width == 0) continue;  // the second half of a wide character: with its first
      const int w = c.width == 2 && sx + 1 < src.cols() ? 2 : 1;
      if (x + w > cols) {
        row->wrapped = true;
        out.push_back(std::exchange(row, std::make_shared<Row>(cols)));
        x = 0;
      }
      if (y == cursor_in && sx == cursor().x) {
        cursor_row = int(out.size());
        cursor_x = x;
      }
      row->copy_cell(x, src, sx);
      if (w == 2) row->copy_cell(x + 1, src, sx + 1);
      x += w;
    }
    if (y == cursor_in && cursor_row < 0) {
      // The cursor past the line's text: as far past it as it was, on its last row.
      int past = std::max(0, cursor().x - used);
      if (x > 0 && x + past >= cols) {  // it would be past the edge: where the next character goes
        row->wrapped = true;
        out.push_back(std::exchange(row, std::make_shared<Row>(cols)));
        x = 0;
        past = 0;
      }
      cursor_row = int(out.size());
      cursor_x = std::min(cols - 1, x + std::max(0, past));
    }
    if (!src.wrapped || y == end) {
      out.push_back(std::exchange(row, std::make_shared<Row>(cols)));
      x = 0;
    }
  }
  if (cursor_row < 0) cursor_row = int(out.size()) - 1;
  // The cursor keeps its row on the screen, as tmux keeps it (what no longer fits
  // above goes to the history), unless what is below it would not fit.
  int top = std::max({0, cursor_row - cursor().y, int(out.size()) - rows});
  top = std::min(top, cursor_row);
  for (int i = 0; i < top; ++i) {
    out[size_t(i)]->trim_storage();
    state_.scrollback.push(out[size_t(i)]);
  }
  state_.fb.resize(cols, rows);
  for (int y = 0; y < rows; ++y) {
    const size_t i = size_t(top + y);
    state_.fb.set_row(y, i < out.size() ? out[i] : std::make_shared<Row>(cols));
  }
  cursor().y = cursor_row - top;
  cursor().x = cursor_x;
}

void Terminal::resize(int cols, int rows) {
  cols = std::clamp(cols, 1, kMaxDimension);
  rows = std::clamp(rows, 1, std::min(kMaxDimension, int(kMaxCells / size_t(cols))));
  if (cols == state_.cols() && rows == state_.rows()) return;
  if (reflow_ && cols != state_.cols() && !alt_screen()) {
    rewrap(cols, rows);
    other_.resize(cols, rows);
    top_ = 0;
    bottom_ = rows - 1;
    const size_t old_cols = tabs_.size();
    tabs_.resize(size_t(cols), false);
    for (size_t t = old_cols; t < tabs_.size(); ++t) tabs_[t] = t % 8 == 0;
    pending_wrap_ = false;
    move_to(cursor().x, cursor().y);
    for (SavedCursor& s : saved_) {
      s.x = std::min(s.x, cols - 1);
      s.y = std::min(s.y, rows - 1);
    }
    return;
  }
  // Shrinking keeps the lines around the cursor: those above it scroll off the top.
  if (rows < state_.rows() && cursor().y >= rows) {
    int shift = cursor().y - rows + 1;
    Scrollback* sb = alt_screen() ? nullptr : &state_.scrollback;
    state_.fb.scroll_up(0, state_.rows() - 1, shift, Cell::blank(), sb);
    cursor().y -= shift;
  }
  state_.fb.resize(cols, rows);
  other_.resize(cols, rows);
  top_ = 0;
  bottom_ = rows - 1;
  size_t old_cols = tabs_.size();
  tabs_.resize(size_t(cols), false);
  for (size_t x = old_cols; x < tabs_.size(); ++x) tabs_[x] = x % 8 == 0;
  pending_wrap_ = false;
  move_to(cursor().x, cursor().y);
  for (SavedCursor& s : saved_) {
    s.x = std::min(s.x, cols - 1);
    s.y = std::min(s.y, rows - 1);
  }
}

}  // namespace tandem::screen
