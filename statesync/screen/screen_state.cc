#include "statesync/screen/screen_state.h"

#include <algorithm>
#include <random>
#include <unordered_map>

#include "proto/screen.pb.h"
#include "statesync/screen/cell_runs.h"

namespace tandem::screen {
namespace {

uint64_t new_history_id() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// Text that will be sent to a terminal inside an OSC: no control bytes.
bool printable_bytes(const std::string& s) {
  return std::none_of(s.begin(), s.end(), [](char ch) { return uint8_t(ch) < 0x20 || uint8_t(ch) == 0x7F; });
}

bool printable_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char ch) { return uint8_t(ch) >= 0x20 && uint8_t(ch) < 0x7F; });
}

}  // namespace

ScreenState::ScreenState(int cols, int rows, size_t scrollback_limit)
    : fb(cols, rows), scrollback(scrollback_limit), history(new_history_id()) {}

bool ScreenState::operator==(const ScreenState& other) const {
  return cursor == other.cursor && modes == other.modes && bell_count == other.bell_count &&
         title == other.title && clipboard == other.clipboard && clipboard_seq == other.clipboard_seq &&
         history_held == other.history_held &&
         cwd == other.cwd && history == other.history && fb == other.fb && scrollback == other.scrollback;
}

bool same_display(const ScreenState& a, const ScreenState& b) {
  if (a.cols() != b.cols() || a.rows() != b.rows() || a.cursor != b.cursor || a.title != b.title ||
      (a.modes & mode::kDisplayed) != (b.modes & mode::kDisplayed)) {
    return false;
  }
  for (int y = 0; y < a.rows(); ++y) {
    const Row& ra = a.fb.row(y);
    const Row& rb = b.fb.row(y);
    if (ra.gen == rb.gen) continue;
    for (int x = 0; x < a.cols(); ++x) {
      if (!same_cell(ra, rb, x)) return false;
    }
  }
  return true;
}

proto::ScreenDiff ScreenState::diff_from(const ScreenState& old) const {
  proto::ScreenDiff d;
  LinkTable links(d);
  const bool full = cols() != old.cols() || rows() != old.rows();
  d.set_cols(uint32_t(cols()));
  d.set_rows(uint32_t(rows()));
  d.set_full(full);

  // Scrollback: the lines pushed since `old`, or all we hold for another history.
  const bool reset = history != old.history || scrollback.total() < old.scrollback.total();
  d.set_scrollback_reset(reset);
  d.set_scrollback_total(scrollback.total());
  // With every diff that moves the history (a receiver whose copy has another one
  // starts afresh from it), not with a keystroke.
  if (reset || old.scrollback.total() != scrollback.total()) d.set_history(history);
  const uint64_t held_from = scrollback.total() - scrollback.size();
  const uint64_t send_from = reset ? held_from : std::max(held_from, old.scrollback.total());
  if (send_from < scrollback.total()) {
    std::unordered_map<uint64_t, int> old_rows;
    if (!full) {
      for (int y = 0; y < old.rows(); ++y) old_rows.emplace(old.fb.row(y).gen, y);
    }
    for (uint64_t i = send_from; i < scrollback.total(); ++i) {
      proto::Line* out = d.add_scrollback();
      auto it = old_rows.find(scrollback.gen(size_t(i - held_from)));
      if (it != old_rows.end()) {
        out->set_from_row(uint32_t(it->second));
        continue;
      }
      const RowRef held = scrollback.line(size_t(i - held_from));
      const Row& line = *held;
      out->set_cols(uint32_t(line.cols()));
      out->set_wrapped(line.wrapped);
      encode_cells(line, 0, line.cols(), out->mutable_runs(), links);
    }
  }

  // The screen: a detected scroll first, then the rows that still differ.
  Framebuffer base = full ? Framebuffer(cols(), rows()) : old.fb;
  if (!full) {
    if (std::optional<ScrollMove> move = find_scroll(old.fb, fb)) {
      proto::Scroll* s = d.mutable_scroll();
      s->set_top(uint32_t(move->top));
      s->set_bottom(uint32_t(move->bottom));
      s->set_count(move->count);
      base.apply(*move);
    }
  }
  for (int y = 0; y < rows(); ++y) {
    const Row& was = base.row(y);
    const Row& now = fb.row(y);
    if (same_row(base.row_ref(y), fb.row_ref(y))) continue;
    proto::RowUpdate* u = d.add_row_updates();
    u->set_y(uint32_t(y));
    u->set_wrapped(now.wrapped);
    int first = 0;
    while (first < cols() && same_cell(was, now, first)) ++first;
    int last = cols() - 1;
    while (last >= first && same_cell(was, now, last)) --last;
    if (first > last) continue;  // only the wrapped flag changed
    if (first > 0 && now.cell(first).width == 0) --first;
    if (last + 1 < cols() && now.cell(last).width == 2) ++last;
    if (first == 0 && last == cols() - 1) {
      // Rewritten: clear it and send up to its last cell that is not a default blank.
      u->set_clear(true);
      while (last >= 0 && now.cell(last) == Cell::blank()) --last;
    }
    encode_cells(now, first, last + 1, u->mutable_runs(), links);
  }

  d.set_cursor_x(uint32_t(cursor.x));
  d.set_cursor_y(uint32_t(cursor.y));
  d.set_cursor_hidden(!cursor.visible);
  d.set_cursor_shape(cursor.shape);
  d.set_modes(modes);
  d.set_bell_count(bell_count);
  if (full || title != old.title) d.set_title(title);
  if (full || clipboard != old.clipboard) d.set_clipboard(clipboard);
  d.set_clipboard_seq(clipboard_seq);
  d.set_history_held(history_held);
  if (full || cwd != old.cwd) d.set_cwd(cwd);
  return d;
}

