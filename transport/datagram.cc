#include "transport/datagram.h"

#include "proto/wire.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace tandem::transport {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES] = {'t', 'a', 'n', 'd', 'e', 'm', 'd', 'g'};
constexpr uint64_t kSubkeyToServer = 1;
constexpr uint64_t kSubkeyToClient = 2;

void write_header(uint8_t* out, uint64_t link_id, uint64_t nonce) {
  out[0] = kProtocolVersion;
  proto::put_be64(out + 1, link_id);
  proto::put_be64(out + 9, nonce);
}

// The 12-byte AEAD nonce: four zero bytes, then the 8-byte nonce of the header.
std::array<uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> aead_nonce(uint64_t nonce) {
  std::array<uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> n{};
  proto::put_be64(n.data() + 4, nonce);
  return n;
}

void init_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no usable randomness: nothing safe can be done
}

}  // namespace

std::optional<DatagramHeader> parse_header(std::span<const uint8_t> d) {
  if (d.size() < kHeaderBytes + kTagBytes || d[0] != kProtocolVersion) return std::nullopt;
  return DatagramHeader{d[0], proto::get_be64(d.data() + 1), proto::get_be64(d.data() + 9)};
}

LinkKey random_link_key() {
  init_sodium();
  LinkKey key;
  crypto_kdf_keygen(key.data());
  return key;
}

uint64_t random_link_id() {
  init_sodium();
  uint64_t id;
  randombytes_buf(&id, sizeof id);
  return id;
}

DatagramCodec::DatagramCodec(const LinkKey& key, uint64_t link_id, Side side) : link_id_(link_id), side_(side) {
  init_sodium();
  std::array<uint8_t, 32> to_server, to_client;
  if (crypto_kdf_derive_from_key(to_server.data(), to_server.size(), kSubkeyToServer, kKdfContext, key.data()) != 0 ||
      crypto_kdf_derive_from_key(to_client.data(), to_client.size(), kSubkeyToClient, kKdfContext, key.data()) != 0) {
    std::abort();
  }
  tx_key_ = side == Side::kClient ? to_server : to_client;
  rx_key_ = side == Side::kClient ? to_client : to_server;
  sodium_memzero(to_server.data(), to_server.size());
  sodium_memzero(to_client.data(), to_client.size());
}

DatagramCodec::~DatagramCodec() {
  sodium_memzero(tx_key_.data(), tx_key_.size());
  sodium_memzero(rx_key_.data(), rx_key_.size());
}

bool DatagramCodec::seal(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  if (payload.size() > kMaxPayloadBytes || next_seq_ >= kDirectionBit) return false;
  const uint64_t nonce = next_seq_++ | (side_ == Side::kServer ? kDirectionBit : 0);
  out.resize(kHeaderBytes + payload.size() + kTagBytes);
  write_header(out.data(), link_id_, nonce);
  auto n = aead_nonce(nonce);
  unsigned long long sealed = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + kHeaderBytes, &sealed, payload.data(), payload.size(),
                                            out.data(), kHeaderBytes, nullptr, n.data(), tx_key_.data());
  out.resize(kHeaderBytes + sealed);
  return true;
}

std::optional<DatagramHeader> DatagramCodec::open(std::span<const uint8_t> datagram,
                                                  std::vector<uint8_t>& payload) const {
  std::optional<DatagramHeader> h = parse_header(datagram);
  if (!h || h->link_id != link_id_) return std::nullopt;
  // Only datagrams travelling towards us: a reflected one of our own never opens.
  if (h->to_client() != (side_ == Side::kClient)) return std::nullopt;
  const size_t sealed = datagram.size() - kHeaderBytes;
  payload.resize(sealed - kTagBytes);
  auto n = aead_nonce(h->nonce);
  unsigned long long opened = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(payload.data(), &opened, nullptr, datagram.data() + kHeaderBytes,
                                                sealed, datagram.data(), kHeaderBytes, n.data(),
                                                rx_key_.data()) != 0) {
    payload.clear();
    return std::nullopt;
  }
  payload.resize(opened);
  return h;
}

}  // namespace tandem::transport
