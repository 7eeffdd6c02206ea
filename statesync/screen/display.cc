#include "statesync/screen/display.h"

#include <array>
#include <charconv>

namespace tandem::screen {
namespace {

// xterm's default palette for the 16 basic colours.
constexpr uint32_t kBasicRgb[16] = {
    0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
    0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};
constexpr uint8_t kCubeLevels[6] = {0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff};

uint32_t rgb_of_index(int i) {
  if (i < 16) return kBasicRgb[i];
  if (i < 232) {
    i -= 16;
    return uint32_t(kCubeLevels[i / 36]) << 16 | uint32_t(kCubeLevels[i / 6 % 6]) << 8 | kCubeLevels[i % 6];
  }
  const uint32_t grey = uint32_t(8 + 10 * (i - 232));
  return grey << 16 | grey << 8 | grey;
}

int distance(uint32_t a, uint32_t b) {
  const int dr = int(a >> 16 & 0xFF) - int(b >> 16 & 0xFF), dg = int(a >> 8 & 0xFF) - int(b >> 8 & 0xFF),
            db = int(a & 0xFF) - int(b & 0xFF);
  return dr * dr + dg * dg + db * db;
}

// The nearest of the 256 colours, as tmux finds it: the colour cube or the grey ramp.
int nearest_256(uint32_t rgb) {
  const int r = int(rgb >> 16 & 0xFF), g = int(rgb >> 8 & 0xFF), b = int(rgb & 0xFF);
  auto level = [](int v) { return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40; };
  const int qr = level(r), qg = level(g), qb = level(b);
  const int cube = 16 + 36 * qr + 6 * qg + qb;
  const int avg = (r + g + b) / 3;
  const int grey = 232 + (avg > 238 ? 23 : std::max(avg - 3, 0) / 10);
  return distance(rgb_of_index(grey), rgb) < distance(rgb_of_index(cube), rgb) ? grey : cube;
}

// The nearest of the 16 basic colours to each of the 256.
const std::array<uint8_t, 256>& nearest_16_table() {
  static const std::array<uint8_t, 256> table = [] {
    std::array<uint8_t, 256> t{};
    for (int i = 0; i < 256; ++i) {
      int best = 0;
      for (int j = 1; j < 16; ++j) {
        if (distance(rgb_of_index(j), rgb_of_index(i)) < distance(rgb_of_index(best), rgb_of_index(i))) best = j;
      }
      t[size_t(i)] = uint8_t(i < 16 ? i : best);
    }
    return t;
  }();
  return table;
}

constexpr int kUnknown = -1;
constexpr int kMinErase = 4;       // blanks to end of line worth an EL
constexpr int kMinEraseChars = 12; // blanks mid-line worth an ECH plus a cursor move
constexpr int kMaxGapReprint = 3;  // unchanged cells reprinted rather than moved over

// "\e[<n><final>", with n left out when it is 1.
void append_csi_n(std::string& out, int n, char final) {
  out += "\x1b[";
  if (n != 1) append_decimal(out, n);
  out.push_back(final);
}

void append_color(std::string& out, Color c, int base) {
  if (is_indexed(c)) {
    int i = int(c & 0xFF);
    if (i < 8) {
      append_decimal(out, base + i);
    } else if (i < 16) {
      append_decimal(out, base + 60 + i - 8);
    } else {
      append_decimal(out, base + 8);
      out += ";5;";
      append_decimal(out, i);
    }
  } else {
    append_decimal(out, base + 8);
    out += ";2;";
    append_decimal(out, int((c >> 16) & 0xFF));
    out.push_back(';');
    append_decimal(out, int((c >> 8) & 0xFF));
    out.push_back(';');
    append_decimal(out, int(c & 0xFF));
  }
}

void add_code(std::string& codes, std::string_view code) {
  if (!codes.empty()) codes.push_back(';');
  codes += code;
}

// SGR parameters that add `to`'s attributes and colours to a pen that has `have`.
void set_codes(std::string& codes, uint16_t have, uint16_t to) {
  static constexpr std::pair<uint16_t, const char*> kOn[] = {
      {attr::kBold, "1"},  {attr::kDim, "2"},       {attr::kItalic, "3"}, {attr::kBlink, "5"},
      {attr::kInverse, "7"}, {attr::kInvisible, "8"}, {attr::kStrike, "9"}, {attr::kOverline, "53"},
  };
  for (auto [bit, code] : kOn) {
    if ((to & bit) && !(have & bit)) add_code(codes, code);
  }
  int ul = attr::underline_style(to);
  if (ul != attr::underline_style(have) && ul != 0) {
    static constexpr const char* kUnderline[] = {"24", "4", "4:2", "4:3", "4:4", "4:5"};
    add_code(codes, kUnderline[ul]);
  }
}

void color_code(std::string& codes, Color c, int base) {
  if (!codes.empty()) codes.push_back(';');
  if (c == kDefaultColor) {
    append_decimal(codes, base + 9);
  } else {
    append_color(codes, c, base);
  }
}

void underline_color_code(std::string& codes, Color c) {
  if (!codes.empty()) codes.push_back(';');
  if (c == kDefaultColor) {
    codes += "59";
  } else if (is_indexed(c)) {
    codes += "58;5;";
    append_decimal(codes, int(c & 0xFF));
  } else {
    append_color(codes, c, 50);
  }
}

// The shortest SGR that turns pen `from` with underline colour `ul_from` into `to`, `ul_to`.
void append_sgr(std::string& out, const Pen& from, const Pen& to, Color ul_from, Color ul_to) {
  if (from == to && ul_from == ul_to) return;
  // From scratch: reset, then set everything.
  std::string reset;
  set_codes(reset, 0, to.attrs);
  if (to.fg != kDefaultColor) color_code(reset, to.fg, 30);
  if (to.bg != kDefaultColor) color_code(reset, to.bg, 40);
  if (ul_to != kDefaultColor) underline_color_code(reset, ul_to);
  reset = reset.empty() ? "" : "0;" + reset;
  // Incremental: turn off what goes, turn on what comes.
  std::string step;
  uint16_t gone = from.attrs & ~to.attrs;
  uint16_t kept = from.attrs;
  if (gone & (attr::kBold | attr::kDim)) {
    add_code(step, "22");
    kept &= uint16_t(~(attr::kBold | attr::kDim));
  }
  static constexpr std::pair<uint16_t, const char*> kOff[] = {
      {attr::kItalic, "23"}, {attr::kBlink, "25"},  {attr::kInverse, "27"},
      {attr::kInvisible, "28"}, {attr::kStrike, "29"}, {attr::kOverline, "55"},
  };
  for (auto [bit, code] : kOff) {
    if (gone & bit) {
      add_code(step, code);
      kept &= uint16_t(~bit);
    }
  }
  if (attr::underline_style(to.attrs) == 0 && attr::underline_style(from.attrs) != 0) {
    add_code(step, "24");
    kept &= uint16_t(~attr::kUnderlineMask);
  }
  set_codes(step, kept, to.attrs);
  if (from.fg != to.fg) color_code(step, to.fg, 30);
  if (from.bg != to.bg) color_code(step, to.bg, 40);
  if (ul_from != ul_to) underline_color_code(step, ul_to);
  out += "\x1b[";
  out += reset.size() <= step.size() ? reset : step;
  out.push_back('m');
}

// DECSET/DECRST for the DEC private modes among `bits` (the keypad mode is ESC = / >).
void append_private_modes(std::string& out, uint32_t bits, char final) {
  static constexpr std::pair<uint32_t, int> kModes[] = {
      {mode::kAppCursor, 1},      {mode::kReverseVideo, 5}, {mode::kMouseX10, 9},     {mode::kCursorBlink, 12},
      {mode::kMouseNormal, 1000}, {mode::kMouseButton, 1002}, {mode::kMouseAny, 1003}, {mode::kFocusEvents, 1004},
      {mode::kMouseUtf8, 1005},   {mode::kMouseSgr, 1006},   {mode::kMouseUrxvt, 1015}, {mode::kBracketedPaste, 2004},
  };
  bool any = false;
  for (auto [bit, number] : kModes) {
    if (!(bits & bit)) continue;
    out += any ? ";" : "\x1b[?";
    append_decimal(out, number);
    any = true;
  }
  if (any) out.push_back(final);
}

const CellExtra kNoExtra;

// Writes cells and moves the cursor, remembering where the terminal's cursor and pen
// (with underline colour and hyperlink) are, as the terminal has them: colours brought
// down to what it has, what it cannot show left out.
class Painter {
 public:
  Painter(std::string& out, int cols, const DisplayOptions& options)
      : out_(out), cols_(cols), options_(options),
        plain_(options.colors == kTrueColor && options.styled_underline) {}

