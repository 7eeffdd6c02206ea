// zlib's deflate for bytes that are sent (compressed diffs) or kept (a relay's packed
// history). The streams are made once per thread and reset between uses: setting one
// up allocates and clears a quarter of a megabyte, which a relay forwarding thousands
// of frames a second would otherwise do for every one of them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::proto {

// `in` compressed, or nullopt when zlib fails or the result would not be smaller.
std::optional<std::string> deflate_bytes(std::string_view in);
// `in` inflated, or nullopt when it is not a whole zlib stream or would inflate past
// `max_out` bytes (it may come from anyone).
std::optional<std::string> inflate_bytes(std::string_view in, size_t max_out);

}  // namespace tandem::proto
