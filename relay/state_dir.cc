#include "relay/state_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cstdlib>
#include <fstream>

namespace tandem::relay {
namespace {

// The relay's SSH host key: read, or made on first start (0600).
ssh::KeyPtr load_host_key(const std::string& path, enum ssh_keytypes_e type, std::string* error) {
  ssh_key raw = nullptr;
  if (access(path.c_str(), F_OK) == 0) {
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK) {
      *error = "cannot read the host key " + path;
      return nullptr;
    }
    return ssh::KeyPtr(raw);
  }
  if (ssh_pki_generate(type, type == SSH_KEYTYPE_RSA ? 3072 : 0, &raw) != SSH_OK) {
    *error = "cannot generate a host key";
    return nullptr;
  }
  ssh::KeyPtr key(raw);
  const mode_t old = umask(077);
  const int rc = ssh_pki_export_privkey_file(key.get(), nullptr, nullptr, nullptr, path.c_str());
  umask(old);
  if (rc != SSH_OK) {
    *error = "cannot write the host key " + path;
    return nullptr;
  }
  chmod(path.c_str(), 0600);
  return key;
}

// The key resume secrets are made with: read, or made on first start (0600).
std::optional<Secret> load_secret(const std::string& path, std::string* error) {
  Secret secret;
  if (std::ifstream in(path, std::ios::binary); in) {
    if (!in.read(reinterpret_cast<char*>(secret.data()), std::streamsize(secret.size()))) {
      *error = path + " is damaged (it should hold 32 bytes); remove it to make a new one (hosts then start new sessions)";
      return std::nullopt;
    }
    return secret;
  }
  randombytes_buf(secret.data(), secret.size());
  const mode_t old = umask(077);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(secret.data()), std::streamsize(secret.size()));
  umask(old);
  if (!out.flush()) {
    *error = "cannot write " + path;
    return std::nullopt;
  }
  chmod(path.c_str(), 0600);
  return secret;
}


}  // namespace

std::string default_state_dir() {
  if (const char* systemd = std::getenv("STATE_DIRECTORY"); systemd && *systemd == '/') return systemd;
  if (geteuid() == 0) return "/var/lib/tandem-relay";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/tandem/relay";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/tandem/relay";
}

bool make_private_dir(const std::string& dir) {
  if (dir.empty()) return false;
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') mkdir(dir.substr(0, i).c_str(), 0700);
  }
  struct stat st{};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  // One that was there already is tightened: its keys are nobody else's business.
  if ((st.st_mode & 077) != 0) chmod(dir.c_str(), st.st_mode & 0700);
  return true;
}

std::optional<RelayState> load_state(const std::string& dir, std::string* error) {
  if (!make_private_dir(dir)) {
    *error = "cannot make the state directory " + dir;
    return std::nullopt;
  }
  RelayState state;
  state.restarted = access((dir + "/resume.key").c_str(), F_OK) == 0;
  state.host_key = load_host_key(dir + "/ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, error);
  if (!state.host_key) return std::nullopt;
  state.rsa_host_key = load_host_key(dir + "/ssh_host_rsa_key", SSH_KEYTYPE_RSA, error);
  if (!state.rsa_host_key) return std::nullopt;
  std::optional<Secret> secret = load_secret(dir + "/resume.key", error);
  if (!secret) return std::nullopt;
  state.secret = *secret;
  return state;
}

}  // namespace tandem::relay
