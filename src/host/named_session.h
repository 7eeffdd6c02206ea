// A named session (`tandem --name NAME`): what a host needs to get the same session
// back after it stopped or crashed, as tmate's named sessions do. It lives in
// config_dir()/sessions/NAME/ (0700): `session` (0600) holds the relay it lives on,
// the session's id, its tokens and resume secret, and for an embedded relay the port
// it listened on; an embedded relay's SSH host key is kept beside it, so the links
// (which pin that key) stay the same. While a host runs the session it holds a lock
// on the directory: two hosts never fight over one name.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "transport/fd.h"

namespace tandem {

struct SessionRecord {
  std::string relay;  // "HOST:PORT" of a relay elsewhere, or kEmbedded
  std::string session_id;
  std::string rw_token;       // empty for a read-only-only session
  std::string ro_token;
  std::string resume_secret;  // 32 bytes; a relay elsewhere
  uint16_t port = 0;          // an embedded relay's port
  uint16_t web_port = 0;      // and its web port (0: none, or not known)
  bool operator==(const SessionRecord&) const = default;

  static constexpr const char* kEmbedded = "embedded";
};

// The record as text, and back (nullopt for anything malformed: the host then starts
// a session of its own and writes a new one).
std::string record_text(const SessionRecord& r);
std::optional<SessionRecord> parse_record(const std::string& text);

class NamedSession {
 public:
  // Letters, digits, '-', '_' and '.', not starting with '.', at most 64.
  static bool valid_name(const std::string& name);
  // Makes the name's directory (0700) and takes its lock; nullptr with `error` in
  // words for a bad name, no usable $HOME, or a name another host is running.
  static std::unique_ptr<NamedSession> open(const std::string& name, std::string* error);

  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  // The record, if there is a readable one.
  std::optional<SessionRecord> load() const;
  // Writes the record (0600, replacing the old one whole); false with `error`.
  bool save(const SessionRecord& record, std::string* error) const;

 private:
  NamedSession(std::string name, std::string dir, transport::UniqueFd lock)
      : name_(std::move(name)), dir_(std::move(dir)), lock_(std::move(lock)) {}
  std::string name_, dir_;
  transport::UniqueFd lock_;
};

}  // namespace tandem