  void set_position(int x, int y) {
    x_ = x;
    y_ = y;
  }
  void forget_position() { x_ = y_ = kUnknown; }
  bool at(int x, int y) const { return x_ == x && y_ == y; }
  const Pen& pen() const { return pen_; }
  void set_pen(const Pen& pen, const CellExtra& extra = kNoExtra) {
    if (pen == asked_ && extra.empty() && ul_ == kDefaultColor && !link_) return;  // the common case
    asked_ = pen;
    Pen want = plain_ ? pen : reduced(pen);
    Color ul = options_.underline_color ? reduce_color(extra.underline, options_.colors) : kDefaultColor;
    append_sgr(out_, pen_, want, ul_, ul);
    pen_ = want;
    ul_ = ul;
    if (options_.hyperlinks) set_link(extra.link.get());
  }
  // The pen and extras of cell x of `row`.
  void style(const Row& row, int x) {
    const Cell& c = row.cell(x);
    set_pen(c.pen(), c.extra == 0 ? kNoExtra : row.extra_at(x));
  }

  void move_to(int x, int y) {
    if (at(x, y)) return;
    std::string best = "\x1b[";
    if (y != 0 || x != 0) append_decimal(best, y + 1);
    if (x != 0) {
      best.push_back(';');
      append_decimal(best, x + 1);
    }
    best.push_back('H');
    if (x_ != kUnknown) {
      std::string rel;
      if (y < y_) append_csi_n(rel, y_ - y, 'A');
      if (y > y_) append_csi_n(rel, y - y_, 'B');
      if (x == 0 && x_ != 0) {
        rel.push_back('\r');
      } else if (x > x_) {
        append_csi_n(rel, x - x_, 'C');
      } else if (x == x_ - 1) {
        rel.push_back('\b');
      } else if (x < x_) {
        append_csi_n(rel, x_ - x, 'D');
      }
      if (rel.size() < best.size()) best = std::move(rel);
      if (y == y_ && x != x_) {
        std::string column = "\x1b[";
        append_decimal(column, x + 1);
        column.push_back('G');
        if (column.size() < best.size()) best = std::move(column);
      }
    }
    out_ += best;
    x_ = x;
    y_ = y;
  }

