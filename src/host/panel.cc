#include "src/host/panel.h"

#include <algorithm>
#include <memory>

#include "src/host/session_status.h"

namespace tandem {
namespace {

constexpr int kMargin = 1;  // columns left of every line

PanelLine text_line(std::string_view text) {
  PanelLine line;
  // Printable ASCII only: the panel is ours, but links quote what a relay chose.
  for (unsigned char c : text) line.text += c >= 0x20 && c < 0x7F ? char32_t(c) : U'?';
  return line;
}

void add_text(std::vector<PanelLine>& lines, std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    lines.push_back(text_line(text.substr(start, end - start)));
    start = end + 1;
  }
}

// `line` cut into pieces that fit `width` columns after the margin; the pieces after
// the first keep the first's indentation.
std::vector<std::u32string> wrapped(const std::u32string& line, int width) {
  const size_t indent = std::min(line.find_first_not_of(U' '), line.size());
  const size_t room = size_t(std::max(1, width - kMargin - int(indent)));
  std::vector<std::u32string> pieces;
  for (size_t at = indent; at < line.size() || pieces.empty(); at += room) {
    pieces.push_back(std::u32string(indent, U' ') + line.substr(std::min(at, line.size()), room));
  }
  return pieces;
}

}  // namespace

std::vector<PanelLine> links_panel(const Links& links) {
  std::vector<PanelLine> lines;
  add_text(lines, "tandem: the session's links, shown to you alone (any key closes it)");
  const std::string text = links_text(links);
  add_text(lines, std::string_view(text).substr(text.find('\n') + 1));  // without links_text's own title
  return lines;
}

std::vector<PanelLine> code_panel(const QrCode& code, const std::string& role, const std::string& link, int cols,
                                  int rows) {
  std::vector<PanelLine> lines;
  add_text(lines, "tandem: " + role + " link as a QR code, shown to you alone (any key closes it)");
  const std::vector<std::u32string> rows_of_code = code.half_block_lines();
  const int width = int(rows_of_code.front().size()) + kMargin;
  const int height = int(rows_of_code.size()) + 3;  // the title, the code, the link, the notice's row
  if (width > cols || height > rows) {
    add_text(lines, "  this terminal is too small for the QR code (it needs " + std::to_string(width) + "x" +
                        std::to_string(height) + "); tandem --qr prints it above the session");
  } else {
    for (const std::u32string& r : rows_of_code) lines.push_back(PanelLine{r, true});
  }
  add_text(lines, "  " + link);
  return lines;
}

void Panel::lay_over(screen::ScreenState& frame) {
  using screen::Cell;
  const int cols = frame.cols();
  if (cols != cols_) {
    cols_ = cols;
    rows_.clear();
    const Cell text_cell{U' ', screen::kDefaultColor, screen::kDefaultColor, screen::attr::kInverse, 1, 0};
    const Cell code_cell{U' ', screen::indexed_color(0), screen::indexed_color(15), 0, 1, 0};
    for (const PanelLine& line : lines_) {
      const std::vector<std::u32string> pieces =
          line.code ? std::vector<std::u32string>{line.text} : wrapped(line.text, cols);
      for (const std::u32string& piece : pieces) {
        auto row = std::make_shared<screen::Row>(cols, text_cell);
        for (int x = 0; x < cols - kMargin && x < int(piece.size()); ++x) {
          Cell& c = row->at(x + kMargin);
          c = line.code ? code_cell : text_cell;
          c.ch = piece[size_t(x)];
        }
        rows_.push_back(std::move(row));
      }
    }
  }
  const int bottom = frame.rows() - 1;  // the notice's row stays free
  const size_t first = rows_.size() > size_t(std::max(bottom, 0)) ? rows_.size() - size_t(std::max(bottom, 0)) : 0;
  const int n = int(rows_.size() - first);
  int y = std::max(0, bottom - n);
  // Keys still reach the program while the --approve prompt is up: when it would hide
  // the row the host types on, it goes to the top if there is room above the cursor.
  if (frame.cursor.y >= y && frame.cursor.y < bottom && frame.cursor.y >= n) y = 0;
  for (size_t i = first; i < rows_.size() && y < bottom; ++i, ++y) frame.fb.set_row(y, rows_[i]);
}

std::vector<PanelLine> approval_panel(const MateInfo& mate, size_t more) {
  auto line = [](const std::string& ascii) {
    PanelLine l;
    for (unsigned char c : ascii) l.text.push_back(c >= 0x20 && c < 0x7F ? char32_t(c) : U'?');
    return l;
  };
  std::string who = mate.name.empty() ? std::string() : mate.name + " ";
  std::string details = mate.key.empty() ? "no key" : mate.key;
  details += ", " + mate.who + ", " + via_name(mate.via);
  std::vector<PanelLine> out;
  out.push_back(line("tandem: mate " + who + "(" + details + ") wants to join " + role_name(mate.role) + ":"));
  out.push_back(
      line("  Ctrl-^ then y to admit, Ctrl-^ then n to refuse; other keys are typed as usual (only you see this" +
           (more ? "; " + std::to_string(more) + " more waiting after it)" : std::string(")"))));
  return out;
}

}  // namespace tandem
