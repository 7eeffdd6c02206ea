// JSON strings, written once: `tandem status --json` and the page's messages.
#pragma once

#include <string>
#include <string_view>

namespace tandem::proto {

// `text` as a JSON string, quotes included: quotes and backslashes escaped, control
// bytes as \u00XX; other bytes as they are (invalid UTF-8 is the reader's to replace).
std::string json_string(std::string_view text);

}  // namespace tandem::proto
