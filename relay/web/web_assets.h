// The web page's files, built into the binary: gzipped, each with a strong ETag (a
// hash of its bytes). The build makes web_assets.cc from web/ and the xterm.js files
// npm installed; without npm it makes an empty list, and the relay says so.
#pragma once

#include <span>
#include <string_view>

namespace tandem::relay {

struct WebAsset {
  std::string_view path;  // "/", "/tandem.js", "/xterm/xterm.js", ...
  std::string_view type;  // Content-Type
  std::string_view etag;  // quoted
  std::string_view gzip;  // the file, gzipped
  size_t size;            // the file's size
};

std::span<const WebAsset> web_assets();

}  // namespace tandem::relay
