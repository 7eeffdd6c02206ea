#include "proto/web_message.h"

#include <cstdio>

#include "proto/overloaded.h"
#include "proto/wire.h"

namespace tandem::proto::web {
namespace {

const uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string be16(uint16_t v) {
  uint8_t b[2];
  put_be16(b, v);
  return std::string(reinterpret_cast<const char*>(b), 2);
}

std::string be32(uint32_t v) {
  uint8_t b[4];
  put_be32(b, v);
  return std::string(reinterpret_cast<const char*>(b), 4);
}

bool size_ok(uint16_t cols, uint16_t rows, std::string* error) {
  if (cols >= 2 && rows >= 1 && cols <= kMaxCols && rows <= kMaxRows) return true;
  *error = "a terminal of " + std::to_string(cols) + "x" + std::to_string(rows) + " is out of range";
  return false;
}

}  // namespace

std::optional<FromBrowser> decode_from_browser(std::string_view m, std::string* error) {
  if (m.empty()) {
    *error = "an empty message";
    return std::nullopt;
  }
  if (m.size() > kMaxMessage) {
    *error = "a message of " + std::to_string(m.size()) + " bytes (at most " + std::to_string(kMaxMessage) + ")";
    return std::nullopt;
  }
  const std::string_view body = m.substr(1);
  const uint8_t* p = bytes_of(body);
  switch (uint8_t(m[0])) {
    case kHello: {
      if (body.size() < 5 || p[0] != kVersion) {
        *error = body.empty() || body.size() < 5 ? "a HELLO too short" : "a HELLO of version " + std::to_string(p[0]);
        return std::nullopt;
      }
      Hello h{.cols = get_be16(p + 1), .rows = get_be16(p + 3), .token = std::string(body.substr(5))};
      if (!size_ok(h.cols, h.rows, error)) return std::nullopt;
      if (h.token.size() > kMaxToken) {
        *error = "a token of " + std::to_string(h.token.size()) + " bytes";
        return std::nullopt;
      }
      return h;
    }
    case kInput:
      return Input{std::string(body)};
    case kResize: {
      if (body.size() != 4) {
        *error = "a RESIZE of " + std::to_string(body.size()) + " bytes (4 expected)";
        return std::nullopt;
      }
      Resize r{get_be16(p), get_be16(p + 2)};
      if (!size_ok(r.cols, r.rows, error)) return std::nullopt;
      return r;
    }
    case kAck:
      if (body.size() != 4) {
        *error = "an ACK of " + std::to_string(body.size()) + " bytes (4 expected)";
        return std::nullopt;
      }
      return Ack{get_be32(p)};
    default: {
      char buf[48];
      std::snprintf(buf, sizeof buf, "an unknown message (opcode 0x%02x)", uint8_t(m[0]));
      *error = buf;
      return std::nullopt;
    }
  }
}

std::string encode(const FromBrowser& message) {
  return std::visit(overloaded{
                        [](const Hello& h) {
                          return std::string(1, char(kHello)) + char(kVersion) + be16(h.cols) + be16(h.rows) + h.token;
                        },
                        [](const Input& i) { return std::string(1, char(kInput)) + i.bytes; },
                        [](const Resize& r) { return std::string(1, char(kResize)) + be16(r.cols) + be16(r.rows); },
                        [](const Ack& a) { return std::string(1, char(kAck)) + be32(a.frame); },
                    },
                    message);
}

std::string welcome(bool read_write, std::string_view name, std::string_view session) {
  return std::string(1, char(kWelcome)) + "{\"role\":\"" + (read_write ? "rw" : "ro") +
         "\",\"name\":" + json_string(name) + ",\"session\":" + json_string(session) + "}";
}

std::string frame(uint32_t sequence, std::string_view vt) {
  std::string out;
  out.reserve(5 + vt.size());
  out += char(kFrame);
  out += be32(sequence);
  out += vt;
  return out;
}

std::string notice(std::string_view text) {
  return std::string(1, char(kNotice)) + "{\"text\":" + json_string(text) + "}";
}

std::string bye(std::string_view reason, bool again) {
  return std::string(1, char(kBye)) + "{\"reason\":" + json_string(reason) + ",\"again\":" + (again ? "true" : "false") +
         "}";
}

}  // namespace tandem::proto::web
