#include "relay/tmate/tmate_screen.h"

#include <algorithm>

namespace tandem::relay {

namespace {

using tmate::out::SyncLayout;

constexpr int kMaxSide = 1000;  // what a pane or the session may measure, either way
// What all of a host's panes may cost together, in cells; panes past it are shrunk
// to one cell (a real tmux has no room for more: its panes share one window).
constexpr size_t kMaxPaneCells = 4 * kMaxCells;
constexpr size_t kPanesWithHistory = 16;  // more panes keep no history (what one costs is bounded)

// tmux 2.2's packed cell (flags<<24 | attr<<16 | bg<<8 | fg) as SGR.
std::string sgr(uint32_t packed) {
  const uint32_t flags = packed >> 24, a = (packed >> 16) & 0xff, bg = (packed >> 8) & 0xff, fg = packed & 0xff;
  std::string s = "\x1b[0";
  if (a & 0x01) s += ";1";
  if (a & 0x02) s += ";2";
  if (a & 0x40) s += ";3";
  if (a & 0x04) s += ";4";
  if (a & 0x08) s += ";5";
  if (a & 0x10) s += ";7";
  if (a & 0x20) s += ";8";
  auto color = [&](uint32_t c, bool is256, int base, int bright) {
    if (is256) {
      s += ";" + std::to_string(base + 8) + ";5;" + std::to_string(c);
    } else if (c < 8) {
      s += ";" + std::to_string(base + int(c));
    } else if (c >= 90 && c <= 97) {
      s += ";" + std::to_string(bright + int(c) - 90);
    } else if (c >= 100 && c <= 107) {
      s += ";" + std::to_string(bright + int(c) - 100);
    }
  };
  color(fg, flags & 0x1, 30, 90);
  color(bg, flags & 0x2, 40, 100);
  return s + "m";
}

// Length of the UTF-8 character starting with `b` (1 for anything broken).
size_t utf8_length(uint8_t b) { return b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1; }

// Cells [x0, x0+n) of `src` into `dst` from column `dx`, with their clusters and
// extras (both indexes into the row's own tables); a wide character cut by the
// right edge becomes a blank.
void copy_cells(const screen::Row& src, int x0, int n, screen::Row& dst, int dx) {
  n = std::min({n, src.cols() - x0, dst.cols() - dx});
  if (n <= 0) return;
  dst.break_wide(dx, dx + n);
  for (int i = 0; i < n; ++i) {
    const screen::Cell& c = src.cell(x0 + i);
    if ((c.width == 2 && i == n - 1) || (c.width == 0 && i == 0)) {
      dst.at(dx + i) = screen::Cell::blank(c.bg);  // half a wide character
    } else {
      dst.copy_cell(dx + i, src, x0 + i);
    }
  }
  dst.gen = screen::next_row_gen();
}

void put(screen::Row& row, int x, char32_t ch, screen::Color fg) {
  if (x < 0 || x >= row.cols()) return;
  row.break_wide(x, x + 1);
  screen::Cell c = screen::Cell::blank();
  c.ch = ch;
  c.fg = fg;
  row.at(x) = c;
  row.gen = screen::next_row_gen();
}

// tmux's style markup (#[fg=red]) in status strings: dropped, the text kept.
std::string plain(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && i + 1 < s.size() && s[i + 1] == '[') {
      const size_t end = s.find(']', i);
      if (end == std::string_view::npos) break;
      i = end;
      continue;
    }
    if (uint8_t(s[i]) >= 0x20 && s[i] != 0x7f) out += s[i];
  }
  return out;
}

}  // namespace

