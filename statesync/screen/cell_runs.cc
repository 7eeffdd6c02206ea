#include "statesync/screen/cell_runs.h"

#include <algorithm>

#include "proto/screen.pb.h"
#include "proto/size.h"

namespace tandem::screen {
namespace {

constexpr uint32_t kMarkFlag = 1u << 30;  // CellRun.chars: a mark joining the previous cell

bool valid_char(uint32_t cp) {
  return cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0) && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

bool valid_color(uint32_t c) {
  uint32_t kind = c >> 24;
  return c == kDefaultColor || (kind == 1 && (c & 0xFFFFFF) <= 255) || kind == 2;
}

}  // namespace

uint32_t LinkTable::index(const std::shared_ptr<const Hyperlink>& link) {
  if (!link) return 0;
  for (size_t i = 0; i < seen_.size(); ++i) {
    if (seen_[i] == link.get() || *seen_[i] == *link) return uint32_t(i + 1);
  }
  if (seen_.size() >= kMaxDiffLinks) return 0;
  seen_.push_back(link.get());
  proto::Hyperlink* h = diff_.add_links();
  h->set_uri(link->uri);
  h->set_id(link->id);
  return uint32_t(seen_.size());
}

// Encodes cells [x0, x1) of `row` as runs that share colours, attributes and width.
void encode_cells(const Row& row, int x0, int x1, google::protobuf::RepeatedPtrField<proto::CellRun>* runs,
                  LinkTable& links) {
  int x = x0;
  while (x < x1) {
    const Cell& first = row.cell(x);
    const bool wide = first.width == 2;
    proto::CellRun* run = runs->Add();
    run->set_x(uint32_t(x));
    run->set_fg(first.fg);
    run->set_bg(first.bg);
    run->set_attrs(first.attrs);
    run->set_wide(wide);
    if (first.extra != 0) {
      const CellExtra& extra = row.extra_at(x);
      run->set_underline_color(extra.underline);
      run->set_link(links.index(extra.link));
    }
    uint32_t blanks = 0;
    while (x < x1) {
      const Cell& c = row.cell(x);
      if (c.fg != first.fg || c.bg != first.bg || c.attrs != first.attrs || (c.width == 2) != wide ||
          c.extra != first.extra) {
        break;
      }
      if (c.width == 0) {
        // An orphaned continuation cannot be drawn; it is sent as a space.
        if (wide) break;
        ++blanks;
        ++x;
        continue;
      }
      if (!wide && c.ch == U' ') {
        ++blanks;
        ++x;
        continue;
      }
      for (; blanks > 0; --blanks) run->add_chars(U' ');
      std::u32string_view text = row.text_at(x);
      run->add_chars(text[0]);
      for (size_t i = 1; i < text.size(); ++i) run->add_chars(kMarkFlag | text[i]);
      x += wide ? 2 : 1;
    }
    run->set_blanks(blanks);
  }
}

std::optional<DecodeError> decode_cells(const google::protobuf::RepeatedPtrField<proto::CellRun>& runs, Row& row,
                                        const Links& links) {
  const int cols = row.cols();
  uint64_t extent = 0;  // where the runs end at most (marks counted as cells)
  for (const proto::CellRun& run : runs) {
    extent = std::max(extent, uint64_t(run.x()) + uint64_t(run.chars_size()) * (run.wide() ? 2 : 1) + run.blanks());
  }
  row.reserve(int(std::min(extent, uint64_t(cols))));
  for (const proto::CellRun& run : runs) {
    if (run.x() > uint32_t(cols)) return DecodeError{"cell run starts past the row"};
    if (!valid_color(run.fg()) || !valid_color(run.bg()) || !valid_color(run.underline_color())) {
      return DecodeError{"bad colour"};
    }
    if (run.link() > links.size()) return DecodeError{"cell run names a missing link"};
    if (run.attrs() & ~uint32_t(attr::kAll) || attr::underline_style(uint16_t(run.attrs())) > attr::kMaxUnderline) {
      return DecodeError{"bad attributes"};
    }
    const int width = run.wide() ? 2 : 1;
    Cell templ{0, run.fg(), run.bg(), uint16_t(run.attrs()), uint8_t(width), 0};
    if (run.underline_color() != 0 || run.link() != 0) {
      templ.extra = row.intern_extra(CellExtra{run.underline_color(), run.link() ? links[run.link() - 1] : nullptr});
    }
    int x = int(run.x());
    int last = -1;  // the cell a mark would join
    for (uint32_t v : run.chars()) {
      if (v & kMarkFlag) {
        uint32_t mark = v & ~kMarkFlag;
        if (last < 0 || !valid_char(mark) || char_width(mark) != 0) return DecodeError{"bad combining mark"};
        row.add_mark(last, mark);
        continue;
      }
      // Widths must agree with ours, or a viewer would draw the line shifted.
      if (!valid_char(v) || char_width(v) != width) return DecodeError{"bad character or width"};
      if (x + width > cols) return DecodeError{"cell run overflows the row"};
      row.break_wide(x, x + width);
      Cell c = templ;
      c.ch = v;
      row.at(x) = c;
      if (width == 2) {
        c.ch = 0;
        c.width = 0;
        row.at(x + 1) = c;
      }
      last = x;
      x += width;
    }
    if (run.blanks() > uint32_t(cols - x)) return DecodeError{"blank run overflows the row"};
    int end = x + int(run.blanks());
    row.break_wide(x, end);
    Cell space = templ;
    space.ch = U' ';
    space.width = 1;
    if (end > x) fill_cells(row.span(x, end), size_t(end - x), space);
  }
  return std::nullopt;
}

std::string pack_line(const Row& row) {
  proto::ScreenDiff d;  // a line and the links it names, as a diff carries them
  LinkTable links(d);
  proto::Line* line = d.add_scrollback();
  line->set_cols(uint32_t(row.cols()));
  line->set_wrapped(row.wrapped);
  int end = row.cols();
  while (end > 0 && row.cell(end - 1) == Cell::blank()) --end;
  encode_cells(row, 0, end, line->mutable_runs(), links);
  return d.SerializeAsString();
}

RowRef unpack_line(std::string_view bytes, uint64_t gen) {
  proto::ScreenDiff d;
  auto row = std::make_shared<Row>();
  if (d.ParseFromArray(bytes.data(), int(bytes.size())) && d.scrollback_size() == 1 &&
      d.scrollback(0).cols() > 0 && d.scrollback(0).cols() <= uint32_t(kMaxDimension)) {
    const proto::Line& line = d.scrollback(0);
    Links links;
    for (const proto::Hyperlink& h : d.links()) links.push_back(std::make_shared<const Hyperlink>(Hyperlink{h.uri(), h.id()}));
    row = std::make_shared<Row>(int(line.cols()));
    row->wrapped = line.wrapped();
    if (decode_cells(line.runs(), *row, links)) row = std::make_shared<Row>(int(line.cols()));  // ours: cannot happen
    row->trim_storage();
  }
  row->gen = gen;
  return row;
}

}  // namespace tandem::screen