  // Prints cell x of `row` at the cursor, which must be at column x of its line.
  void print(const Row& row, int x) {
    const Cell& c = row.cell(x);
    style(row, x);
    if (c.width == 0) {
      out_.push_back(' ');  // an orphaned continuation: draw what a terminal would keep
    } else {
      row.append_cell_utf8(out_, x);
    }
    x_ += c.width == 2 ? 2 : 1;
    // Past the last column the terminal waits to wrap; only absolute moves are safe then.
    if (x_ >= cols_) forget_position();
  }

  void erase_to_end(Color bg) {
    set_pen(Pen{asked_.fg, bg, asked_.attrs});
    out_ += "\x1b[K";
  }
  void erase_chars(int n, Color bg) {
    set_pen(Pen{asked_.fg, bg, asked_.attrs});
    append_csi_n(out_, n, 'X');
  }

  std::string& out() { return out_; }

 private:
  Pen reduced(Pen pen) const {
    pen.fg = reduce_color(pen.fg, options_.colors);
    pen.bg = reduce_color(pen.bg, options_.colors);
    if (!options_.styled_underline && attr::underline_style(pen.attrs) > 1) {
      pen.attrs = uint16_t((pen.attrs & ~attr::kUnderlineMask) | attr::underline(1));
    }
    return pen;
  }
  // OSC 8: the link what is printed next belongs to (null: none).
  void set_link(const Hyperlink* link) {
    if (link == link_ || (link && link_ && *link == *link_)) return;
    out_ += "\x1b]8;";
    if (link) {
      out_ += "id=";
      out_ += link->id;
      out_.push_back(';');
      out_ += link->uri;
    } else {
      out_.push_back(';');
    }
    out_ += "\x1b\\";
    link_ = link;
  }

