#include "statesync/screen/framebuffer.h"

#include <algorithm>
#include <utility>

namespace tandem::screen {

Framebuffer::Framebuffer(int cols, int rows) : cols_(cols), rows_(rows) {
  lines_.reserve(size_t(rows));
  for (int y = 0; y < rows; ++y) lines_.push_back(std::make_shared<Row>(cols));
}

Row& Framebuffer::mut_row(int y) {
  RowRef& ref = rows_at(y);
  if (ref.use_count() > 1) ref = std::make_shared<Row>(*ref);
  ref->gen = next_row_gen();
  return *ref;
}

// Reuses `spare` when nobody else holds it, else allocates.
RowRef Framebuffer::blank_row(RowRef spare, Cell fill) const {
  if (spare && spare.use_count() == 1) {
    spare->reset(cols_, fill);
    return spare;
  }
  return std::make_shared<Row>(cols_, fill);
}

void Framebuffer::scroll_up(int top, int bottom, int n, Cell fill, Scrollback* scrollback) {
  int height = bottom - top + 1;
  n = std::clamp(n, 0, height);
  if (n == 0) return;
  if (top == 0 && bottom == rows_ - 1) {
    // Whole screen: rotate the ring; each leaving top line becomes the new bottom.
    for (int i = 0; i < n; ++i) {
      RowRef& slot = lines_[top_];
      RowRef spare = scrollback ? scrollback->push(std::move(slot)) : std::move(slot);
      slot = blank_row(std::move(spare), fill);
      top_ = top_ + 1 == lines_.size() ? 0 : top_ + 1;
    }
    return;
  }
  // A region: the leaving lines go to the scrollback, the rest move up by handle, and
  // the leaving (or dropped) lines are recycled as the new blank lines at the bottom.
  std::vector<RowRef> held;
  held.reserve(size_t(n));
  for (int i = 0; i < n; ++i) {
    RowRef leaving = std::move(rows_at(top + i));
    held.push_back(scrollback ? scrollback->push(std::move(leaving)) : std::move(leaving));
  }
  for (int y = top; y + n <= bottom; ++y) rows_at(y) = std::move(rows_at(y + n));
  for (int i = 0; i < n; ++i) rows_at(bottom - n + 1 + i) = blank_row(std::move(held[size_t(i)]), fill);
}

void Framebuffer::scroll_down(int top, int bottom, int n, Cell fill) {
  int height = bottom - top + 1;
  n = std::clamp(n, 0, height);
  if (n == 0) return;
  std::vector<RowRef> held;
  held.reserve(size_t(n));
  for (int i = 0; i < n; ++i) held.push_back(std::move(rows_at(bottom - i)));
  for (int y = bottom; y - n >= top; --y) rows_at(y) = std::move(rows_at(y - n));
  for (int i = 0; i < n; ++i) rows_at(top + i) = blank_row(std::move(held[size_t(i)]), fill);
}

void Framebuffer::resize(int cols, int rows) {
  std::vector<RowRef> lines;
  lines.reserve(size_t(rows));
  for (int y = 0; y < rows; ++y) {
    if (y >= rows_) {
      lines.push_back(std::make_shared<Row>(cols));
      continue;
    }
    RowRef ref = rows_at(y);
    if (cols != cols_) {
      auto copy = std::make_shared<Row>(*ref);
      copy->resize(cols);
      copy->gen = next_row_gen();
      ref = std::move(copy);
    }
    lines.push_back(std::move(ref));
  }
  lines_ = std::move(lines);
  top_ = 0;
  cols_ = cols;
  rows_ = rows;
}

void Framebuffer::clear(Cell fill) {
  for (int y = 0; y < rows_; ++y) clear_row(y, fill);
}

bool Framebuffer::operator==(const Framebuffer& other) const {
  if (cols_ != other.cols_ || rows_ != other.rows_) return false;
  for (int y = 0; y < rows_; ++y) {
    if (!same_row(row_ref(y), other.row_ref(y))) return false;
  }
  return true;
}

}  // namespace tandem::screen

namespace tandem::screen {

namespace {

// Rows of `after` that still differ from `before` once `move` has been applied to it.
int rows_to_repaint(const Framebuffer& before, const Framebuffer& after, const ScrollMove& move) {
  int count = 0;
  for (int y = 0; y < after.rows(); ++y) {
    int src = y;
    if (y >= move.top && y <= move.bottom) {
      src = y + move.count;
      if (src < move.top || src > move.bottom) src = -1;  // a line scrolled in blank
    }
    bool same = src < 0 ? after.row(y).is_blank() : same_row(before.row_ref(src), after.row_ref(y));
    if (!same) ++count;
  }
  return count;
}

}  // namespace

std::optional<ScrollMove> find_scroll(const Framebuffer& before, const Framebuffer& after) {
  const int rows = after.rows();
  if (before.rows() != rows || before.cols() != after.cols() || rows < 2) return std::nullopt;
  std::vector<std::pair<uint64_t, int>> index;  // generation -> row of `before`
  index.reserve(size_t(rows));
  for (int y = 0; y < rows; ++y) index.emplace_back(before.row(y).gen, y);
  std::sort(index.begin(), index.end());
  auto source_of = [&](int y) {
    uint64_t gen = after.row(y).gen;
    auto it = std::lower_bound(index.begin(), index.end(), std::pair<uint64_t, int>{gen, -1});
    return it != index.end() && it->first == gen ? it->second : -1;
  };
  // The longest run of consecutive rows that all moved by the same amount.
  int best_len = 0, best_start = 0, best_delta = 0;
  int run_len = 0, run_start = 0, run_delta = 0;
  for (int y = 0; y < rows; ++y) {
    int src = source_of(y);
    int delta = src < 0 ? 0 : src - y;
    if (delta != 0 && run_len > 0 && delta == run_delta) {
      ++run_len;
    } else {
      run_len = delta != 0 ? 1 : 0;
      run_start = y;
      run_delta = delta;
    }
    if (run_len > best_len) {
      best_len = run_len;
      best_start = run_start;
      best_delta = run_delta;
    }
  }
  if (best_len < 2) return std::nullopt;
  int first = best_start, last = best_start + best_len - 1;
  ScrollMove region = best_delta > 0 ? ScrollMove{first, last + best_delta, best_delta}
                                     : ScrollMove{first + best_delta, last, best_delta};
  // Scrolling the whole screen is the cheapest to send and feeds a viewer's own
  // scrollback; take it whenever it leaves no more rows to repaint than the region.
  ScrollMove whole{0, rows - 1, best_delta};
  if ((region.top != 0 || region.bottom != rows - 1) &&
      rows_to_repaint(before, after, whole) <= rows_to_repaint(before, after, region)) {
    return whole;
  }
  return region;
}

}  // namespace tandem::screen
