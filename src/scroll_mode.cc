#include "src/scroll_mode.h"

#include <algorithm>

namespace tandem {
namespace {

using screen::Cell;
using screen::Row;
using screen::RowRef;

constexpr char kEsc = '\x1b';
constexpr size_t kMaxPattern = 256;

// A line's text as UTF-8, and the cell each byte comes from.
std::string line_text(const Row& row, std::vector<int>& cell_of) {
  std::string text;
  cell_of.clear();
  for (int x = 0; x < row.cols(); ++x) {
    if (row.cell(x).width == 0) continue;
    row.append_cell_utf8(text, x);
    cell_of.resize(text.size(), x);
  }
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
    cell_of.pop_back();
  }
  return text;
}

// The key sequences a terminal sends for a few keys, in either cursor mode.
struct Sequence {
  std::string_view bytes;
  char key;  // what it means here, as the letter that does the same
};
constexpr Sequence kSequences[] = {
    {"\x1b[A", 'k'},  {"\x1bOA", 'k'},  {"\x1b[B", 'j'},  {"\x1bOB", 'j'},  {"\x1b[5~", '\x02'},
    {"\x1b[6~", '\x06'}, {"\x1b[H", 'g'}, {"\x1bOH", 'g'}, {"\x1b[1~", 'g'}, {"\x1b[F", 'G'},
    {"\x1bOF", 'G'},  {"\x1b[4~", 'G'},
};

}  // namespace

ScrollMode::ScrollMode(const screen::ScreenState& session) {
  lines_.reserve(session.scrollback.size() + size_t(session.rows()));
  for (size_t i = 0; i < session.scrollback.size(); ++i) lines_.push_back(session.scrollback.line(i));
  int last = session.rows() - 1;  // the screen's blank rows at the bottom are no lines yet
  while (last > session.cursor.y && session.fb.row(last).is_blank()) --last;
  for (int y = 0; y <= last; ++y) lines_.push_back(session.fb.row_ref(y));
}

void ScrollMode::move(long by) {
  const long most = std::max(0L, long(lines_.size()) - body());
  top_ = std::clamp(top_ + by, 0L, most);
}

void ScrollMode::find(bool older) {
  if (pattern_.empty()) {
    message_ = "no search yet: / then text and Enter";
    return;
  }
  // From the last match, or else from the view: older is upwards.
  long from = match_ >= 0 ? match_ : (older ? top_ + body() : top_ - 1);
  std::vector<int> cell_of;
  for (long i = older ? from - 1 : from + 1; i >= 0 && i < long(lines_.size()); i += older ? -1 : 1) {
    const std::string text = line_text(*lines_[size_t(i)], cell_of);
    const size_t at = text.find(pattern_);
    if (at == std::string::npos) continue;
    match_ = i;
    match_x_ = cell_of[at];
    top_ = i - body() / 2;
    move(0);
    message_.clear();
    return;
  }
  message_ = std::string(older ? "no older " : "no newer ") + "line has '" + pattern_ + "'";
}

