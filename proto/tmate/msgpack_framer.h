// Finds where each msgpack object of a stream ends, with bounded memory: tmate's
// daemon protocol is concatenated msgpack arrays with no length prefix, so a reader
// must walk each object's headers to know when it is whole. Bytes go in as they
// arrive (any split); whole objects come out, each as its own bytes, for msgpack-c
// to decode. An object larger than the cap is walked to its end without being kept
// and reported as dropped (the stream goes on after it); bytes that are no msgpack
// at all, or nesting deeper than kMaxDepth, are an error after which the stream is
// dead (nothing after them can be framed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/decode_error.h"

namespace tandem::tmate {

class MsgpackFramer {
 public:
  static constexpr size_t kMaxDepth = 32;

  // `cap`: the largest object kept whole, in bytes.
  explicit MsgpackFramer(size_t cap) : cap_(cap) {}

  // What a feed() found: a whole object (its bytes), or one dropped for its size.
  struct Sink {
    std::function<void(std::string_view object)> object;
    std::function<void(size_t bytes)> dropped;
  };
  // Walks `bytes`; calls the sink for each object ended within them. An error stops
  // the walk and every later feed() returns it again.
  std::optional<DecodeError> feed(std::string_view bytes, const Sink& sink);

  // Bytes of the object under way that are kept (bounded by the cap).
  size_t buffered() const { return kept_.size(); }

 private:
  // Where the walk of the current object is.
  enum class Step { kHeader, kHeaderBytes, kPayload };
  void begin_item(uint64_t children);
  std::optional<DecodeError> header(uint8_t first);
  bool item_done();  // an item ended: true when the whole object did

  size_t cap_;
  std::optional<DecodeError> error_;
  Step step_ = Step::kHeader;
  uint8_t first_ = 0;        // the header's first byte
  uint8_t need_ = 0;         // header bytes still to come after it
  uint8_t got_ = 0;
  uint8_t more_[8] = {};     // those bytes
  uint8_t ext_ = 0;          // the header is an ext's (its payload has a type byte more)
  uint64_t payload_ = 0;     // payload bytes still to skip
  std::vector<uint64_t> open_;  // items still owed by each open array or map
  std::string kept_;         // the object so far, while within the cap
  size_t size_ = 0;          // its size so far
  bool dropping_ = false;    // over the cap: walked, not kept
};

}  // namespace tandem::tmate
