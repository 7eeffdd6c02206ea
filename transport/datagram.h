// The sealed datagram: what goes on the wire.
//
//   offset size
//   0      1    protocol version (kProtocolVersion)
//   1      8    link id, big-endian (chosen by the relay at bootstrap)
//   9      8    nonce, big-endian: bit 63 = direction (1 = to the client), bits 0..62 = sequence
//   17     n+16 ChaCha20-Poly1305-IETF of the payload, with the 17 header bytes as associated data
//
// One fixed suite, no negotiation. Each direction has its own key, derived from the
// 32-byte link key, so a nonce is never used twice under one key; a codec refuses to
// seal past 2^63 datagrams. Anything that does not authenticate is dropped, and this
// layer never answers anything.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tandem::transport {

inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr size_t kHeaderBytes = 17;
inline constexpr size_t kTagBytes = 16;
// The largest datagram we send: a 1280-byte IPv6 path minus 40 (IPv6) and 8 (UDP)
// bytes, with room to spare for tunnels.
inline constexpr size_t kMaxDatagramBytes = 1200;
inline constexpr size_t kMaxPayloadBytes = kMaxDatagramBytes - kHeaderBytes - kTagBytes;
inline constexpr uint64_t kDirectionBit = uint64_t{1} << 63;

using LinkKey = std::array<uint8_t, 32>;

enum class Side : uint8_t { kClient, kServer };

struct DatagramHeader {
  uint8_t version = 0;
  uint64_t link_id = 0;
  uint64_t nonce = 0;

  bool to_client() const { return (nonce & kDirectionBit) != 0; }
  uint64_t seq() const { return nonce & ~kDirectionBit; }
};

// Reads the clear header; nullopt when the datagram is too short or the version unknown.
std::optional<DatagramHeader> parse_header(std::span<const uint8_t> datagram);

// A fresh random link key and link id (OS CSPRNG).
LinkKey random_link_key();
uint64_t random_link_id();

class DatagramCodec {
 public:
  DatagramCodec(const LinkKey& key, uint64_t link_id, Side side);
  ~DatagramCodec();
  DatagramCodec(const DatagramCodec&) = default;
  DatagramCodec& operator=(const DatagramCodec&) = default;

  // Seals `payload` (at most kMaxPayloadBytes) with the next sequence number into
  // `out` (replacing it). False when the payload is too big or the sequence is spent.
  bool seal(std::span<const uint8_t> payload, std::vector<uint8_t>& out);
  // Authenticates and decrypts a datagram sent by the other side into `payload`.
  // Returns its header, or nullopt for anything that does not authenticate.
  std::optional<DatagramHeader> open(std::span<const uint8_t> datagram, std::vector<uint8_t>& payload) const;

  uint64_t link_id() const { return link_id_; }
  uint64_t next_seq() const { return next_seq_; }
  // For tests and the end of a link's life: continue from this sequence number.
  void set_next_seq(uint64_t seq) { next_seq_ = seq; }

 private:
  std::array<uint8_t, 32> tx_key_;
  std::array<uint8_t, 32> rx_key_;
  uint64_t link_id_;
  Side side_;
  uint64_t next_seq_ = 0;
};

}  // namespace tandem::transport
