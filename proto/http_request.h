// A browser's HTTP/1.1 request to the relay's web port: the page, its assets, or
// the WebSocket upgrade. Parsed from untrusted bytes with everything bounded (the
// head at most kMaxHead bytes, kMaxHeaders lines), GET and HEAD only; what is not
// understood is refused in words, never guessed at. Only the headers the relay acts
// on are kept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tandem::proto {

struct HttpRequest {
  static constexpr size_t kMaxHead = 16 * 1024;
  static constexpr size_t kMaxHeaders = 64;

  std::string method;  // "GET" or "HEAD"
  std::string path;    // the target without its query
  std::string query;
  std::string host, origin;
  std::string upgrade, connection;            // as sent (Connection may be a list)
  std::string websocket_key, websocket_version;
  std::string forwarded_for;                  // X-Forwarded-For (trusted only behind a proxy)
  std::string if_none_match;
  bool accepts_gzip = false;

  // A WebSocket handshake (RFC 6455 4.2.1): Upgrade: websocket, Connection: upgrade,
  // version 13 and a key of 16 bytes in base64.
  bool wants_websocket() const;
};

enum class HttpParse { kNeedMore, kDone, kBad };

// Parses the head of a request at the start of `bytes` (everything that arrived so
// far). kDone: `request` is filled and `*used` is the head's length; kNeedMore: the
// head is not all there yet (and within the bound); kBad: `error` says why.
HttpParse parse_http_request(std::string_view bytes, HttpRequest& request, size_t* used, std::string* error);

// Sec-WebSocket-Accept for a key: base64(SHA-1(key + the RFC's GUID)).
std::string websocket_accept(std::string_view key);

}  // namespace tandem::proto
