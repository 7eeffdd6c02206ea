#include "transport/link.h"

#include "proto/wire.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace tandem::transport {
namespace {

uint16_t timestamp16(uint64_t now) {
  uint16_t ts = uint16_t(now);
  return ts == kNoTimestamp ? 0 : ts;
}

}  // namespace

Link::Link(const LinkKey& key, uint64_t link_id, Side side, LinkCallbacks callbacks)
    : codec_(key, link_id, side),
      side_(side),
      callbacks_(std::move(callbacks)),
      reassembler_(
          kMaxFragmentBytes,
          [this](uint32_t, std::span<const uint8_t> m) {
            ++counters_.messages_in;
            if (callbacks_.on_message) callbacks_.on_message(m);
          },
          [this](uint32_t first, uint32_t count) {
            counters_.messages_lost += count;
            if (callbacks_.on_lost) callbacks_.on_lost(first, count);
          }) {}

std::chrono::milliseconds Link::send_interval() const {
  if (!rtt_.has_sample()) return std::chrono::milliseconds(kSendIntervalMinMs);
  double ms = std::clamp(std::ceil(rtt_.srtt_ms() / 2), double(kSendIntervalMinMs), double(kSendIntervalMaxMs));
  return std::chrono::milliseconds(int64_t(ms));
}

// The peer's timestamp plus how long we held it, so that our delay in answering
// does not count as network time; each timestamp is echoed once.
uint16_t Link::reply_timestamp(uint64_t now) {
  if (peer_timestamp_ == kNoTimestamp || now - peer_timestamp_at_ > kTimestampEchoMs) return kNoTimestamp;
  uint16_t reply = timestamp16(uint64_t(peer_timestamp_) + (now - peer_timestamp_at_));
  peer_timestamp_ = kNoTimestamp;
  return reply;
}

bool Link::seal_message(std::span<const uint8_t> message, std::vector<std::vector<uint8_t>>& out, uint64_t now) {
  if (message.size() > kMaxMessageBytes || next_message_id_ == UINT32_MAX) return false;
  const size_t count = std::max<size_t>(1, (message.size() + kMaxFragmentBytes - 1) / kMaxFragmentBytes);
  if (codec_.next_seq() + count >= kDirectionBit) return false;
  const uint32_t id = next_message_id_++;
  std::vector<uint8_t> payload;
  payload.reserve(kMaxPayloadBytes);
  for (size_t i = 0; i < count; ++i) {
    const uint16_t ts = timestamp16(now);
    const uint16_t reply = reply_timestamp(now);
    payload.resize(kTimestampBytes);
    proto::put_be16(payload.data(), ts);
    proto::put_be16(payload.data() + 2, reply);
    size_t off = i * kMaxFragmentBytes;
    size_t len = std::min(kMaxFragmentBytes, message.size() - std::min(off, message.size()));
    append_fragment(payload, FragmentHeader{id, uint16_t(i), uint16_t(count)}, message.subspan(off, len));
    out.emplace_back();
    if (!codec_.seal(payload, out.back())) return false;
    ++counters_.datagrams_out;
    counters_.bytes_out += out.back().size();
  }
  ++counters_.messages_out;
  return true;
}

bool Link::receive(std::span<const uint8_t> datagram, const Address& from, uint64_t now) {
  std::optional<DatagramHeader> h = codec_.open(datagram, scratch_);
  if (!h) {
    ++counters_.dropped_unauthentic;
    return false;
  }
  const uint64_t seq = h->seq();
  if (!replay_.fresh(seq)) {
    ++counters_.dropped_replay;
    return true;
  }
  const bool newest = seq >= replay_.top();
  replay_.accept(seq);
  ++counters_.datagrams_in;
  counters_.bytes_in += datagram.size();
  last_heard_ = now;
  if (newest) {
    // Only the newest datagram may move the peer or time the round trip: a replayed
    // or reordered one from elsewhere must not.
    if (side_ == Side::kServer && !(from == peer_)) {
      if (peer_.valid()) ++counters_.roams;
      peer_ = from;
    }
    if (scratch_.size() >= kTimestampBytes) {
      peer_timestamp_ = proto::get_be16(scratch_.data());
      peer_timestamp_at_ = now;
      uint16_t echo = proto::get_be16(scratch_.data() + 2);
      if (echo != kNoTimestamp) rtt_.sample(uint16_t(timestamp16(now) - echo));
    }
  }
  FragmentHeader fh;
  std::span<const uint8_t> data;
  if (scratch_.size() < kTimestampBytes ||
      !parse_fragment(std::span(scratch_).subspan(kTimestampBytes), fh, data) || !reassembler_.add(fh, data)) {
    ++counters_.dropped_malformed;
  }
  return true;
}

}  // namespace tandem::transport
