#include "statesync/screen/scrollback.h"

#include <algorithm>

#include "proto/deflate.h"
#include "statesync/screen/cell_runs.h"

namespace tandem::screen {

namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += char(uint8_t(v) | 0x80);
    v >>= 7;
  }
  out += char(v);
}

// Reads a varint at `at`; false when the bytes end first or it is too long.
bool get_varint(std::string_view in, size_t& at, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && at < in.size(); shift += 7) {
    const uint8_t b = uint8_t(in[at++]);
    v |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

std::string_view Scrollback::packed_line(const std::shared_ptr<const Packed>& packed, size_t k) {
  // The chunk read last, inflated and split into lines: history is read a line at a
  // time (a late joiner's, a search), and a chunk is then inflated once for all its lines.
  thread_local std::shared_ptr<const Packed> last;
  thread_local std::string bytes;
  thread_local std::vector<std::string_view> lines;
  if (last != packed) {
    last = packed;
    bytes =
        packed->deflated ? proto::inflate_bytes(packed->bytes, packed->size).value_or(std::string()) : packed->bytes;
    lines.clear();
    size_t at = 0;
    uint64_t length = 0;
    while (at < bytes.size() && get_varint(bytes, at, length) && length <= bytes.size() - at) {
      lines.push_back(std::string_view(bytes).substr(at, length));
      at += length;
    }
  }
  return k < lines.size() ? lines[k] : std::string_view();  // ours: always there
}

RowRef Scrollback::line(size_t i) const {
  const size_t j = skip_ + i;
  const Chunk& chunk = *chunks_[j / kChunkLines];
  const size_t k = j % kChunkLines;
  if (!chunk.packed) return chunk.rows[k];
  return unpack_line(packed_line(chunk.packed, k), chunk.packed->gen(k));
}

uint64_t Scrollback::gen(size_t i) const {
  const size_t j = skip_ + i;
  const Chunk& chunk = *chunks_[j / kChunkLines];
  return chunk.packed ? chunk.packed->gen(j % kChunkLines) : chunk.rows[j % kChunkLines]->gen;
}

RowRef Scrollback::push(RowRef row) {
  ++total_;
  if (limit_ == 0) return row;
  if (chunks_.empty() || last_count_ == kChunkLines) {
    chunks_.push_back(std::make_shared<Chunk>());
    chunks_.back()->rows.reserve(kChunkLines);
    last_count_ = 0;
  } else if (chunks_.back()->packed) {
    chunks_.back() = unpacked(*chunks_.back(), last_count_);
  } else if (chunks_.back()->count != last_count_) {
    chunks_.back() = first_lines(*chunks_.back(), last_count_);  // another copy appended other lines to it
  }
  if (row.use_count() == 1) row->trim_storage();  // a shared row may be read elsewhere
  Chunk& last = *chunks_.back();
  const uint16_t cost = uint16_t(std::min<size_t>(row->stored_cells(), UINT16_MAX));
  cells_ += cost;
  last.costs[last.count] = cost;
  last.rows.push_back(std::move(row));
  ++last.count;
  ++last_count_;
  ++size_;
  if (size_ <= limit_ && cells_ <= limit_ * kCellsPerLine) return {};
  RowRef dropped = drop_oldest();
  while (size_ > 1 && cells_ > limit_ * kCellsPerLine) dropped = drop_oldest();
  // The next lines to be dropped were pushed long ago and are out of cache; fetch
  // them now so that recycling them on the next scrolls does not stall.
  const Chunk& front = *chunks_.front();
  if (size_ > 2 && !front.packed && skip_ + 2 < held(0)) {
    __builtin_prefetch(front.rows[skip_ + 2].get(), 1);
    front.rows[skip_ + 1]->prefetch();
  }
  return dropped;
}

bool Scrollback::pack(bool last_too) {
  bool packed = false;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const std::shared_ptr<Chunk>& chunk = chunks_[i];
    if (chunk->packed || (!last_too && i + 1 == chunks_.size())) continue;
    pack(*chunk);
    packed = true;
  }
  return packed;
}

void Scrollback::pack(Chunk& chunk) {
  auto packed = std::make_shared<Packed>();
  std::vector<uint64_t> gens(chunk.count);
  std::string bytes;
  for (size_t k = 0; k < chunk.count; ++k) {
    const RowRef& row = chunk.rows[k];
    gens[k] = row ? row->gen : 0;
    // An empty line where a copy that held the chunk alone dropped (and moved out) the row.
    const std::string line = row ? pack_line(*row) : std::string();
    put_varint(bytes, line.size());
    bytes += line;
  }
  packed->size = uint32_t(bytes.size());
  if (std::optional<std::string> deflated = proto::deflate_bytes(bytes)) {
    packed->bytes = std::move(*deflated);
    packed->deflated = true;
  } else {
    packed->bytes = std::move(bytes);
  }
  packed->bytes.shrink_to_fit();
  const auto [low, high] = std::minmax_element(gens.begin(), gens.end());
  if (!gens.empty() && *high - *low <= UINT32_MAX) {
    packed->first_gen = *low;
    packed->gen_steps.reserve(gens.size());
    for (uint64_t g : gens) packed->gen_steps.push_back(uint32_t(g - *low));
  } else {
    packed->gens = std::move(gens);
  }
  chunk.packed = std::move(packed);
  // Not `rows = {}`: that assigns an empty list and keeps the 128 handles' storage.
  std::vector<RowRef>().swap(chunk.rows);
}

std::shared_ptr<Scrollback::Chunk> Scrollback::unpacked(const Chunk& chunk, size_t n) {
  auto copy = std::make_shared<Chunk>();
  std::copy_n(chunk.costs.begin(), n, copy->costs.begin());
  copy->count = n;
  copy->rows.reserve(kChunkLines);
  for (size_t k = 0; k < n; ++k) copy->rows.push_back(unpack_line(packed_line(chunk.packed, k), chunk.packed->gen(k)));
  return copy;
}

std::shared_ptr<Scrollback::Chunk> Scrollback::first_lines(const Chunk& chunk, size_t n) {
  auto copy = std::make_shared<Chunk>();
  std::copy_n(chunk.costs.begin(), n, copy->costs.begin());
  copy->count = n;
  copy->rows.reserve(kChunkLines);
  copy->rows.assign(chunk.rows.begin(), chunk.rows.begin() + ptrdiff_t(n));
  return copy;
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
  if (skip_ == held(0)) {
    chunks_.erase(chunks_.begin());
    skip_ = 0;
    if (chunks_.empty()) last_count_ = 0;
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
  while (size_ > n && !chunks_.empty() && held(0) - skip_ <= size_ - n) {
    const Chunk& front = *chunks_.front();
    const size_t count = held(0);
    for (size_t i = skip_; i < count; ++i) cells_ -= front.costs[i];
    size_ -= count - skip_;
    chunks_.erase(chunks_.begin());
    skip_ = 0;
    if (chunks_.empty()) last_count_ = 0;
  }
  while (size_ > n) drop_oldest();
}

void Scrollback::clear() {
  chunks_.clear();
  skip_ = 0;
  last_count_ = 0;
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
