// The visible grid of a terminal: `rows` lines of `cols` cells.
//
// Lines are held as a ring of shared row handles, so scrolling the whole screen is
// O(1): the top handle moves to the scrollback and a recycled blank row takes its
// slot. Copying a Framebuffer copies handles only; the first write to a shared row
// clones it (copy-on-write) and gives it a new generation.
#pragma once

#include <optional>
#include <vector>

#include "proto/size.h"
#include "statesync/screen/row.h"
#include "statesync/screen/scrollback.h"

namespace tandem::screen {


// A block of lines that moved between two frames of the same size: lines [top, bottom]
// of `before` scrolled up by count (or down, when count is negative). Found by row
// identity (generation), so it costs one pass over the rows.
struct ScrollMove {
  int top = 0;
  int bottom = 0;
  int count = 0;
};

class Framebuffer {
 public:
  Framebuffer(int cols, int rows);

  int cols() const { return cols_; }
  int rows() const { return rows_; }

  const Row& row(int y) const { return *rows_at(y); }
  const RowRef& row_ref(int y) const { return rows_at(y); }
  // The row for writing: unshared first, with a fresh generation.
  Row& mut_row(int y);
  void set_row(int y, RowRef row) { rows_at(y) = std::move(row); }

  // Moves lines [top, bottom] up by n; lines leaving the top go to `scrollback` when
  // one is given. New lines at the bottom are filled with `fill`.
  void scroll_up(int top, int bottom, int n, Cell fill, Scrollback* scrollback);
  // Moves lines [top, bottom] down by n; new lines at the top are filled with `fill`.
  void scroll_down(int top, int bottom, int n, Cell fill);
  // Replays a scroll found between two frames (the lines that come in are blank).
  void apply(const ScrollMove& move) {
    if (move.count > 0) {
      scroll_up(move.top, move.bottom, move.count, Cell::blank(), nullptr);
    } else {
      scroll_down(move.top, move.bottom, -move.count, Cell::blank());
    }
  }
  // Truncates or pads each line and drops or adds lines at the bottom.
  void resize(int cols, int rows);
  void clear(Cell fill);
  void clear_row(int y, Cell fill) { rows_at(y) = blank_row(std::move(rows_at(y)), fill); }

  bool operator==(const Framebuffer& other) const;

 private:
  RowRef& rows_at(int y) {
    size_t i = top_ + size_t(y);
    return lines_[i >= lines_.size() ? i - lines_.size() : i];
  }
  const RowRef& rows_at(int y) const { return const_cast<Framebuffer*>(this)->rows_at(y); }
  RowRef blank_row(RowRef spare, Cell fill) const;

  int cols_;
  int rows_;
  std::vector<RowRef> lines_;  // ring; rows_at(0) is the top line
  size_t top_ = 0;
};

std::optional<ScrollMove> find_scroll(const Framebuffer& before, const Framebuffer& after);

}  // namespace tandem::screen
