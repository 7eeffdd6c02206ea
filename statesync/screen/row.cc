#include "statesync/screen/row.h"

#include <algorithm>
#include <atomic>

namespace tandem::screen {

// Each thread counts on its own (no atomic on the hot path); the thread's number in
// the top bits keeps generations from different threads apart.
uint64_t next_row_gen() {
  static std::atomic<uint64_t> threads{0};
  thread_local uint64_t next = (threads.fetch_add(1, std::memory_order_relaxed) << 44) | 1;
  return next++;
}

void Row::materialize(int x1) {
  size_t had = cells_.size();
  if (cells_.capacity() < size_t(x1)) cells_.reserve(std::max(size_t(x1), size_t(cols_ < 16 ? cols_ : 16)));
  cells_.resize(size_t(x1));  // Cell's constructor stores a space; fill_ then colours it
  if (!(fill_ == Cell{})) fill_cells(cells_.data() + had, size_t(x1) - had, fill_);
}

void Row::fill(int x0, int x1, const Cell& c) {
  if (x0 >= x1) return;
  if (x1 == cols_ && !c.is_cluster() && c.extra == 0) {
    if (size_t(x0) > cells_.size()) materialize(x0);
    cells_.resize(size_t(x0));
    fill_ = c;
    return;
  }
  fill_cells(span(x0, x1), size_t(x1 - x0), c);
}

void Row::reset(int cols, Cell fill) {
  cells_.clear();
  clusters_.clear();
  extras_.clear();
  cols_ = cols;
  fill_ = fill;
  wrapped = false;
  gen = next_row_gen();
}

void Row::trim_storage() {
  size_t n = cells_.size();
  while (n > 0 && cells_[n - 1] == fill_) --n;
  cells_.resize(n);
  if (cells_.capacity() > 2 * n + 32) cells_.shrink_to_fit();
}

void Row::resize(int cols) {
  if (size_t(cols) < cells_.size()) cells_.resize(size_t(cols));
  if (cols > cols_ && !(fill_ == Cell::blank())) {
    materialize(cols_);  // the new columns are default blanks, not the old erase colour
    fill_ = Cell::blank();
  }
  cols_ = cols;
  if (cols > 0 && cell(cols - 1).width == 2) at(cols - 1) = Cell::blank();
}

std::u32string_view Row::text_at(int x) const {
  const Cell& c = cell(x);
  if (c.is_cluster()) return clusters_[c.ch & ~kClusterBit];
  return {&c.ch, 1};
}

void Row::set_cluster(int x, std::u32string_view cluster) {
  Cell& c = at(x);
  if (cluster.size() <= 1) {
    c.ch = cluster.empty() ? U' ' : cluster[0];
    return;
  }
  if (clusters_.size() >= 2 * size_t(cols_) + 8) compact_clusters();
  c.ch = kClusterBit | uint32_t(clusters_.size());
  clusters_.emplace_back(cluster.substr(0, kMaxClusterLength));
}

void Row::add_mark(int x, char32_t mark) {
  std::u32string text(text_at(x));
  if (text.size() >= kMaxClusterLength) return;
  text.push_back(mark);
  set_cluster(x, text);
}

// Drops clusters no cell points at any more; overwritten cells leave them behind.
void Row::compact_clusters() {
  std::vector<std::u32string> kept;
  for (Cell& c : cells_) {
    if (!c.is_cluster()) continue;
    kept.push_back(std::move(clusters_[c.ch & ~kClusterBit]));
    c.ch = kClusterBit | uint32_t(kept.size() - 1);
  }
  clusters_ = std::move(kept);
}

uint8_t Row::intern_extra(const CellExtra& e) {
  if (e.empty()) return 0;
  for (size_t i = 0; i < extras_.size(); ++i) {
    if (extras_[i] == e) return uint8_t(i + 1);
  }
  if (extras_.size() >= kMaxRowExtras) compact_extras();
  if (extras_.size() >= kMaxRowExtras) return 0;
  extras_.push_back(e);
  return uint8_t(extras_.size());
}

// Drops extras no cell points at any more.
void Row::compact_extras() {
  std::vector<CellExtra> kept;
  std::vector<uint8_t> moved(extras_.size() + 1, 0);
  for (Cell& c : cells_) {
    if (c.extra == 0) continue;
    if (moved[c.extra] == 0) {
      kept.push_back(std::move(extras_[c.extra - 1]));
      moved[c.extra] = uint8_t(kept.size());
    }
    c.extra = moved[c.extra];
  }
  extras_ = std::move(kept);
}

void Row::break_wide(int x0, int x1) {
  if (x0 > 0 && x0 < cols_ && cell(x0).width == 0) {
    Cell& lead = at(x0 - 1);
    lead.ch = U' ';
    lead.width = 1;
  }
  if (x1 > 0 && x1 < cols_ && cell(x1).width == 0) {
    Cell& tail = at(x1);
    tail.ch = U' ';
    tail.width = 1;
  }
}

void Row::append_cell_utf8(std::string& out, int x) const {
  for (char32_t cp : text_at(x)) append_utf8(out, cp);
}

std::string Row::text() const {
  std::string out;
  int end = cols_;
  while (end > 0 && cell(end - 1).ch == U' ') --end;
  for (int x = 0; x < end; ++x) {
    if (cell(x).width == 0) continue;
    append_cell_utf8(out, x);
  }
  return out;
}

bool Row::is_blank() const {
  if (wrapped || !(fill_ == Cell::blank())) return false;
  for (const Cell& c : cells_) {
    if (!(c == Cell::blank())) return false;
  }
  return true;
}

bool Row::same_content(const Row& other) const {
  if (gen == other.gen) return true;
  if (wrapped != other.wrapped || cols_ != other.cols_) return false;
  for (int x = 0; x < cols_; ++x) {
    if (!same_cell(*this, other, x)) return false;
  }
  return true;
}

void Row::copy_cell(int x, const Row& src, int sx) {
  Cell c = src.cell(sx);
  const bool cluster = c.is_cluster();
  const CellExtra& extra = src.extra_at(sx);
  if (cluster) c.ch = U' ';
  c.extra = 0;
  at(x) = c;
  if (cluster) set_cluster(x, src.text_at(sx));
  if (!extra.empty()) at(x).extra = intern_extra(extra);
}

}  // namespace tandem::screen