std::string ScreenState::diff_bytes_from(const ScreenState& old) const { return diff_from(old).SerializeAsString(); }

ScreenState ScreenState::with_scrollback(size_t lines) const {
  ScreenState copy = *this;
  copy.scrollback.keep_newest(lines);
  return copy;
}

ScreenState ScreenState::window(int x0, int y0, int cols, int rows) const {
  if (x0 == 0 && y0 == 0 && this->cols() == cols && this->rows() == rows) return *this;
  ScreenState out(cols, rows, 0);
  for (int y = 0; y < rows && y0 + y < this->rows(); ++y) {
    const Row& src = fb.row(y0 + y);
    if (x0 == 0 && cols == this->cols()) {
      out.fb.set_row(y, fb.row_ref(y0 + y));  // shared: the display still sees scrolls
      continue;
    }
    if (x0 == 0) {
      auto row = std::make_shared<Row>(src);
      row->resize(cols);
      out.fb.set_row(y, std::move(row));
      continue;
    }
    auto row = std::make_shared<Row>(cols);
    const int n = std::min(cols, this->cols() - x0);
    for (int x = 0; x < n; ++x) {
      const Cell& c = src.cell(x0 + x);
      // Half a wide character (its right half at the left edge, its left half at the
      // right edge) is shown as a blank in its colours.
      if ((x == 0 && c.width == 0) || (x == cols - 1 && c.width == 2)) {
        row->at(x) = Cell::blank(c.bg);
      } else if (c.is_cluster()) {
        Cell plain = c;  // its cluster index is the source row's: set afresh here
        plain.ch = U' ';
        row->at(x) = plain;
        row->set_cluster(x, src.text_at(x0 + x));
      } else {
        row->at(x) = c;
      }
      if (c.extra != 0) row->at(x).extra = row->intern_extra(src.extra_at(x0 + x));
    }
    row->wrapped = src.wrapped && x0 + cols >= this->cols();
    out.fb.set_row(y, std::move(row));
  }
  out.cursor = cursor;
  out.cursor.x = std::clamp(cursor.x - x0, 0, cols - 1);
  out.cursor.y = std::clamp(cursor.y - y0, 0, rows - 1);
  out.modes = modes;
  out.title = title;
  out.clipboard = clipboard;
  out.clipboard_seq = clipboard_seq;
  out.history_held = history_held;
  out.cwd = cwd;
  out.bell_count = bell_count;
  out.scrollback = scrollback;  // chunk handles: a view's history is the session's
  out.history = history;
  return out;
}

std::optional<DecodeError> ScreenState::apply_bytes(std::span<const uint8_t> bytes) {
  proto::ScreenDiff diff;
  if (!diff.ParseFromArray(bytes.data(), int(bytes.size()))) return DecodeError{"not a ScreenDiff message"};
  return apply(diff);
}