TmateScreen::Pane& TmateScreen::pane(int64_t id, int cols, int rows) {
  const size_t history = panes_.size() < kPanesWithHistory ? history_ : 0;
  Pane& p = panes_[id];
  const Size size = Size::bounded(std::min(cols, kMaxSide), std::min(rows, kMaxSide));
  cols = size.cols;
  rows = size.rows;
  if (cells_ + size_t(cols) * size_t(rows) > kMaxPaneCells) cols = rows = 1;
  cells_ += size_t(cols) * size_t(rows);
  if (!p.term) {
    p.history = history;
    p.term = std::make_unique<screen::Terminal>(cols, rows, history);
    p.term->set_reflow(true);  // as the host's tmux rewraps its panes
  } else if (p.term->cols() != cols || p.term->rows() != rows) {
    p.term->resize(cols, rows);
  }
  return p;
}

void TmateScreen::layout(const SyncLayout& layout) {
  layout_ = layout;
  const Size session = Size::bounded(std::min(layout_.cols, kMaxSide), std::min(layout_.rows, kMaxSide - 1));
  layout_.cols = session.cols;
  layout_.rows = session.rows;
  cells_ = 0;
  std::map<int64_t, bool> seen;
  for (const tmate::out::Window& w : layout_.windows) {
    for (const tmate::out::Pane& p : w.panes) {
      pane(p.id, p.cols, p.rows);
      seen[p.id] = true;
    }
  }
  std::erase_if(panes_, [&](const auto& kv) { return !seen.count(kv.first); });
}

TmateScreen::Pane& TmateScreen::known(int64_t id) {
  auto it = panes_.find(id);
  if (it != panes_.end()) return it->second;
  // A pane the layout has not named yet gets the session's size (the layout follows).
  if (panes_.size() >= tmate::kMaxPanes) panes_.erase(panes_.begin());
  return pane(id, layout_.cols ? layout_.cols : 80, layout_.rows ? layout_.rows : 23);
}

void TmateScreen::pty_data(int64_t id, std::string_view bytes) {
  Pane& p = known(id);
  p.term->write(bytes);
  p.term->take_answerback();  // the host's own tmux answers its programs; ours must not
}

void TmateScreen::status(const tmate::out::Status& status) {
  status_left_ = plain(status.left);
  status_right_ = plain(status.right);
  has_status_ = true;
}

void TmateScreen::copy_mode(const tmate::out::SyncCopyMode& mode) {
  Pane& p = known(mode.pane);
  p.copy = mode;
  if (!mode.on) p.copy_lines.clear();
}

void TmateScreen::write_copy_mode(int64_t id, std::string_view line) {
  Pane& p = known(id);
  if (!p.copy.on) {  // tmate writes its messages in the pane's copy-mode output view
    p.copy.on = true;
    p.copy.backing_screen = false;
  }
  std::deque<std::string>& lines = p.copy_lines;
  lines.emplace_back(line.substr(0, 4096));
  while (lines.size() > kMaxCopyLines) lines.pop_front();
}

void TmateScreen::snapshot(const tmate::out::Snapshot& snapshot) {
  for (const tmate::out::SnapshotPane& sp : snapshot.panes) {
    auto it = panes_.find(sp.id);
    if (it == panes_.end()) continue;  // the layout names every pane first
    Pane& p = it->second;
    const int cols = p.term->cols(), rows = p.term->rows();
    p.term = std::make_unique<screen::Terminal>(cols, rows, p.history);
    p.term->set_reflow(true);
    std::string bytes;
    for (size_t i = 0; i < sp.lines.size(); ++i) {
      const tmate::out::SnapshotLine& line = sp.lines[i];
      if (i > 0) bytes += "\r\n";
      size_t at = 0;
      uint32_t last = 0xffffffff;
      for (uint32_t cell : line.cells) {
        if ((cell >> 24) & 0x4) continue;  // the second half of a wide character
        if (at >= line.text.size()) break;
        if (cell != last) bytes += sgr(cell);
        last = cell;
        const size_t n = std::min(utf8_length(uint8_t(line.text[at])), line.text.size() - at);
        bytes.append(line.text, at, n);
        at += n;
      }
      bytes += "\x1b[0m";
      if (bytes.size() > 64 * 1024) {
        p.term->write(bytes);
        bytes.clear();
      }
    }
    bytes += "\x1b[" + std::to_string(std::clamp<int64_t>(sp.cy, 0, rows - 1) + 1) + ";" +
             std::to_string(std::clamp<int64_t>(sp.cx, 0, cols - 1) + 1) + "H";
    p.term->write(bytes);
    p.term->take_answerback();
  }
}

