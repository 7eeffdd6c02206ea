#include "relay/ssh/handles.h"

#include <fstream>
#include <sstream>

namespace tandem::ssh {

std::string key_fingerprint(ssh_key key) {
  std::string out;
  unsigned char* hash = nullptr;
  size_t len = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) == 0) {
    char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    if (fp) out = fp;
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
  }
  return out;
}

bool read_authorized_keys(const std::string& path, std::set<std::string>& out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "cannot read " + path;
    return false;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream words(line);
    std::string type, b64;
    if (!(words >> type) || type[0] == '#') continue;
    words >> b64;
    ssh_key raw = nullptr;
    if (ssh_pki_import_pubkey_base64(b64.c_str(), ssh_key_type_from_name(type.c_str()), &raw) != SSH_OK) {
      if (error) *error = path + ":" + std::to_string(n) + ": not a public key";
      return false;
    }
    KeyPtr key(raw);
    out.insert(key_fingerprint(key.get()));
  }
  if (out.empty() && error) *error = path + " lists no keys";
  return !out.empty();
}

}  // namespace tandem::ssh
