// Cells as runs (proto::CellRun): how a screen diff carries rows and history lines,
// and how a relay packs the history it keeps (a line of short text in a few dozen
// bytes instead of 16 a cell).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/decode_error.h"
#include "statesync/screen/row.h"

namespace google::protobuf {
template <typename T>
class RepeatedPtrField;
}

namespace tandem::proto {
class CellRun;
class ScreenDiff;
}  // namespace tandem::proto

namespace tandem::screen {

inline constexpr size_t kMaxDiffLinks = 4096;  // hyperlinks one diff may carry

// The hyperlinks a diff carries: each once, in ScreenDiff.links.
class LinkTable {
 public:
  explicit LinkTable(proto::ScreenDiff& diff) : diff_(diff) {}
  // 1 + the link's index in the diff's table (0: none, or the table is full).
  uint32_t index(const std::shared_ptr<const Hyperlink>& link);

 private:
  proto::ScreenDiff& diff_;
  std::vector<const Hyperlink*> seen_;
};

using Links = std::vector<std::shared_ptr<const Hyperlink>>;

// Encodes cells [x0, x1) of `row` as runs that share colours, attributes and width.
void encode_cells(const Row& row, int x0, int x1, google::protobuf::RepeatedPtrField<proto::CellRun>* runs,
                  LinkTable& links);
// Writes runs into `row`, checking every field (the runs may come from anyone).
[[nodiscard]] std::optional<DecodeError> decode_cells(const google::protobuf::RepeatedPtrField<proto::CellRun>& runs,
                                                      Row& row, const Links& links);

// A line as bytes, and back (with the generation it had): for held history.
std::string pack_line(const Row& row);
RowRef unpack_line(std::string_view bytes, uint64_t gen);

}  // namespace tandem::screen