const tmate::out::Window* TmateScreen::active_window() const {
  for (const tmate::out::Window& w : layout_.windows) {
    if (w.index == layout_.active_window) return &w;
  }
  return layout_.windows.empty() ? nullptr : &layout_.windows.front();
}

const screen::Terminal* TmateScreen::active_pane() const {
  const tmate::out::Window* w = active_window();
  if (!w) return nullptr;
  auto it = panes_.find(w->active_pane);
  return it == panes_.end() ? nullptr : it->second.term.get();
}

void TmateScreen::draw_pane(const tmate::out::Pane& g, const Pane& p, screen::ScreenState& out) const {
  const screen::ScreenState* shown = &p.term->state();
  std::unique_ptr<screen::Terminal> view;
  if (p.copy.on && !p.copy.backing_screen) {
    // The copy-mode output view: the messages tmate wrote there, newest at the bottom.
    view = std::make_unique<screen::Terminal>(g.cols, g.rows, 0);
    const size_t from = p.copy_lines.size() > size_t(g.rows) ? p.copy_lines.size() - size_t(g.rows) : 0;
    std::string bytes;
    for (size_t i = from; i < p.copy_lines.size(); ++i) {
      if (i > from) bytes += "\r\n";
      bytes += plain(p.copy_lines[i]);
    }
    view->write(bytes);
    shown = &view->state();
  }
  // In copy mode the host looks `oy` lines up into the pane's history: so do mates.
  const screen::Scrollback& history = shown->scrollback;
  const int64_t oy = p.copy.on && p.copy.backing_screen ? std::clamp<int64_t>(p.copy.oy, 0, int64_t(history.size())) : 0;
  for (int y = 0; y < g.rows && g.y + y < out.rows() - 1; ++y) {
    const int64_t at = int64_t(y) - oy;  // a screen row, or (negative) a history line
    if (at >= 0 && at < shown->rows()) {
      copy_cells(shown->fb.row(int(at)), 0, g.cols, out.fb.mut_row(g.y + y), g.x);
    } else if (at < 0 && int64_t(history.size()) + at >= 0) {
      copy_cells(*history.line(size_t(int64_t(history.size()) + at)), 0, g.cols, out.fb.mut_row(g.y + y), g.x);
    }
  }
  if (p.copy.on && g.y < out.rows() - 1) {
    // Where tmux shows its copy-mode position: the pane's top right corner.
    const std::string mark = p.copy.backing_screen
                                 ? "[" + std::to_string(oy) + "/" + std::to_string(history.size()) + "]"
                                 : std::string("[tmate]");
    const int x0 = g.x + g.cols - int(mark.size());
    screen::Row& row = out.fb.mut_row(g.y);
    for (size_t i = 0; i < mark.size(); ++i) put(row, x0 + int(i), char32_t(mark[i]), screen::indexed_color(3));
  }
}

void TmateScreen::draw_status(screen::ScreenState& out) const {
  // The same status line as last time is the same row (its generation too): mates
  // are not sent it again.
  if (status_row_ && status_row_->cols() == out.cols() && status_source_ == status_text()) {
    out.fb.set_row(out.rows() - 1, status_row_);
    return;
  }
  std::string line = has_status_ ? status_left_ : "[tmate] ";
  for (size_t i = 0; i < layout_.windows.size(); ++i) {
    const tmate::out::Window& w = layout_.windows[i];
    if (i > 0) line += ' ';
    line += std::to_string(w.index) + ":" + plain(w.name) + (w.index == layout_.active_window ? "*" : "");
  }
  screen::Terminal bar(out.cols(), 1, 0);
  std::string bytes = "\x1b[?7l\x1b[30;42m\x1b[K" + line;  // no wrap: what is past the edge is cut
  if (has_status_ && !status_right_.empty()) {
    const int col = std::max(1, out.cols() - int(status_right_.size()) + 1);
    bytes += "\x1b[" + std::to_string(col) + "G" + status_right_;
  }
  bar.write(bytes);
  status_row_ = bar.state().fb.row_ref(0);
  status_source_ = status_text();
  out.fb.set_row(out.rows() - 1, status_row_);
}

