// Cells as runs (proto::CellRun): how a screen diff carries rows and history lines,
// and how a relay packs the history it keeps (a line of short text in a few dozen
// bytes instead of 16 a cell).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/decode_error.h"
#include "statesync/screen/row.h"

namespace google::protobuf {
template <typename T>
class RepeatedPtrField;
}

namespace tandem::proto {
class CellRun;
}

namespace tandem::screen {

// Encodes cells [x0, x1) of `row` as runs that share colours, attributes and width.
void encode_cells(const Row& row, int x0, int x1, google::protobuf::RepeatedPtrField<proto::CellRun>* runs);
// Writes runs into `row`, checking every field (the runs may come from anyone).
[[nodiscard]] std::optional<DecodeError> decode_cells(const google::protobuf::RepeatedPtrField<proto::CellRun>& runs,
                                                      Row& row);

// A line as bytes, and back (with the generation it had): for held history.
std::string pack_line(const Row& row);
RowRef unpack_line(std::string_view bytes, uint64_t gen);

}  // namespace tandem::screen