size_t ScrollMode::take(std::string_view keys, bool& leave) {
  if (typing_) {
    const char c = keys[0];
    if (c == '\r' || c == '\n') {
      typing_ = false;
      pattern_ = typed_;
      match_ = -1;
      find(true);
    } else if (c == kEsc) {
      typing_ = false;  // a sequence typed while searching is dropped whole
      return keys.size() > 1 && (keys[1] == '[' || keys[1] == 'O') ? std::min<size_t>(keys.size(), 3) : 1;
    } else if (c == '\x7f' || c == '\b') {
      while (!typed_.empty() && (uint8_t(typed_.back()) & 0xC0) == 0x80) typed_.pop_back();
      if (!typed_.empty()) typed_.pop_back();
    } else if (uint8_t(c) >= 0x20 && typed_.size() < kMaxPattern) {
      typed_.push_back(c);
    }
    return 1;
  }
  char key = keys[0];
  size_t used = 1;
  if (key == kEsc && keys.size() > 1) {
    key = 0;
    for (const Sequence& s : kSequences) {
      if (keys.substr(0, s.bytes.size()) == s.bytes) {
        key = s.key;
        used = s.bytes.size();
        break;
      }
    }
    if (!key) {  // another sequence: skip it (CSI ... final byte, or SS3 x)
      size_t end = 2;
      if (keys[1] == '[') {
        while (end < keys.size() && !(keys[end] >= 0x40 && keys[end] <= 0x7e)) ++end;
        ++end;
      } else if (keys[1] == 'O') {
        end = 3;
      }
      return std::min(end, keys.size());
    }
  }
  message_.clear();
  switch (key) {
    case 'q':
    case kEsc:
      leave = true;
      break;
    case 'k': move(-1); break;
    case 'j': move(1); break;
    case '\x02': move(-body()); break;
    case '\x06':
    case ' ': move(body()); break;
    case '\x15': move(-body() / 2); break;
    case '\x04': move(body() / 2); break;
    case 'g': move(-long(lines_.size())); break;
    case 'G': move(long(lines_.size())); break;
    case '/':
      typing_ = true;
      typed_.clear();
      break;
    case 'n': find(true); break;
    case 'N': find(false); break;
    default: break;
  }
  return used;
}

bool ScrollMode::key(std::string_view keys) {
  bool leave = false;
  while (!keys.empty() && !leave) keys.remove_prefix(take(keys, leave));
  return !leave;
}

const screen::ScreenState& ScrollMode::frame(int cols, int rows) {
  rows_ = std::max(rows, 1);
  if (at_bottom_) {
    at_bottom_ = false;
    top_ = long(lines_.size());
  }
  move(0);
  std::string status;
  if (typing_) {
    status = "/" + typed_;
  } else if (!message_.empty()) {
    status = message_;
  } else {
    const long last = std::min<long>(top_ + body(), long(lines_.size()));
    status = "scroll: lines " + std::to_string(top_ + 1) + "-" + std::to_string(last) + " of " +
             std::to_string(lines_.size()) + "; q leaves, / searches, n/N older/newer";
  }
  const Shown now{top_, cols, rows_, match_, status};
  if (now == shown_) return frame_;
  const bool same_lines = shown_.top == top_ && shown_.cols == cols && shown_.rows == rows_ && shown_.match == match_;
  shown_ = now;

  if (!same_lines) {
    screen::ScreenState f(cols, rows_, 0);
    for (int y = 0; y < body() && y < rows_; ++y) {
      const long i = top_ + y;
      if (i >= long(lines_.size())) break;
      auto row = std::make_shared<Row>(*lines_[size_t(i)]);
      row->resize(cols);
      row->gen = screen::next_row_gen();
      if (i == match_) {
        std::vector<int> cell_of;
        const std::string text = line_text(*lines_[size_t(i)], cell_of);
        const size_t at = text.find(pattern_);
        if (at != std::string::npos) {
          const int x1 = at + pattern_.size() <= cell_of.size() ? cell_of[at + pattern_.size() - 1] : cols - 1;
          for (int x = match_x_; x <= x1 && x < cols; ++x) row->at(x).attrs ^= screen::attr::kInverse;
        }
      }
      f.fb.set_row(y, std::move(row));
    }
    frame_ = std::move(f);
  }
  // The status line, in reverse video, over the bottom row.
  auto line = std::make_shared<Row>(cols, Cell{U' ', screen::kDefaultColor, screen::kDefaultColor,
                                               screen::attr::kInverse, 1, 0});
  int x = 1;
  for (size_t i = 0; i < status.size() && x < cols; ++i, ++x) {
    const unsigned char ch = static_cast<unsigned char>(status[i]);
    line->at(x).ch = ch >= 0x20 && ch < 0x7F ? ch : U'?';
  }
  frame_.fb.set_row(rows_ - 1, std::move(line));
  // Shown after the pattern being typed; hidden (and out of the last column) otherwise.
  frame_.cursor = screen::CursorState{typing_ ? std::min(x, cols - 1) : 0, rows_ - 1, typing_, 0};
  return frame_;
}

}  // namespace tandem
