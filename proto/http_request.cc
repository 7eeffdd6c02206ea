#include "proto/http_request.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

namespace tandem::proto {

namespace {

bool same_word(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(uint8_t(x)) == std::tolower(uint8_t(y)); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated list `list` holds `token` (any case).
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (same_word(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool token_char(char c) {
  return std::isalnum(uint8_t(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Header values are visible ASCII, spaces and tabs (no control bytes: nothing to smuggle).
bool clean_value(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) { return c == '\t' || (uint8_t(c) >= 0x20 && uint8_t(c) != 0x7f); });
}

}  // namespace

bool HttpRequest::wants_websocket() const {
  if (!has_token(upgrade, "websocket") || !has_token(connection, "upgrade") || websocket_version != "13") return false;
  // 16 bytes in base64: 24 characters ending in "==".
  return websocket_key.size() == 24 && websocket_key.substr(22) == "==" &&
         std::all_of(websocket_key.begin(), websocket_key.begin() + 22,
                     [](char c) { return std::isalnum(uint8_t(c)) || c == '+' || c == '/'; });
}

HttpParse parse_http_request(std::string_view bytes, HttpRequest& request, size_t* used, std::string* error) {
  // The head ends at the first empty line.
  size_t end = std::string_view::npos, body = 0;
  if (size_t crlf = bytes.find("\r\n\r\n"); crlf != std::string_view::npos) {
    end = crlf;
    body = crlf + 4;
  }
  if (size_t lf = bytes.find("\n\n"); lf != std::string_view::npos && (end == std::string_view::npos || lf < end)) {
    end = lf;
    body = lf + 2;
  }
  if (end == std::string_view::npos) {
    if (bytes.size() > HttpRequest::kMaxHead) {
      *error = "the request's head is over " + std::to_string(HttpRequest::kMaxHead) + " bytes";
      return HttpParse::kBad;
    }
    return HttpParse::kNeedMore;
  }
  if (body > HttpRequest::kMaxHead) {
    *error = "the request's head is over " + std::to_string(HttpRequest::kMaxHead) + " bytes";
    return HttpParse::kBad;
  }
  std::string_view head = bytes.substr(0, end);
  HttpRequest r;
  // The request line: METHOD SP TARGET SP HTTP/1.x
  const size_t eol = head.find('\n');
  std::string_view line = trim(head.substr(0, eol));
  head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
  const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) {
    *error = "not an HTTP request line";
    return HttpParse::kBad;
  }
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    *error = "not HTTP/1.x";
    return HttpParse::kBad;
  }
  if (method != "GET" && method != "HEAD") {
    *error = "only GET and HEAD are served";
    return HttpParse::kBad;
  }
  if (target.empty() || target.front() != '/' ||
      !std::all_of(target.begin(), target.end(), [](char c) { return uint8_t(c) > 0x20 && uint8_t(c) < 0x7f; })) {
    *error = "a bad request target";
    return HttpParse::kBad;
  }
  r.method = std::string(method);
  const size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  size_t headers = 0;
  while (!head.empty()) {
    const size_t n = head.find('\n');
    std::string_view h = head.substr(0, n);
    head = n == std::string_view::npos ? std::string_view() : head.substr(n + 1);
    if (!h.empty() && h.back() == '\r') h.remove_suffix(1);
    if (++headers > HttpRequest::kMaxHeaders) {
      *error = "more than " + std::to_string(HttpRequest::kMaxHeaders) + " headers";
      return HttpParse::kBad;
    }
    const size_t colon = h.find(':');
    if (colon == 0 || colon == std::string_view::npos ||
        !std::all_of(h.begin(), h.begin() + long(colon), token_char)) {
      *error = "a malformed header line";
      return HttpParse::kBad;
    }
    const std::string_view name = h.substr(0, colon), value = trim(h.substr(colon + 1));
    if (!clean_value(value)) {
      *error = "a header with control bytes";
      return HttpParse::kBad;
    }
    auto set = [&](std::string& field) {
      // A list header sent twice is one list, as HTTP reads it.
      if (!field.empty()) field += ", ";
      field += value;
    };
    if (same_word(name, "Host")) {
      if (!r.host.empty()) {
        *error = "two Host headers";
        return HttpParse::kBad;
      }
      r.host = std::string(value);
    } else if (same_word(name, "Origin")) {
      if (!r.origin.empty()) {
        *error = "two Origin headers";
        return HttpParse::kBad;
      }
      r.origin = std::string(value);
    } else if (same_word(name, "Upgrade")) {
      set(r.upgrade);
    } else if (same_word(name, "Connection")) {
      set(r.connection);
    } else if (same_word(name, "Sec-WebSocket-Key")) {
      if (!r.websocket_key.empty()) {
        *error = "two Sec-WebSocket-Key headers";
        return HttpParse::kBad;
      }
      r.websocket_key = std::string(value);
    } else if (same_word(name, "Sec-WebSocket-Version")) {
      set(r.websocket_version);
    } else if (same_word(name, "X-Forwarded-For")) {
      set(r.forwarded_for);
    } else if (same_word(name, "If-None-Match")) {
      set(r.if_none_match);
    } else if (same_word(name, "Accept-Encoding")) {
      r.accepts_gzip = r.accepts_gzip || has_token(value, "gzip") || value.find("gzip;") != std::string_view::npos;
    }
  }
  if (version == "HTTP/1.1" && r.host.empty()) {
    *error = "no Host header";
    return HttpParse::kBad;
  }
  request = std::move(r);
  *used = body;
  return HttpParse::kDone;
}

std::string websocket_accept(std::string_view key) {
  const std::string text = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), size_t(n));
}

}  // namespace tandem::proto
