// One line of cells, shared copy-on-write between screen states.
//
// A row stores only the cells up to the last one written; the rest are implicitly
// its `fill` (the blank an erase or scroll left). Scrolling `seq` output at 200
// columns thus touches a few cells per line, not the whole width, and a scrollback
// of short lines stays small and in cache.
//
// A row carries a generation number drawn from a process-wide counter each time its
// content changes, so two rows with the same generation hold the same content and a
// diff can skip them without comparing cells. Combining marks live in a small side
// table of clusters; a cell whose ch has kClusterBit set indexes it. Underline colours
// and hyperlinks live in another (at most kMaxRowExtras distinct ones per row), which
// a cell's `extra` indexes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "statesync/screen/cell.h"

namespace tandem::screen {

// A fresh generation number, never handed out before in this process.
uint64_t next_row_gen();

inline constexpr size_t kMaxClusterLength = 16;  // code points kept per cell; more marks are dropped
inline constexpr size_t kMaxRowExtras = 32;      // distinct underline colours and links per row; more are dropped

class Row {
 public:
  explicit Row(int cols = 0, Cell fill = Cell::blank()) : cols_(cols), fill_(fill) {}

  uint64_t gen = next_row_gen();
  bool wrapped = false;  // the line continues on the next one (soft wrap)

  int cols() const { return cols_; }
  const Cell& cell(int x) const { return size_t(x) < cells_.size() ? cells_[size_t(x)] : fill_; }
  // Hints the CPU to fetch this row's cells: used on rows about to be recycled.
  void prefetch() const { __builtin_prefetch(cells_.data(), 1); }
  // Cells [x0, x1) for writing (stored from here on).
  Cell* span(int x0, int x1) {
    if (size_t(x1) > cells_.size()) materialize(x1);
    return cells_.data() + x0;
  }
  Cell& at(int x) { return *span(x, x + 1); }
  // Room for cells [0, x1) (at most the row's width), stored nothing yet: a decoder
  // writing a row cell by cell then grows its storage once, not at every cell.
  void reserve(int x1) { cells_.reserve(size_t(std::min(x1, cols_))); }
  // Sets cells [x0, x1) to c; erasing to the end of the line stores nothing.
  void fill(int x0, int x1, const Cell& c);
  // Blank line of `cols` cells of `fill`; keeps the storage for reuse.
  void reset(int cols, Cell fill);
  // Drops stored cells equal to the fill and spare capacity: for rows kept long
  // in the scrollback.
  void trim_storage();
  // Cells this row keeps storage for (what it costs, beside its fixed size).
  size_t stored_cells() const { return cells_.capacity(); }
  // Truncates or pads with blanks; a wide character cut by the edge becomes a blank.
  void resize(int cols);

  // The code points of cell x: the base and then any combining marks.
  std::u32string_view text_at(int x) const;
  // Adds a combining mark to cell x (which must hold a character).
  void add_mark(int x, char32_t mark);
  // Sets cell x's cluster (base followed by marks) keeping its colours and width.
  void set_cluster(int x, std::u32string_view cluster);

  // Cell x's underline colour and hyperlink.
  const CellExtra& extra_at(int x) const {
    static const CellExtra kNone;
    const Cell& c = cell(x);
    return c.extra == 0 ? kNone : extras_[c.extra - 1];
  }
  // The value for Cell::extra that stands for `e` in this row (0 when the row's table
  // is full even after dropping unused entries, or e is empty).
  uint8_t intern_extra(const CellExtra& e);

  // Before cells [x0, x1) are overwritten: a wide character cut by either edge
  // leaves a space behind in its other half.
  void break_wide(int x0, int x1);
  // Cell `sx` of `src` into cell `x` of this row, with its cluster and its extra (each
  // row has tables of its own, which a cell's indexes point into).
  void copy_cell(int x, const Row& src, int sx);

  // Appends cell x's characters as UTF-8.
  void append_cell_utf8(std::string& out, int x) const;
  // The row as UTF-8 text with trailing blanks trimmed; continuation cells are skipped.
  std::string text() const;

  // Every cell is a default blank (as a freshly scrolled-in line).
  bool is_blank() const;

  // Content equality: generations first, then cells, comparing clusters by text.
  bool same_content(const Row& other) const;

 private:
  void materialize(int x1);
  void compact_clusters();
  void compact_extras();

  std::vector<Cell> cells_;  // cells [0, size) as written; the rest are fill_
  std::vector<std::u32string> clusters_;
  std::vector<CellExtra> extras_;
  int cols_;
  Cell fill_;
};

using RowRef = std::shared_ptr<Row>;

// Whether cell x looks the same in both rows (clusters compared by text).
inline bool same_cell(const Row& a, const Row& b, int x) {
  const Cell& ca = a.cell(x);
  const Cell& cb = b.cell(x);
  if (!ca.is_cluster() && !cb.is_cluster() && (ca.extra | cb.extra) == 0) return ca == cb;
  return ca.fg == cb.fg && ca.bg == cb.bg && ca.attrs == cb.attrs && ca.width == cb.width &&
         a.text_at(x) == b.text_at(x) && a.extra_at(x) == b.extra_at(x);
}

inline bool same_row(const RowRef& a, const RowRef& b) {
  return a == b || a->gen == b->gen || a->same_content(*b);
}

}  // namespace tandem::screen
