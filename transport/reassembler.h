// Messages cut into fragments that each fit one datagram, and put back together.
//
// Every fragment carries its message's number, its index and the fragment count.
// The receiver delivers each message once, whole, in any order; when a message can
// no longer complete (a newer one is far ahead of it, or the memory bound is hit)
// it is reported lost instead. No message is both delivered and reported lost, and
// none is reported twice. Memory is bounded whatever the peer sends: a message
// holds only the fragments that arrived (a first fragment claiming a large count
// reserves nothing more), each reassembler holds at most kMaxPendingBytes, and
// reassemblers that share a ReassemblyBudget (the links of one relay) hold at most
// its limit together.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace tandem::transport {

inline constexpr size_t kFragmentHeaderBytes = 8;   // message id u32, index u16, count u16
inline constexpr size_t kMaxMessageBytes = 1 << 20;

struct FragmentHeader {
  uint32_t message_id = 0;
  uint16_t index = 0;
  uint16_t count = 0;
};

// Writes the header in front of `data` into `out` (appending).
void append_fragment(std::vector<uint8_t>& out, const FragmentHeader& h, std::span<const uint8_t> data);
// Splits `bytes` into a header and data; false if it is malformed.
bool parse_fragment(std::span<const uint8_t> bytes, FragmentHeader& h, std::span<const uint8_t>& data);

// Bytes held by a group of reassemblers, and how many they may hold together.
struct ReassemblyBudget {
  size_t used = 0;
  size_t limit = 64 << 20;
};

class Reassembler {
 public:
  // How far a message may fall behind the newest one seen before it counts as lost.
  static constexpr uint32_t kReorderMessages = 64;
  static constexpr size_t kMaxPending = 16;
  static constexpr size_t kMaxPendingBytes = 4 << 20;

  using Deliver = std::function<void(uint32_t id, std::span<const uint8_t> message)>;
  using Lost = std::function<void(uint32_t first_id, uint32_t count)>;

  Reassembler(size_t fragment_bytes, Deliver deliver, Lost lost)
      : fragment_bytes_(fragment_bytes), deliver_(std::move(deliver)), lost_(std::move(lost)) {}
  ~Reassembler();
  Reassembler(const Reassembler&) = delete;

  // Counts this reassembler's bytes against `budget` too (which outlives it).
  void set_budget(ReassemblyBudget* budget) { budget_ = budget; }

  // Takes one fragment; false if it is inconsistent (and it is dropped).
  bool add(const FragmentHeader& h, std::span<const uint8_t> data);
  size_t pending() const { return pending_.size(); }
  size_t pending_bytes() const { return pending_bytes_; }

 private:
  struct Pending {
    uint32_t id = 0;
    uint16_t count = 0;
    std::vector<bool> have;
    std::vector<std::pair<uint16_t, std::vector<uint8_t>>> parts;  // as they came
    size_t bytes = 0;
  };
  bool resolved(uint32_t id) const;
  void resolve(uint32_t id);
  void give_up_below(uint32_t id);
  void raise_floor();  // past the resolved ids at the front
  void drop_pending(size_t i, bool report);
  // Drops the oldest open message other than `keep`; false if there is none.
  bool drop_oldest_but(uint32_t keep);
  bool over_budget(size_t more) const;

  size_t fragment_bytes_;
  Deliver deliver_;
  Lost lost_;
  // Every id below floor_ is resolved (delivered or reported); above it, a bit each
  // (at most kReorderMessages). Not a deque: an empty one allocates 576 bytes, and a
  // relay has a reassembler for each link of every session.
  uint32_t floor_ = 0;
  std::vector<bool> above_floor_;
  std::vector<Pending> pending_;
  size_t pending_bytes_ = 0;
  ReassemblyBudget* budget_ = nullptr;
};

}  // namespace tandem::transport
