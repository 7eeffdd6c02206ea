// The messages between the relay and a browser mate, one per binary WebSocket
// message on the web port's `/ws`: one opcode byte, then its body. Numbers are
// big-endian. The browser never sends the token in the URL (it lives in the page's
// fragment and goes in HELLO), so no server or proxy log ever holds one.
//
// Browser -> relay
//   'H' HELLO   u8 version (1), u16 cols, u16 rows, then the token (the rest)
//   'I' INPUT   keys or a paste, UTF-8 (dropped at the relay for read-only mates)
//   'R' RESIZE  u16 cols, u16 rows
//   'A' ACK     u32 the newest FRAME written into the terminal
// Relay -> browser
//   'W' WELCOME JSON {"role":"rw"|"ro","name":"…","session":"…"}: the next FRAME
//               is a whole screen with its history; the page resets its terminal
//   'F' FRAME   u32 sequence, then VT bytes for xterm.js (a diff from the last frame)
//   'N' NOTICE  JSON {"text":"…"}: the status line ("" hides it)
//   'B' BYE     JSON {"reason":"…","again":true|false}: the socket closes next;
//               `again`: the page may reconnect (the relay is restarting)
//   'K' KEEPALIVE (empty): the relay is there; sent when nothing else was for a while
//
// Every decoder bounds what it reads; a message that does not parse is an error in
// words and is dropped (the socket with it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "proto/json.h"

namespace tandem::proto::web {

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kMaxMessage = 64 * 1024;     // from a browser: a paste moves in pieces this big
inline constexpr size_t kMaxToken = 128;
inline constexpr uint16_t kMaxCols = 1000, kMaxRows = 500;

enum Op : uint8_t {
  kHello = 'H',
  kInput = 'I',
  kResize = 'R',
  kAck = 'A',
  kWelcome = 'W',
  kFrame = 'F',
  kNotice = 'N',
  kBye = 'B',
  kKeepalive = 'K',
};

struct Hello {
  uint16_t cols = 0, rows = 0;
  std::string token;
};
struct Input {
  std::string bytes;
};
struct Resize {
  uint16_t cols = 0, rows = 0;
};
struct Ack {
  uint32_t frame = 0;
};
using FromBrowser = std::variant<Hello, Input, Resize, Ack>;

// One message from a browser; nullopt with `error` in words when it is not one.
std::optional<FromBrowser> decode_from_browser(std::string_view message, std::string* error);
std::string encode(const FromBrowser& message);  // what a browser sends (tests, the bench)

// To a browser.
std::string welcome(bool read_write, std::string_view name, std::string_view session);
std::string frame(uint32_t sequence, std::string_view vt);
std::string notice(std::string_view text);
std::string bye(std::string_view reason, bool again);
inline std::string keepalive() { return std::string(1, char(kKeepalive)); }

using proto::json_string;

}  // namespace tandem::proto::web
