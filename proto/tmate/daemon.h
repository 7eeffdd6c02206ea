// tmate's daemon protocol (notes/tmate-protocol.md), as values: the messages a tmate
// host sends its relay ("out") and the ones the relay sends back ("in"), each with
// an encoder to msgpack and a decoder from one whole msgpack object (framed by
// MsgpackFramer). Decoders take untrusted bytes: any shape other than the message's
// gives a DecodeError in words, never a crash, and every count is bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/decode_error.h"

namespace tandem::tmate {

inline constexpr int kProtocolVersion = 6;     // tmate 2.4
inline constexpr const char* kClientVersion = "2.4.0";
inline constexpr const char* kSubsystem = "tmate";
inline constexpr const char* kHostUser = "tmate";  // the SSH user every tmate host logs in as
inline constexpr size_t kMaxPtyChunk = 16 * 1024;  // a tmate host's PTY_DATA pieces; a tmate relay drops a
                                                   // session whose message is over 17 KiB
inline constexpr size_t kMaxPanes = 1000;
inline constexpr size_t kMaxWindows = 1000;
inline constexpr size_t kMaxArgs = 256;
inline constexpr size_t kMaxSnapshotLines = 20000;

namespace out {  // host -> relay

enum Type : int {
  kHeader = 0, kSyncLayout = 1, kPtyData = 2, kExecCmdStr = 3, kFailedCmd = 4, kStatus = 5, kSyncCopyMode = 6,
  kWriteCopyMode = 7, kFin = 8, kReady = 9, kReconnect = 10, kSnapshot = 11, kExecCmd = 12, kUname = 13,
};

struct Header {
  int64_t protocol = kProtocolVersion;
  std::string version = kClientVersion;
};
struct Pane {
  int64_t id = 0;
  int cols = 0, rows = 0, x = 0, y = 0;
  bool operator==(const Pane&) const = default;
};
struct Window {
  int64_t index = 0;  // the number the status line shows
  std::string name;
  std::vector<Pane> panes;
  int64_t active_pane = -1;
  bool operator==(const Window&) const = default;
};
struct SyncLayout {
  int cols = 0, rows = 0;  // the session's size, without the status line
  std::vector<Window> windows;
  int64_t active_window = 0;
  bool operator==(const SyncLayout&) const = default;
};
struct PtyData {
  int64_t pane = 0;
  std::string bytes;
};
struct ExecCmdStr {
  std::string command;
};
struct FailedCmd {
  int64_t client = 0;
  std::string cause;
};
struct Status {
  std::string left, right;
};
struct SyncCopyMode {
  int64_t pane = 0;
  bool on = false;
  bool backing_screen = true;  // false: the "output" view WRITE_COPY_MODE fills
  int64_t oy = 0, cx = 0, cy = 0;
  std::string prompt, input;   // a copy-mode prompt (search), if any
};
struct WriteCopyMode {
  int64_t pane = 0;
  std::string line;
};
struct Fin {};
struct Ready {};
struct Reconnect {
  std::string data;
};
struct SnapshotLine {
  std::string text;             // the cells' UTF-8, concatenated
  std::vector<uint32_t> cells;  // flags<<24 | attr<<16 | bg<<8 | fg, one per cell
};
struct SnapshotPane {
  int64_t id = 0;
  uint32_t mode = 0;
  int64_t cx = 0, cy = 0;
  std::vector<SnapshotLine> lines;  // history, then the screen
};
struct Snapshot {
  std::vector<SnapshotPane> panes;
};
struct ExecCmd {
  std::vector<std::string> argv;
};
struct Uname {
  std::vector<std::string> fields;
};

using Message = std::variant<Header, SyncLayout, PtyData, ExecCmdStr, FailedCmd, Status, SyncCopyMode, WriteCopyMode,
                             Fin, Ready, Reconnect, Snapshot, ExecCmd, Uname>;

// One whole msgpack object -> a message; an unknown type or a bad shape is an error.
std::variant<Message, DecodeError> decode(std::string_view object);
std::string encode(const Message& m);

}  // namespace out

namespace in {  // relay -> host

enum Type : int {
  kNotify = 0, kLegacyPaneKey = 1, kResize = 2, kExecCmdStr = 3, kSetEnv = 4, kReady = 5, kPaneKey = 6, kExecCmd = 7,
};

struct Notify {
  std::string text;
};
struct Resize {
  int cols = -1, rows = -1;  // -1, -1: no mates bound the size
};
struct ExecCmdStr {
  int64_t client = 0;
  std::string command;
};
struct SetEnv {
  std::string name, value;
};
struct Ready {};
struct PaneKey {
  int64_t pane = -1;  // -1: the active pane
  uint64_t key = 0;
};
struct ExecCmd {
  int64_t client = 0;
  std::vector<std::string> argv;
};

using Message = std::variant<Notify, Resize, ExecCmdStr, SetEnv, Ready, PaneKey, ExecCmd>;

std::variant<Message, DecodeError> decode(std::string_view object);
std::string encode(const Message& m);

}  // namespace in

}  // namespace tandem::tmate
