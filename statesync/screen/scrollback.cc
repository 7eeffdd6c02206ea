#include "statesync/screen/scrollback.h"

#include "statesync/screen/cell_runs.h"

namespace tandem::screen {

RowRef Scrollback::line(size_t i) const {
  const size_t j = skip_ + i;
  const Slot& slot = chunks_[j / kChunkLines];
  const size_t k = j % kChunkLines;
  if (!slot.packed) return slot.rows->rows[k];
  const Packed& p = *slot.packed;
  return unpack_line(std::string_view(p.bytes).substr(p.offsets[k], p.offsets[k + 1] - p.offsets[k]), p.gens[k]);
}

uint64_t Scrollback::gen(size_t i) const {
  const size_t j = skip_ + i;
  const Slot& slot = chunks_[j / kChunkLines];
  return slot.packed ? slot.packed->gens[j % kChunkLines] : slot.rows->rows[j % kChunkLines]->gen;
}

RowRef Scrollback::push(RowRef row) {
  ++total_;
  if (limit_ == 0) return row;
  if (chunks_.empty() || chunks_.back().count() == kChunkLines) {
    chunks_.push_back(Slot{std::make_shared<Chunk>(), nullptr});
  } else if (chunks_.back().rows.use_count() > 1) {
    chunks_.back().rows = std::make_shared<Chunk>(*chunks_.back().rows);
  }
  if (row.use_count() == 1) row->trim_storage();  // a shared row may be read elsewhere
  Chunk& last = *chunks_.back().rows;
  cells_ += row->stored_cells();
  last.rows[last.count++] = std::move(row);
  ++size_;
  if (packing_ && chunks_.size() >= 2 && !chunks_[chunks_.size() - 2].packed) pack(chunks_.size() - 2);
  if (size_ <= limit_ && cells_ <= limit_ * kCellsPerLine) return {};
  RowRef dropped = drop_oldest();
  while (size_ > 1 && cells_ > limit_ * kCellsPerLine) dropped = drop_oldest();
  // The next lines to be dropped were pushed long ago and are out of cache; fetch
  // them now so that recycling them on the next scrolls does not stall.
  if (size_ > 2 && !chunks_.front().packed && skip_ + 2 < chunks_.front().count()) {
    const Chunk& front = *chunks_.front().rows;
    __builtin_prefetch(front.rows[skip_ + 2].get(), 1);
    front.rows[skip_ + 1]->prefetch();
  }
  return dropped;
}

void Scrollback::pack(size_t chunk) {
  Slot& slot = chunks_[chunk];
  const Chunk& rows = *slot.rows;
  auto packed = std::make_shared<Packed>();
  const size_t first = chunk == 0 ? skip_ : 0;  // lines before it were dropped (and may be gone)
  for (size_t k = 0; k < rows.count; ++k) {
    packed->offsets[k] = uint32_t(packed->bytes.size());
    if (k < first || !rows.rows[k]) continue;
    packed->bytes += pack_line(*rows.rows[k]);
    packed->gens[k] = rows.rows[k]->gen;
  }
  packed->offsets[rows.count] = uint32_t(packed->bytes.size());
  packed->count = rows.count;
  packed->bytes.shrink_to_fit();
  for (size_t k = first; k < rows.count; ++k) cells_ = cells_ - rows.rows[k]->stored_cells() + packed->cost(k);
  slot.packed = std::move(packed);
  slot.rows.reset();
}

RowRef Scrollback::drop_oldest() {
  Slot& front = chunks_.front();
  RowRef dropped;
  cells_ -= front.cost(skip_);
  if (!front.packed) {
    if (front.rows.use_count() == 1) {
      dropped = std::move(front.rows->rows[skip_]);
    } else {
      dropped = front.rows->rows[skip_];
    }
  }
  ++skip_;
  --size_;
  if (skip_ == front.count()) {
    chunks_.pop_front();
    skip_ = 0;
  }
  return dropped;
}

void Scrollback::set_limit(size_t limit) {
  limit_ = limit;
  while (size_ > limit_) drop_oldest();
}

void Scrollback::keep_newest(size_t n) {
  if (n == 0) {
    clear();
    return;
  }
  // Whole chunks first: a host's 10,000 lines cut to a session's 1,000 on every frame.
  while (size_ > n && !chunks_.empty() && chunks_.front().count() - skip_ <= size_ - n) {
    const Slot& front = chunks_.front();
    for (size_t i = skip_; i < front.count(); ++i) cells_ -= front.cost(i);
    size_ -= front.count() - skip_;
    chunks_.pop_front();
    skip_ = 0;
  }
  while (size_ > n) drop_oldest();
}

void Scrollback::clear() {
  chunks_.clear();
  skip_ = 0;
  size_ = 0;
  cells_ = 0;
}

bool Scrollback::operator==(const Scrollback& other) const {
  if (total_ != other.total_ || size_ != other.size_) return false;
  for (size_t i = 0; i < size_; ++i) {
    if (gen(i) == other.gen(i)) continue;
    if (!line(i)->same_content(*other.line(i))) return false;
  }
  return true;
}

}  // namespace tandem::screen
