#include "statesync/screen/scrollback.h"

namespace tandem::screen {

const RowRef& Scrollback::line(size_t i) const {
  size_t j = skip_ + i;
  return chunks_[j / kChunkLines]->rows[j % kChunkLines];
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
  cells_ += row->stored_cells();
  last.rows[last.count++] = std::move(row);
  ++size_;
  if (size_ <= limit_ && cells_ <= limit_ * kCellsPerLine) return {};
  RowRef dropped = drop_oldest();
  while (size_ > 1 && cells_ > limit_ * kCellsPerLine) dropped = drop_oldest();
  // The next lines to be dropped were pushed long ago and are out of cache; fetch
  // them now so that recycling them on the next scrolls does not stall.
  if (size_ > 2) {
    __builtin_prefetch(line(2).get(), 1);
    line(1)->prefetch();
  }
  return dropped;
}

RowRef Scrollback::drop_oldest() {
  std::shared_ptr<Chunk>& front = chunks_.front();
  RowRef dropped;
  if (front.use_count() == 1) {
    dropped = std::move(front->rows[skip_]);
  } else {
    dropped = front->rows[skip_];
  }
  cells_ -= dropped->stored_cells();
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
    for (size_t i = skip_; i < front.count; ++i) cells_ -= front.rows[i]->stored_cells();
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
    if (!same_row(line(i), other.line(i))) return false;
  }
  return true;
}

}  // namespace tandem::screen
