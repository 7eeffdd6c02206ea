#include "transport/reassembler.h"

#include "proto/wire.h"

#include <algorithm>
#include <cstring>

namespace tandem::transport {

void append_fragment(std::vector<uint8_t>& out, const FragmentHeader& h, std::span<const uint8_t> data) {
  uint8_t header[kFragmentHeaderBytes];
  proto::put_be32(header, h.message_id);
  proto::put_be16(header + 4, h.index);
  proto::put_be16(header + 6, h.count);
  out.insert(out.end(), header, header + kFragmentHeaderBytes);
  out.insert(out.end(), data.begin(), data.end());
}

bool parse_fragment(std::span<const uint8_t> b, FragmentHeader& h, std::span<const uint8_t>& data) {
  if (b.size() < kFragmentHeaderBytes) return false;
  h.message_id = proto::get_be32(b.data());
  h.index = proto::get_be16(b.data() + 4);
  h.count = proto::get_be16(b.data() + 6);
  data = b.subspan(kFragmentHeaderBytes);
  return h.count > 0 && h.index < h.count;
}

bool Reassembler::resolved(uint32_t id) const {
  return id < floor_ || (id - floor_ < above_floor_.size() && above_floor_[id - floor_]);
}

void Reassembler::resolve(uint32_t id) {
  if (id < floor_) return;
  size_t at = id - floor_;
  if (at >= above_floor_.size()) above_floor_.resize(at + 1, false);
  above_floor_[at] = true;
  raise_floor();
}

void Reassembler::raise_floor() {
  const auto open = std::find(above_floor_.begin(), above_floor_.end(), false);
  floor_ += uint32_t(open - above_floor_.begin());
  above_floor_.erase(above_floor_.begin(), open);
}

Reassembler::~Reassembler() {
  if (budget_) budget_->used -= pending_bytes_;
}

void Reassembler::drop_pending(size_t i, bool report) {
  uint32_t id = pending_[i].id;
  pending_bytes_ -= pending_[i].bytes;
  if (budget_) budget_->used -= pending_[i].bytes;
  pending_.erase(pending_.begin() + long(i));
  if (report) {
    resolve(id);
    lost_(id, 1);
  }
}

// Everything below `limit` that is still open is lost: reported as runs of ids.
void Reassembler::give_up_below(uint32_t limit) {
  for (size_t i = pending_.size(); i-- > 0;) {
    if (pending_[i].id < limit) drop_pending(i, false);
  }
  uint32_t id = floor_;
  while (id < limit) {
    if (resolved(id)) {
      ++id;
      continue;
    }
    uint32_t first = id;
    // Past the tracked bits every id is open: one run to the limit.
    if (id - floor_ >= above_floor_.size()) {
      id = limit;
    } else {
      while (id < limit && !resolved(id)) ++id;
    }
    lost_(first, id - first);
  }
  size_t drop = std::min<size_t>(limit - floor_, above_floor_.size());
  above_floor_.erase(above_floor_.begin(), above_floor_.begin() + long(drop));
  floor_ = limit;
  raise_floor();
}

bool Reassembler::add(const FragmentHeader& h, std::span<const uint8_t> data) {
  const size_t max_count = (kMaxMessageBytes + fragment_bytes_ - 1) / fragment_bytes_;
  if (h.count == 0 || h.index >= h.count || h.count > max_count || data.size() > fragment_bytes_) return false;
  if (h.index + 1 < h.count && data.size() != fragment_bytes_) return false;
  if (resolved(h.message_id)) return true;  // late or duplicate: already delivered or reported
  if (h.message_id - floor_ >= kReorderMessages) give_up_below(h.message_id - kReorderMessages + 1);

  if (h.count == 1) {
    resolve(h.message_id);
    deliver_(h.message_id, data);
    return true;
  }
  auto find = [&] {
    return std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.id == h.message_id; });
  };
  auto it = find();
  if (it != pending_.end() && it->count != h.count) return false;
  if (it != pending_.end() && it->have[h.index]) return true;
  // Room for this fragment: older messages give way, within this link and the budget.
  bool dropped = false;
  while ((it == pending_.end() && pending_.size() >= kMaxPending) || over_budget(data.size())) {
    if (!drop_oldest_but(h.message_id)) break;
    dropped = true;
  }
  if (dropped) it = find();
  if (over_budget(data.size())) {
    // The budget is spent elsewhere (other links): this message cannot complete.
    if (it != pending_.end()) {
      drop_pending(size_t(it - pending_.begin()), true);
    } else {
      resolve(h.message_id);
      lost_(h.message_id, 1);
    }
    return true;
  }
  if (it == pending_.end()) {
    Pending p;
    p.id = h.message_id;
    p.count = h.count;
    p.have.assign(h.count, false);
    pending_.push_back(std::move(p));
    it = pending_.end() - 1;
  }
  Pending& p = *it;
  p.have[h.index] = true;
  p.parts.emplace_back(h.index, std::vector<uint8_t>(data.begin(), data.end()));
  p.bytes += data.size();
  pending_bytes_ += data.size();
  if (budget_) budget_->used += data.size();
  if (p.parts.size() < p.count) return true;

  Pending done = std::move(p);
  pending_bytes_ -= done.bytes;
  if (budget_) budget_->used -= done.bytes;
  pending_.erase(it);
  std::sort(done.parts.begin(), done.parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<uint8_t> message;
  message.reserve(done.bytes);
  for (const auto& [index, part] : done.parts) message.insert(message.end(), part.begin(), part.end());
  resolve(done.id);
  deliver_(done.id, message);
  return true;
}

bool Reassembler::drop_oldest_but(uint32_t keep) {
  size_t oldest = pending_.size();
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].id != keep && (oldest == pending_.size() || pending_[i].id < pending_[oldest].id)) oldest = i;
  }
  if (oldest == pending_.size()) return false;
  drop_pending(oldest, true);
  return true;
}

bool Reassembler::over_budget(size_t more) const {
  return pending_bytes_ + more > kMaxPendingBytes || (budget_ && budget_->used + more > budget_->limit);
}

}  // namespace tandem::transport
