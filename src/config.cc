#include "src/config.h"

#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "relay/state_dir.h"

namespace tandem {
namespace {

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return {};
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return s;
}

std::string expand_home(const std::string& path) {
  const char* home = std::getenv("HOME");
  if (path.rfind("~/", 0) == 0 && home) return std::string(home) + path.substr(1);
  return path;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}


}  // namespace

std::string config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/tandem";
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.config/tandem" : std::string();
}

std::optional<SizePolicy> parse_size_policy(const std::string& text) {
  if (text == "host") return SizePolicy::kHost;
  if (text == "smallest") return SizePolicy::kSmallest;
  return std::nullopt;
}

bool parse_config(const std::string& text, const std::string& path, Config& config, std::string* error) {
  std::istringstream lines(text);
  std::string line;
  for (int n = 1; std::getline(lines, line); ++n) {
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    const std::string where = path + ":" + std::to_string(n) + ": ";
    if (eq == std::string::npos) {
      *error = where + "expected `key = value`";
      return false;
    }
    const std::string key = trim(line.substr(0, eq)), value = unquote(trim(line.substr(eq + 1)));
    if (key == "relay-host") {
      config.relay_host = value;
      config.relay_from = path;
    } else if (key == "relay-port") {
      char* end = nullptr;
      long port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || port < 1 || port > 65535) {
        *error = where + "relay-port must be a port number, not '" + value + "'";
        return false;
      }
      config.relay_port = uint16_t(port);
    } else if (key == "relay-fingerprint") {
      if (value.rfind("SHA256:", 0) != 0) {
        *error = where + "relay-fingerprint is SHA256:... as `tandem relay` prints it";
        return false;
      }
      config.relay_fingerprint = value;
    } else if (key == "identity-file") {
      config.identity_file = expand_home(value);
    } else if (key == "command") {
      config.command.clear();
      std::istringstream words(value);
      for (std::string w; words >> w;) config.command.push_back(w);
    } else if (key == "size") {
      std::optional<SizePolicy> policy = parse_size_policy(value);
      if (!policy) {
        *error = where + "size is 'host' or 'smallest', not '" + value + "'";
        return false;
      }
      config.size = *policy;
    } else if (key == "relay-protocol") {
      std::optional<RelayProtocol> protocol = parse_relay_protocol(value);
      if (!protocol) {
        *error = where + "relay-protocol is 'auto', 'tandem' or 'tmate', not '" + value + "'";
        return false;
      }
      config.relay_protocol = *protocol;
    } else if (key == "transport") {
      std::optional<transport::LinkTransport> t = parse_transport(value);
      if (!t) {
        *error = where + "transport is 'auto', 'udp' or 'tcp', not '" + value + "'";
        return false;
      }
      config.transport = *t;
    } else if (key == "mate-clipboard") {
      if (value != "yes" && value != "no") {
        *error = where + "mate-clipboard is 'yes' or 'no', not '" + value + "'";
        return false;
      }
      config.mate_clipboard = value == "yes";
    } else {
      *error = where + "unknown key '" + key +
               "' (known: relay-host, relay-port, relay-fingerprint, relay-protocol, identity-file, command, size, "
               "mate-clipboard, transport)";
      return false;
    }
  }
  return true;
}

std::optional<transport::LinkTransport> parse_transport(const std::string& text) {
  if (text == "auto") return transport::LinkTransport::kAuto;
  if (text == "udp") return transport::LinkTransport::kUdp;
  if (text == "tcp") return transport::LinkTransport::kTcp;
  return std::nullopt;
}

std::optional<RelayProtocol> parse_relay_protocol(const std::string& text) {
  if (text == "auto") return RelayProtocol::kAuto;
  if (text == "tandem") return RelayProtocol::kTandem;
  if (text == "tmate") return RelayProtocol::kTmate;
  return std::nullopt;
}

void parse_tmate_conf(const std::string& text, Config& config) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string set, flag, option, value;
    if (!(words >> set) || (set != "set" && set != "set-option")) continue;
    words >> flag;
    if (flag.empty() || flag[0] != '-') {
      option = flag;
    } else {
      words >> option;
    }
    std::getline(words, value);
    value = unquote(trim(value));
    if (option == "tmate-server-host" && !value.empty()) {
      config.relay_host = value;
      config.relay_from = "~/.tmate.conf";
    } else if (option == "tmate-server-port") {
      long port = std::strtol(value.c_str(), nullptr, 10);
      if (port >= 1 && port <= 65535) config.relay_port = uint16_t(port);
    } else if ((option == "tmate-server-rsa-fingerprint" || option == "tmate-server-ed25519-fingerprint" ||
                option == "tmate-server-ecdsa-fingerprint") &&
               value.rfind("SHA256:", 0) == 0) {
      // ed25519 first: the key libssh (and so tandem) asks a relay for first.
      if (option == "tmate-server-ed25519-fingerprint") {
        config.tmate_fingerprints.insert(config.tmate_fingerprints.begin(), value);
      } else {
        config.tmate_fingerprints.push_back(value);
      }
    }
  }
}

std::optional<Config> load_config(std::string* error) {
  Config config;
  const std::string path = config_dir() + "/config";
  if (std::optional<std::string> text = read_file(path)) {
    if (!parse_config(*text, path, config, error)) return std::nullopt;
  }
  if (config.relay_host.empty()) {
    if (const char* home = std::getenv("HOME"); home && *home) {
      if (std::optional<std::string> tmate = read_file(std::string(home) + "/.tmate.conf")) {
        Config from_tmate;
        parse_tmate_conf(*tmate, from_tmate);
        if (!from_tmate.relay_host.empty()) {
          config.relay_host = from_tmate.relay_host;
          config.relay_port = from_tmate.relay_port;
          config.relay_from = from_tmate.relay_from;
          config.tmate_fingerprints = from_tmate.tmate_fingerprints;
        }
      }
    }
  }
  return config;
}

std::string known_relay(const std::string& name) {
  std::optional<std::string> text = read_file(config_dir() + "/known_relays");
  if (!text) return {};
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string who, fingerprint;
    if (words >> who >> fingerprint && who == name) return fingerprint;
  }
  return {};
}

void remember_relay(const std::string& name, const std::string& fingerprint) {
  const std::string dir = config_dir();
  if (fingerprint.empty() || !relay::make_private_dir(dir)) return;
  std::ofstream out(dir + "/known_relays", std::ios::app);
  out << name << " " << fingerprint << "\n";
}

bool own_identity(std::string& path, std::string* error) {
  const std::string dir = config_dir();
  if (!relay::make_private_dir(dir)) {
    *error = "you have no SSH key, and tandem cannot make one (no usable $HOME)";
    return false;
  }
  path = dir + "/id_ed25519";
  if (access(path.c_str(), R_OK) == 0) return true;
  ssh_key key = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
    *error = "cannot generate a key";
    return false;
  }
  const mode_t old = umask(077);
  const int rc = ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, path.c_str());
  umask(old);
  ssh_key_free(key);
  if (rc != SSH_OK) {
    *error = "cannot write " + path;
    return false;
  }
  chmod(path.c_str(), 0600);
  return true;
}

}  // namespace tandem
