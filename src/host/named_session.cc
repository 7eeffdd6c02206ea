#include "src/host/named_session.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "relay/state_dir.h"
#include "src/config.h"

namespace tandem {
namespace {

constexpr size_t kMaxNameBytes = 64;
constexpr size_t kSecretBytes = 32;

// A token as the relay makes them: letters and digits only (it goes in a link).
bool plain_token(const std::string& t) {
  if (t.size() > 64) return false;
  for (char c : t) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string hex(const std::string& bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.pop_back();
  return out;
}

std::optional<std::string> unhex(const std::string& text) {
  std::string out(text.size() / 2, '\0');
  size_t n = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr, &n,
                     nullptr) != 0 ||
      n != out.size() || text.size() % 2 != 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string record_text(const SessionRecord& r) {
  std::ostringstream out;
  out << "relay " << r.relay << "\nid " << r.session_id << "\nrw " << r.rw_token << "\nro " << r.ro_token
      << "\nsecret " << hex(r.resume_secret) << "\nport " << r.port << "\n";
  if (r.web_port != 0) out << "web-port " << r.web_port << "\n";
  return out.str();
}

std::optional<SessionRecord> parse_record(const std::string& text) {
  SessionRecord r;
  std::istringstream lines(text);
  std::string line;
  bool port_seen = false;
  while (std::getline(lines, line)) {
    const size_t space = line.find(' ');
    if (space == std::string::npos) return std::nullopt;
    const std::string key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "relay") {
      r.relay = value;
    } else if (key == "id") {
      r.session_id = value;
    } else if (key == "rw") {
      r.rw_token = value;
    } else if (key == "ro") {
      r.ro_token = value;
    } else if (key == "secret") {
      std::optional<std::string> secret = unhex(value);
      if (!secret || (!secret->empty() && secret->size() != kSecretBytes)) return std::nullopt;
      r.resume_secret = *secret;
    } else if (key == "port") {
      char* end = nullptr;
      const long port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || port < 0 || port > 65535) return std::nullopt;
      r.port = uint16_t(port);
      port_seen = true;
    } else if (key == "web-port") {
      char* end = nullptr;
      const long port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || port < 0 || port > 65535) return std::nullopt;
      r.web_port = uint16_t(port);
    }  // unknown keys: a later tandem's, ignored
  }
  if (r.relay.empty() || r.relay.size() > 300 || r.session_id.empty() || r.session_id.size() > 64 ||
      !plain_token(r.session_id) || r.ro_token.empty() || !plain_token(r.ro_token) || !plain_token(r.rw_token) ||
      !port_seen) {
    return std::nullopt;
  }
  return r;
}

bool NamedSession::valid_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes || name[0] == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::unique_ptr<NamedSession> NamedSession::open(const std::string& name, std::string* error) {
  if (!valid_name(name)) {
    *error = "--name wants letters, digits, '-', '_' or '.' (at most 64, not starting with '.'), not '" + name + "'";
    return nullptr;
  }
  const std::string base = config_dir();
  const std::string dir = base + "/sessions/" + name;
  if (base.empty() || !relay::make_private_dir(dir)) {
    *error = "cannot keep the named session in " + (base.empty() ? std::string("~/.config/tandem") : dir) +
             " (no usable $HOME?)";
    return nullptr;
  }
  transport::UniqueFd lock(::open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock.get() < 0) {
    *error = "cannot open " + dir + "/lock";
    return nullptr;
  }
  if (flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    *error = "a session named '" + name + "' is already running (another tandem holds " + dir + "/lock)";
    return nullptr;
  }
  return std::unique_ptr<NamedSession>(new NamedSession(name, dir, std::move(lock)));
}

std::optional<SessionRecord> NamedSession::load() const {
  std::ifstream in(dir_ + "/session");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_record(text.str());
}

bool NamedSession::save(const SessionRecord& record, std::string* error) const {
  const std::string path = dir_ + "/session", temporary = path + ".new";
  const mode_t old = umask(077);
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << record_text(record);
    out.flush();
    if (!out) {
      umask(old);
      *error = "cannot write " + temporary;
      return false;
    }
  }
  umask(old);
  chmod(temporary.c_str(), 0600);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    *error = "cannot replace " + path;
    return false;
  }
  return true;
}

}  // namespace tandem