std::string TmateScreen::status_text() const {
  std::string s = status_left_ + '\0' + status_right_ + (has_status_ ? "\1" : "\0");
  for (const tmate::out::Window& w : layout_.windows) s += std::to_string(w.index) + ':' + w.name + '\0';
  return s + std::to_string(layout_.active_window);
}

screen::ScreenState TmateScreen::compose() {
  const int cols = layout_.cols > 0 ? layout_.cols : 80;
  const int rows = layout_.rows > 0 ? layout_.rows : 23;
  const tmate::out::Window* w = active_window();
  const Pane* single = nullptr;
  if (w && w->panes.size() == 1) {
    const tmate::out::Pane& g = w->panes.front();
    auto it = panes_.find(g.id);
    if (it != panes_.end() && g.x == 0 && g.y == 0 && g.cols == cols && g.rows == rows &&
        it->second.term->cols() == cols && it->second.term->rows() == rows && !it->second.copy.on) {
      single = &it->second;
    }
  }
  screen::ScreenState out = single ? single->term->state() : screen::ScreenState(cols, rows + 1, 0);
  if (single) {
    out.fb.resize(cols, rows + 1);  // the pane's rows, shared, and one more for the status line
    // Its lines not in the session's history yet join it (shared rows, not copies).
    Pane& p = panes_.at(w->panes.front().id);
    const screen::Scrollback& lines = single->term->state().scrollback;
    const uint64_t fresh = std::min<uint64_t>(lines.total() - std::min(p.in_history, lines.total()), lines.size());
    for (size_t i = lines.size() - size_t(fresh); i < lines.size(); ++i) history_lines_.push(lines.line(i));
    p.in_history = lines.total();
  } else if (w) {
    {
      for (const tmate::out::Pane& g : w->panes) {
        auto it = panes_.find(g.id);
        if (it != panes_.end()) draw_pane(g, it->second, out);
        // Borders right of and below each pane; the active one's in green, as tmux draws it.
        const screen::Color fg = g.id == w->active_pane ? screen::indexed_color(2) : screen::kDefaultColor;
        const int right = g.x + g.cols, bottom = g.y + g.rows;
        if (right < cols) {
          for (int y = g.y; y < bottom && y < rows; ++y) put(out.fb.mut_row(y), right, U'│', fg);
        }
        if (bottom < rows) {
          for (int x = g.x; x < right && x < cols; ++x) put(out.fb.mut_row(bottom), x, U'─', fg);
          if (right < cols) put(out.fb.mut_row(bottom), right, U'┼', fg);
        }
      }
    }
  }
  out.scrollback = history_lines_;
  out.history = history_id_;
  out.history_held = false;
  if (const screen::Terminal* active = active_pane(); active && w) {
    for (const tmate::out::Pane& g : w->panes) {
      if (g.id != w->active_pane) continue;
      out.cursor = active->state().cursor;
      out.cursor.x = std::clamp(g.x + out.cursor.x, 0, cols - 1);
      out.cursor.y = std::clamp(g.y + out.cursor.y, 0, rows - 1);
      out.modes = active->state().modes & (screen::mode::kAppCursor | screen::mode::kAppKeypad |
                                           screen::mode::kCursorBlink | screen::mode::kReverseVideo);
      out.title = active->state().title.empty() ? w->name : active->state().title;
      const auto copy = panes_.find(g.id);
      if (copy != panes_.end() && copy->second.copy.on) out.cursor.visible = false;
    }
  }
  draw_status(out);
  return out;
}

}  // namespace tandem::relay