std::optional<DecodeError> ScreenState::apply(const proto::ScreenDiff& d) {
  const uint32_t cols = d.cols(), rows = d.rows();
  if (cols == 0 || rows == 0 || cols > uint32_t(kMaxDimension) || rows > uint32_t(kMaxDimension) ||
      size_t(cols) * rows > kMaxCells) {
    return DecodeError{"bad screen size"};
  }
  if (!d.full() && (int(cols) != this->cols() || int(rows) != this->rows())) {
    return DecodeError{"diff is for a screen of another size"};
  }
  Links links;
  links.reserve(size_t(std::min<int>(d.links_size(), int(kMaxDiffLinks))));
  if (size_t(d.links_size()) > kMaxDiffLinks) return DecodeError{"too many links"};
  for (const proto::Hyperlink& h : d.links()) {
    // Every link has an id (the emulator gives one to a link that came without), so
    // that a viewer's terminal joins its pieces as ours does.
    if (h.uri().empty() || h.uri().size() > kMaxLinkUriBytes || h.id().empty() || h.id().size() > kMaxLinkIdBytes ||
        !printable_ascii(h.uri()) || !printable_ascii(h.id()) || h.id().find_first_of(";:") != std::string::npos) {
      return DecodeError{"bad link"};
    }
    links.push_back(std::make_shared<const Hyperlink>(Hyperlink{h.uri(), h.id()}));
  }
  ScreenState next = *this;  // row handles only; rows are cloned on first write
  if (d.full()) next.fb = Framebuffer(int(cols), int(rows));

  // Scrollback lines may copy rows of the screen as it is before this diff.
  std::vector<RowRef> lines;
  lines.reserve(size_t(std::min<int>(d.scrollback_size(), 4096)));
  for (const proto::Line& line : d.scrollback()) {
    if (line.has_from_row()) {
      if (d.full() || line.from_row() >= rows) return DecodeError{"scrollback line copies a missing row"};
      lines.push_back(fb.row_ref(int(line.from_row())));
      continue;
    }
    if (line.cols() == 0 || line.cols() > uint32_t(kMaxDimension)) return DecodeError{"bad scrollback line width"};
    auto row = std::make_shared<Row>(int(line.cols()));
    row->wrapped = line.wrapped();
    if (auto err = decode_cells(line.runs(), *row, links)) return err;
    lines.push_back(std::move(row));
  }

  if (d.has_scroll()) {
    const proto::Scroll& s = d.scroll();
    int count = s.count();
    if (s.top() > s.bottom() || s.bottom() >= rows || count == 0 ||
        uint32_t(count < 0 ? -int64_t(count) : count) > s.bottom() - s.top() + 1) {
      return DecodeError{"bad scroll"};
    }
    next.fb.apply(ScrollMove{int(s.top()), int(s.bottom()), count});
  }

  for (const proto::RowUpdate& u : d.row_updates()) {
    if (u.y() >= rows) return DecodeError{"row update past the screen"};
    if (u.clear()) next.fb.clear_row(int(u.y()), Cell::blank());
    Row& row = next.fb.mut_row(int(u.y()));
    row.wrapped = u.wrapped();
    if (auto err = decode_cells(u.runs(), row, links)) return err;
    row.trim_storage();  // a row sent whole keeps only the cells that are not its blank
  }

  // A diff of another history (a reset, or a sender whose idea of our history is not
  // ours) starts the scrollback afresh from what it brings: never refused, since a
  // refused diff would stop every later one too.
  if (d.scrollback_reset() || (d.history() != 0 && d.history() != history)) {
    next.scrollback.clear();
    next.scrollback.set_total(0);
    next.history = d.history();
  }
  if (d.scrollback_total() < next.scrollback.total() + lines.size()) return DecodeError{"scrollback total goes back"};
  // Lines that scrolled off between ours and the sent ones were never sent: what we
  // hold is no longer the newest stretch, so it goes.
  if (d.scrollback_total() > next.scrollback.total() + lines.size()) next.scrollback.clear();
  for (RowRef& line : lines) next.scrollback.push(std::move(line));
  next.scrollback.set_total(d.scrollback_total());

  if (d.cursor_x() >= cols || d.cursor_y() >= rows || d.cursor_shape() > 6) return DecodeError{"bad cursor"};
  if (d.modes() & ~mode::kAll) return DecodeError{"unknown mode bits"};
  next.cursor = CursorState{int(d.cursor_x()), int(d.cursor_y()), !d.cursor_hidden(), uint8_t(d.cursor_shape())};
  next.modes = d.modes();
  next.bell_count = d.bell_count();
  if (d.has_title()) {
    if (d.title().size() > kMaxTitleBytes || !printable_bytes(d.title())) return DecodeError{"bad title"};
    next.title = d.title();
  } else if (d.full()) {
    next.title.clear();
  }
  if (d.has_clipboard()) {
    if (d.clipboard().size() > kMaxClipboardBytes || !printable_bytes(d.clipboard())) return DecodeError{"bad clipboard"};
    next.clipboard = d.clipboard();
  } else if (d.full()) {
    next.clipboard.clear();
  }
  next.clipboard_seq = d.clipboard_seq();
  next.history_held = d.history_held();
  if (d.has_cwd()) {
    if (d.cwd().size() > kMaxCwdBytes || !printable_ascii(d.cwd())) return DecodeError{"bad working directory"};
    next.cwd = d.cwd();
  } else if (d.full()) {
    next.cwd.clear();
  }
  *this = std::move(next);
  return std::nullopt;
}

}  // namespace tandem::screen
