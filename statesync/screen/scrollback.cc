#include "statesync/screen/scrollback.h"

#include "statesync/screen/cell_runs.h"

namespace tandem::screen {

RowRef Scrollback::line(size_t i) const {
  const size_t j = skip_ + i;
  const Chunk& chunk = *chunks_[j / kChunkLines];
  const size_t k = j % kChunkLines;
  if (!chunk.packed) return chunk.rows[k];
  const Packed& p = *chunk.packed;
  return unpack_line(std::string_view(p.bytes).substr(p.offsets[k], p.offsets[k + 1] - p.offsets[k]), p.gens[k]);
}

uint64_t Scrollback::gen(size_t i) const {
  const size_t j = skip_ + i;
  const Chunk& chunk = *chunks_[j / kChunkLines];
  return chunk.packed ? chunk.packed->gens[j % kChunkLines] : chunk.rows[j % kChunkLines]->gen;
}

RowRef Scrollback::push(RowRef row) {
  ++total_;
  if (limit_ == 0) return row;
  if (chunks_.empty() || chunks_.back()->count == kChunkLines) {
    chunks_.push_back(std::make_shared<Chunk>());
  } else if (chunks_.back().use_count() > 1) {
    chunks_.back() = std::make_shared<Chunk>(*chunks_.back());
  }
  if (row.use_count() == 1) row->trim_storage();  // a shared row may be read elsewhere
  Chunk& last = *chunks_.back();
  const uint32_t cost = uint32_t(row->stored_cells());
  cells_ += cost;
  last.costs[last.count] = cost;
  last.rows[last.count++] = std::move(row);
  ++size_;
  if (size_ <= limit_ && cells_ <= limit_ * kCellsPerLine) return {};
  RowRef dropped = drop_oldest();
  while (size_ > 1 && cells_ > limit_ * kCellsPerLine) dropped = drop_oldest();
  // The next lines to be dropped were pushed long ago and are out of cache; fetch
  // them now so that recycling them on the next scrolls does not stall.
  const Chunk& front = *chunks_.front();
  if (size_ > 2 && !front.packed && skip_ + 2 < front.count) {
    __builtin_prefetch(front.rows[skip_ + 2].get(), 1);
    front.rows[skip_ + 1]->prefetch();
  }
  return dropped;
}

bool Scrollback::pack_old() {
  bool packed = false;
  for (size_t i = 0; i + 1 < chunks_.size(); ++i) {
    if (chunks_[i]->packed) continue;
    pack(*chunks_[i]);
    packed = true;
  }
  return packed;
}

void Scrollback::pack(Chunk& chunk) {
  auto packed = std::make_shared<Packed>();
  for (size_t k = 0; k < chunk.count; ++k) {
    packed->offsets[k] = uint32_t(packed->bytes.size());
    if (!chunk.rows[k]) continue;  // dropped (and moved out) by a copy that held it alone
    packed->bytes += pack_line(*chunk.rows[k]);
    packed->gens[k] = chunk.rows[k]->gen;
  }
  packed->offsets[chunk.count] = uint32_t(packed->bytes.size());
  packed->bytes.shrink_to_fit();
  chunk.packed = std::move(packed);
  for (size_t k = 0; k < chunk.count; ++k) chunk.rows[k].reset();
}

RowRef Scrollback::drop_oldest() {
  std::shared_ptr<Chunk>& front = chunks_.front();
  RowRef dropped;
  cells_ -= front->costs[skip_];
  if (!front->packed) {
    if (front.use_count() == 1) {
      dropped = std::move(front->rows[skip_]);
    } else {
      dropped = front->rows[skip_];
    }
  }
  ++skip_;
  --size_;
  if (skip_ == front->count) {
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
  while (size_ > n && !chunks_.empty() && chunks_.front()->count - skip_ <= size_ - n) {
    const Chunk& front = *chunks_.front();
    for (size_t i = skip_; i < front.count; ++i) cells_ -= front.costs[i];
    size_ -= front.count - skip_;
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