  std::string& out_;
  int cols_;
  const DisplayOptions& options_;
  const bool plain_;  // the terminal shows every colour and underline: nothing to bring down
  int x_ = kUnknown;
  int y_ = kUnknown;
  Pen pen_;           // as the terminal has it
  Pen asked_;         // as last asked for
  Color ul_ = kDefaultColor;
  const Hyperlink* link_ = nullptr;  // held by a row of the frame being drawn
};

bool simple_cell(const Cell& c) { return c.width == 1 && !c.is_cluster(); }

// How many cells from x on are erased blanks of one background, stopping at `end`.
int blank_run(const Row& row, int x, int end, Color bg) {
  int n = 0;
  while (x + n < end && row.cell(x + n) == Cell::blank(bg)) ++n;
  return n;
}

void paint_row(Painter& p, const Row& was, const Row& now, int y, const DisplayOptions& options) {
  const int cols = now.cols();
  int x = 0;
  while (x < cols) {
    if (same_cell(was, now, x)) {
      ++x;
      continue;
    }
    // A changed stretch [start, end), widened so that no wide character is cut.
    int start = x;
    if (start > 0 && (now.cell(start).width == 0 || was.cell(start).width == 0)) --start;
    int end = x + 1;
    for (;;) {
      while (end < cols && !same_cell(was, now, end)) ++end;
      // Join the next stretch across a short gap of plain unchanged cells.
      int gap = 0;
      while (end + gap < cols && gap <= kMaxGapReprint && same_cell(was, now, end + gap) &&
             simple_cell(now.cell(end + gap)))
        ++gap;
      if (gap > 0 && gap <= kMaxGapReprint && end + gap < cols && !same_cell(was, now, end + gap)) {
        end += gap;
        continue;
      }
      if (end < cols && (now.cell(end).width == 0 || was.cell(end).width == 0)) {
        ++end;
        continue;
      }
      break;
    }
    p.move_to(start, y);
    int cx = start;
    while (cx < end) {
      const Cell& c = now.cell(cx);
      if (c.width == 1 && !c.is_cluster() && c.ch == U' ' && c.fg == kDefaultColor && c.attrs == 0) {
        int run = blank_run(now, cx, cols, c.bg);
        if (cx + run == cols && run >= kMinErase) {
          p.erase_to_end(c.bg);
          cx = end = cols;
          break;
        }
        int inside = blank_run(now, cx, end, c.bg);
        if (options.erase_chars && inside >= kMinEraseChars) {
          p.erase_chars(inside, c.bg);
          cx += inside;
          if (cx < end) p.move_to(cx, y);
          continue;
        }
      }
      p.print(now, cx);
      cx += c.width == 2 ? 2 : 1;
      if (cx < end && !p.at(cx, y)) p.move_to(cx, y);
    }
    x = end;
  }
}


// A frame whose every cell differs from any real one: painting against it redraws
// every cell, for a screen whose contents are unknown, without erasing the whole
// screen (tmux's scroll-on-clear would push the old screen into the history).
Framebuffer unknown_screen(int cols, int rows) {
  Framebuffer fb(cols, rows);
  auto unknown = std::make_shared<Row>(cols, Cell{0x110000, kDefaultColor, kDefaultColor, 0, 1, 0});
  for (int y = 0; y < rows; ++y) fb.set_row(y, unknown);
  return fb;
}

// Writes lines [first, size) of `history` into the viewer's own scrollback: printed
// from the top of the screen as a program prints them (a wrapped line's rows joined,
// so the viewer's terminal wraps them at its own width), then pushed off the top with
// line feeds at the bottom. The screen's contents are unknown afterwards.
void write_history(Painter& p, const Scrollback& history, size_t first, int cols, int rows) {
  std::string& out = p.out();
  p.set_pen(Pen{});
  out += "\x1b[H";
  int64_t used = 0;  // screen rows the lines took, counting those scrolled away
  int x = 0;         // the viewer's column in the row being written
  for (size_t i = first; i < history.size(); ++i) {
    const RowRef held = history.line(i);  // a packed line is made a row for the while
    const Row& line = *held;
    const bool joins = line.wrapped && i + 1 < history.size();
    int end = line.cols();
    if (!joins) {
      while (end > 0 && line.cell(end - 1) == Cell::blank()) --end;
    }
    for (int cx = 0; cx < end; ++cx) {
      const Cell& c = line.cell(cx);
      if (c.width == 0 && cx > 0 && line.cell(cx - 1).width == 2) continue;
      const int w = c.width == 2 ? 2 : 1;
      if (x + w > cols) {
        if (x < cols && used < rows) {  // a wide character that does not fit wraps early: blank the cell it leaves
          p.set_pen(Pen{});
          out += "\x1b[K";
        }
        ++used;
        x = 0;
      }
      p.style(line, cx);
      if (c.width == 0) {
        out.push_back(' ');
      } else {
        line.append_cell_utf8(out, cx);
      }
      x += w;
    }
    if (joins) continue;
    p.set_pen(Pen{});
    // The rows a line feed brought in at the bottom are blank already; at the last
    // column the terminal waits to wrap, and EL would eat the character.
    if (x < cols && used < rows) out += "\x1b[K";
    out += "\r\n";
    ++used;
    x = 0;
  }
  // The rows above the cursor hold the newest lines: push them off the top too.
  const int64_t left = std::min<int64_t>(used, rows - 1);
  if (left > 0) {
    out += "\x1b[";
    append_decimal(out, rows);
    out += "H";
    for (int64_t i = 0; i < left; ++i) out += "\r\n";
  }
  p.forget_position();
}

// Whether the rows that `move` scrolls off the top of `screen` are the newest `count`
// lines of `history`, so that line feeds put exactly them into the viewer's scrollback.
// The move may be in a region from the top (a status line below stays put): the line
// feeds scroll the whole screen, and the rows below the region are repainted.
bool scrolls_into_history(const Framebuffer& screen, const ScrollMove& move, const Scrollback& history,
                          size_t count) {
  if (move.top != 0 || move.count <= 0 || size_t(move.count) != count || history.size() < count) {
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    if (screen.row(int(i)).gen != history.gen(history.size() - count + i)) return false;
  }
  return true;
}

// Replays a scroll that is not history with DL/IL, which no terminal keeps: a view of
// the session's middle, or the alternate screen, must not fill the viewer's scrollback.
void replay_scroll(Painter& p, const ScrollMove& move, int rows) {
  std::string& out = p.out();
  p.set_pen(Pen{});  // lines that come in are erased with the current background
  const bool region = move.top != 0 || move.bottom != rows - 1;
  if (region) {
    out += "\x1b[";
    append_decimal(out, move.top + 1);
    out.push_back(';');
    append_decimal(out, move.bottom + 1);
    out.push_back('r');
    p.set_position(0, 0);  // DECSTBM homes the cursor
  }
  p.move_to(0, move.top);
  append_csi_n(out, move.count > 0 ? move.count : -move.count, move.count > 0 ? 'M' : 'L');
  if (region) {
    out += "\x1b[r";
    p.set_position(0, 0);
  }
}

}  // namespace

Color reduce_color(Color c, int colors) {
  if (colors >= kTrueColor || c == kDefaultColor) return c;
  int i = is_indexed(c) ? int(c & 0xFF) : nearest_256(c & 0xFFFFFF);
  if (colors < 256) i = nearest_16_table()[size_t(i)];
  if (colors < 16 && i >= 8) i -= 8;
  return indexed_color(uint8_t(i));
}

std::string Display::initial(const ScreenState& to) const {
  std::string out;
  render(nullptr, nullptr, to, out);
  return out;
}

std::string Display::diff(const ScreenState& from, const ScreenState& to) const {
  std::string out;
  render(&from, &from, to, out);
  return out;
}

void Display::append(const ScreenState* from, const ScreenState& to, std::string& out) const {
  render(from, from, to, out);
}

void Display::repaint(const ScreenState& from, const ScreenState& to, std::string& out) const {
  render(nullptr, &from, to, out);
}

void Display::render(const ScreenState* from, const ScreenState* had, const ScreenState& to, std::string& out) const {
  if (from && (from->cols() != to.cols() || from->rows() != to.rows())) from = nullptr;
  Painter p(out, to.cols(), options_);
  if (!from) {
    // Known ground: default pen, no insert or origin mode, autowrap, ASCII, no margins.
    out += "\x1b[m\x1b[4l\x1b[?6l\x1b[?7h\x1b(B\x1b[r";
    // Every mode is stated, set or reset, since the terminal's are unknown.
    append_private_modes(out, ~to.modes & mode::kDisplayed, 'l');
    append_private_modes(out, to.modes & mode::kDisplayed, 'h');
    out += (to.modes & mode::kAppKeypad) ? "\x1b=" : "\x1b>";
    out += to.cursor.visible ? "\x1b[?25h" : "\x1b[?25l";
    out += "\x1b[";
    append_decimal(out, to.cursor.shape);
    out += " q";
    if (options_.title) {
      out += "\x1b]2;";
      out += to.title;
      out += "\x07";
    }
  } else {
    // A terminal in the pending-wrap state must not be moved relatively.
    if (from->cursor.x < to.cols() - 1) p.set_position(from->cursor.x, from->cursor.y);
    uint32_t was = from->modes & mode::kDisplayed, now = to.modes & mode::kDisplayed;
    append_private_modes(out, was & ~now, 'l');
    append_private_modes(out, now & ~was, 'h');
    if ((was ^ now) & mode::kAppKeypad) out += (now & mode::kAppKeypad) ? "\x1b=" : "\x1b>";
    if (from->cursor.visible != to.cursor.visible) out += to.cursor.visible ? "\x1b[?25h" : "\x1b[?25l";
    if (from->cursor.shape != to.cursor.shape) {
      out += "\x1b[";
      append_decimal(out, to.cursor.shape);
      out += " q";
    }
    if (options_.title && from->title != to.title) {
      out += "\x1b]2;";
      out += to.title;
      out += "\x07";
    }
  }
  // What the program sent for the user's terminal: a copy each time it copies (never
  // the last one to a fresh viewer), where it is.
  if (options_.clipboard && had && to.clipboard_seq != had->clipboard_seq && !to.clipboard.empty()) {
    out += "\x1b]52;c;";
    out += to.clipboard;
    out += "\x07";
  }
  if (options_.cwd && !to.cwd.empty() && (!had || had->cwd != to.cwd)) {
    out += "\x1b]7;";
    out += to.cwd;
    out += "\x1b\\";
  }

  // Which buffer the viewer shows: the alternate screen is mirrored, so that what a
  // full-screen program scrolls stays out of the viewer's scrollback and leaving it
  // brings the viewer's own screen back.
  const bool want_alt = options_.alt_screen && (to.modes & mode::kAltScreen);
  bool alt = options_.alt_screen && had && (had->modes & mode::kAltScreen);
  if (options_.alt_screen && !had) out += "\x1b[?1049l";  // a fresh viewer: its own screen
  if (!had) {
    // A fresh viewer's screen (the host's links, a mate's own prompt) goes up into its
    // scrollback, not away: line feeds at the bottom leave a blank screen.
    out += "\x1b[";
    append_decimal(out, to.rows());
    out += "H";
    if (!options_.blank_viewer) {
      for (int i = 0; i < to.rows(); ++i) out += "\r\n";
    }
    p.set_position(0, to.rows() - 1);
  }
  // Known: the frame it shows, or (a fresh viewer) the blank screen just made.
  bool known = from || !had;
  Framebuffer base = from ? from->fb : Framebuffer(to.cols(), to.rows());

  // History: the lines the viewer's scrollback lacks, or all held for a fresh viewer.
  size_t first = to.scrollback.size();
  if (options_.history) {
    if (!had || (had->history != to.history && had->scrollback.total() == 0)) {
      first = 0;  // a fresh viewer, or one shown no line yet (a blank first frame): all are new to it
    } else if (had->history == to.history && to.scrollback.total() > had->scrollback.total()) {
      const uint64_t added = to.scrollback.total() - had->scrollback.total();
      first = to.scrollback.size() - size_t(std::min<uint64_t>(added, to.scrollback.size()));
    }
  }
  bool scrolled = false;
  if (first < to.scrollback.size()) {
    if (alt) {
      out += "\x1b[?1049l";
      alt = false;
      known = false;
    }
    std::optional<ScrollMove> move;
    if (known && from && options_.scroll && to.scrollback.total() - had->scrollback.total() == to.scrollback.size() - first) {
      move = find_scroll(base, to.fb);
    }
    if (move && scrolls_into_history(base, *move, to.scrollback, to.scrollback.size() - first)) {
      // The screen scrolled: line feeds at the bottom put its top rows into the scrollback.
      p.set_pen(Pen{});
      p.move_to(0, to.rows() - 1);
      for (int i = 0; i < move->count; ++i) out += "\r\n";
      base.apply(ScrollMove{0, to.rows() - 1, move->count});
      scrolled = true;
    } else {
      write_history(p, to.scrollback, first, to.cols(), to.rows());
      known = false;
    }
  }
  if (alt != want_alt) {
    out += want_alt ? "\x1b[?1049h" : "\x1b[?1049l";
    p.forget_position();
    known = false;
  }
  if (!known) {
    base = unknown_screen(to.cols(), to.rows());
  } else if (from && !scrolled && options_.scroll) {
    if (std::optional<ScrollMove> move = find_scroll(base, to.fb)) {
      replay_scroll(p, *move, to.rows());
      base.apply(*move);
    }
  }

  for (int y = 0; y < to.rows(); ++y) {
    if (base.row_ref(y) == to.fb.row_ref(y) || base.row(y).gen == to.fb.row(y).gen) continue;
    paint_row(p, base.row(y), to.fb.row(y), y, options_);
  }
  p.move_to(to.cursor.x, to.cursor.y);
  p.set_pen(Pen{});
}

int overlay_notice(ScreenState& frame, std::string_view text, NoticeRow where) {
  const int cols = frame.cols();
  auto row = std::make_shared<Row>(cols, Cell{U' ', kDefaultColor, kDefaultColor, attr::kInverse, 1, 0});
  // Printable ASCII only: a notice is ours, but may quote what others chose (names).
  int x = 1;
  for (size_t i = 0; i < text.size() && x < cols; ++i, ++x) {
    unsigned char ch = static_cast<unsigned char>(text[i]);
    row->at(x).ch = ch >= 0x20 && ch < 0x7F ? ch : U'?';
  }
  const int bottom = frame.rows() - 1;
  int y = bottom;
  if (where == NoticeRow::kOffTheCursor && frame.cursor.y == bottom && bottom > 0) y = bottom - 1;
  if (where == NoticeRow::kBesideTheCursor) y = frame.cursor.y > 0 ? frame.cursor.y - 1 : std::min(1, bottom);
  frame.fb.set_row(y, std::move(row));
  return y;
}

}  // namespace tandem::screen
