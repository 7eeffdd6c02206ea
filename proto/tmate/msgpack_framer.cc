#include "proto/tmate/msgpack_framer.h"

#include <algorithm>

namespace tandem::tmate {

namespace {

uint64_t big_endian(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

bool MsgpackFramer::item_done() {
  while (!open_.empty()) {
    if (--open_.back() > 0) return false;
    open_.pop_back();
  }
  return true;
}

void MsgpackFramer::begin_item(uint64_t children) {
  step_ = Step::kHeader;
  if (children > 0) open_.push_back(children);
}

// The first byte of an item: how much header and payload follow.
std::optional<DecodeError> MsgpackFramer::header(uint8_t b) {
  first_ = b;
  got_ = 0;
  need_ = 0;
  ext_ = 0;
  payload_ = 0;
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return std::nullopt;  // scalars
  if (b == 0xc1) return DecodeError{"msgpack: 0xc1 is no type"};
  if (b <= 0x8f || (b >= 0x90 && b <= 0x9f)) {
    if (open_.size() >= kMaxDepth) return DecodeError{"msgpack: nested deeper than the limit"};
    return std::nullopt;
  }
  if (b <= 0xbf) {  // fixstr
    payload_ = b & 0x1f;
    return std::nullopt;
  }
  switch (b) {
    case 0xc4: case 0xd9: need_ = 1; break;  // bin8, str8
    case 0xc5: case 0xda: need_ = 2; break;  // bin16, str16
    case 0xc6: case 0xdb: need_ = 4; break;  // bin32, str32
    case 0xc7: need_ = 1; ext_ = 1; break;   // ext8
    case 0xc8: need_ = 2; ext_ = 1; break;
    case 0xc9: need_ = 4; ext_ = 1; break;
    case 0xca: payload_ = 4; break;  // float32
    case 0xcb: payload_ = 8; break;  // float64
    case 0xcc: case 0xd0: payload_ = 1; break;
    case 0xcd: case 0xd1: payload_ = 2; break;
    case 0xce: case 0xd2: payload_ = 4; break;
    case 0xcf: case 0xd3: payload_ = 8; break;
    case 0xd4: payload_ = 2; break;   // fixext 1 (+ type)
    case 0xd5: payload_ = 3; break;
    case 0xd6: payload_ = 5; break;
    case 0xd7: payload_ = 9; break;
    case 0xd8: payload_ = 17; break;
    case 0xdc: case 0xde: need_ = 2; break;  // array16, map16
    case 0xdd: case 0xdf: need_ = 4; break;  // array32, map32
  }
  if ((b >= 0xdc) && open_.size() >= kMaxDepth) return DecodeError{"msgpack: nested deeper than the limit"};
  return std::nullopt;
}

std::optional<DecodeError> MsgpackFramer::feed(std::string_view bytes, const Sink& sink) {
  if (error_) return error_;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0, from = 0;  // from: the first byte of the object under way not kept yet
  auto keep = [&] {
    size_ += i - from;
    if (!dropping_ && size_ > cap_) {
      dropping_ = true;
      std::string().swap(kept_);
    }
    if (!dropping_) kept_.append(bytes.substr(from, i - from));
    from = i;
  };
  auto finish = [&] {
    keep();
    if (dropping_) {
      if (sink.dropped) sink.dropped(size_);
    } else if (sink.object) {
      sink.object(kept_);
    }
    kept_.clear();
    if (kept_.capacity() > 64 * 1024) std::string().swap(kept_);  // a big one's room is not kept
    size_ = 0;
    dropping_ = false;
  };
  while (i < n) {
    if (step_ == Step::kPayload) {
      const uint64_t k = std::min<uint64_t>(payload_, n - i);
      i += size_t(k);
      payload_ -= k;
      if (payload_ > 0) break;
      step_ = Step::kHeader;
      if (item_done()) finish();
      continue;
    }
    if (step_ == Step::kHeaderBytes) {
      more_[got_++] = p[i++];
      if (got_ < need_) continue;
      const uint64_t v = big_endian(more_, need_);
      const uint8_t b = first_;
      if (b == 0xdc || b == 0xdd) {
        begin_item(v);
        if (v == 0 && item_done()) finish();
      } else if (b == 0xde || b == 0xdf) {
        begin_item(2 * v);
        if (v == 0 && item_done()) finish();
      } else {
        payload_ = v + ext_;
        step_ = Step::kPayload;
        if (payload_ == 0) {
          step_ = Step::kHeader;
          if (item_done()) finish();
        }
      }
      continue;
    }
    const uint8_t b = p[i++];
    if (std::optional<DecodeError> e = header(b)) {
      error_ = e;
      return error_;
    }
    if (need_ > 0) {
      step_ = Step::kHeaderBytes;
    } else if (b >= 0x80 && b <= 0x9f) {
      const uint64_t children = b <= 0x8f ? 2u * (b & 0x0f) : (b & 0x0f);
      begin_item(children);
      if (children == 0 && item_done()) finish();
    } else if (payload_ > 0) {
      step_ = Step::kPayload;
    } else if (item_done()) {
      finish();
    }
  }
  keep();
  return std::nullopt;
}

}  // namespace tandem::tmate
