// The sealed datagram: round trip, and silence for anything altered.
#include "transport/datagram.h"

#include <gtest/gtest.h>

namespace tandem::transport {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Datagram, SealsAndOpensBothWays) {
  LinkKey key = random_link_key();
  DatagramCodec client(key, 42, Side::kClient), server(key, 42, Side::kServer);
  std::vector<uint8_t> d, out;
  ASSERT_TRUE(client.seal(bytes("hello"), d));
  EXPECT_EQ(d.size(), kHeaderBytes + 5 + kTagBytes);
  auto h = server.open(d, out);
  ASSERT_TRUE(h);
  EXPECT_EQ(out, bytes("hello"));
  EXPECT_EQ(h->link_id, 42u);
  EXPECT_EQ(h->seq(), 0u);
  EXPECT_FALSE(h->to_client());
  ASSERT_TRUE(server.seal(bytes("back"), d));
  h = client.open(d, out);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->to_client());
  EXPECT_EQ(out, bytes("back"));
}

TEST(Datagram, SequenceNumbersCountUp) {
  LinkKey key = random_link_key();
  DatagramCodec client(key, 1, Side::kClient), server(key, 1, Side::kServer);
  std::vector<uint8_t> d, out;
  for (uint64_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.seal(bytes("x"), d));
    EXPECT_EQ(server.open(d, out)->seq(), i);
  }
}

TEST(Datagram, AnySingleBitFlipIsRejected) {
  LinkKey key = random_link_key();
  DatagramCodec client(key, 7, Side::kClient), server(key, 7, Side::kServer);
  std::vector<uint8_t> d, out;
  ASSERT_TRUE(client.seal(bytes("the payload"), d));
  for (size_t bit = 0; bit < d.size() * 8; ++bit) {
    std::vector<uint8_t> bad = d;
    bad[bit / 8] ^= uint8_t(1u << (bit % 8));
    EXPECT_FALSE(server.open(bad, out)) << "bit " << bit;
  }
  EXPECT_TRUE(server.open(d, out));
}

TEST(Datagram, OwnDirectionWrongLinkOrKeyIsRejected) {
  LinkKey key = random_link_key();
  DatagramCodec client(key, 7, Side::kClient), server(key, 7, Side::kServer);
  DatagramCodec other_link(key, 8, Side::kServer), other_key(random_link_key(), 7, Side::kServer);
  std::vector<uint8_t> d, out;
  ASSERT_TRUE(client.seal(bytes("x"), d));
  EXPECT_FALSE(client.open(d, out));  // reflected back at its sender
  EXPECT_FALSE(other_link.open(d, out));
  EXPECT_FALSE(other_key.open(d, out));
}

TEST(Datagram, ShortOrUnknownVersionIsRejected) {
  LinkKey key = random_link_key();
  DatagramCodec server(key, 7, Side::kServer);
  std::vector<uint8_t> out;
  EXPECT_FALSE(server.open(std::vector<uint8_t>(kHeaderBytes + kTagBytes - 1, 1), out));
  std::vector<uint8_t> d(64, 0);
  d[0] = 99;
  EXPECT_FALSE(parse_header(d));
}

TEST(Datagram, PayloadIsBoundedAndSequenceNeverWraps) {
  LinkKey key = random_link_key();
  DatagramCodec client(key, 1, Side::kClient), server(key, 1, Side::kServer);
  std::vector<uint8_t> d, out;
  EXPECT_TRUE(client.seal(std::vector<uint8_t>(kMaxPayloadBytes), d));
  EXPECT_EQ(d.size(), kMaxDatagramBytes);
  EXPECT_FALSE(client.seal(std::vector<uint8_t>(kMaxPayloadBytes + 1), d));
  client.set_next_seq(kDirectionBit - 1);
  ASSERT_TRUE(client.seal(bytes("last"), d));
  EXPECT_EQ(server.open(d, out)->seq(), kDirectionBit - 1);
  EXPECT_FALSE(client.seal(bytes("one too many"), d));
}

}  // namespace
}  // namespace tandem::transport
