#include "src/bootstrap_client.h"

#include <libssh/libssh.h>

#include <cstdlib>
#include <memory>

#include "relay/ssh_server.h"

namespace tandem {
namespace {

constexpr long kTimeoutSeconds = 15;
constexpr uint32_t kMaxReplyBytes = 64 * 1024;

struct SessionFree {
  void operator()(ssh_session s) const {
    ssh_disconnect(s);
    ssh_free(s);
  }
};
struct ChannelFree {
  void operator()(ssh_channel c) const { ssh_channel_free(c); }
};

bool read_exactly(ssh_channel ch, char* out, uint32_t n) {
  uint32_t got = 0;
  while (got < n) {
    int r = ssh_channel_read_timeout(ch, out + got, n - got, 0, int(kTimeoutSeconds * 1000));
    if (r <= 0) return false;
    got += uint32_t(r);
  }
  return true;
}

}  // namespace

std::optional<proto::JoinAccept> bootstrap(const JoinLink& link, std::string* error) {
  std::unique_ptr<ssh_session_struct, SessionFree> s(ssh_new());
  bool no = false;
  long timeout = kTimeoutSeconds;
  unsigned int port = link.port;
  ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &no);  // ~/.ssh/config has no say here
  ssh_options_set(s.get(), SSH_OPTIONS_HOST, link.host.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_PORT, &port);
  ssh_options_set(s.get(), SSH_OPTIONS_USER, link.token.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_TIMEOUT, &timeout);
  // Keys are looked for in $HOME/.ssh (libssh would use the password database's home).
  if (const char* home = std::getenv("HOME"); home && *home) {
    ssh_options_set(s.get(), SSH_OPTIONS_SSH_DIR, (std::string(home) + "/.ssh").c_str());
  }
  if (ssh_connect(s.get()) != SSH_OK) {
    *error = "cannot reach the relay at " + link.host + ":" + std::to_string(link.port) + ": " +
             ssh_get_error(s.get());
    return std::nullopt;
  }
  // The link pins the relay's key: anything else is not the relay the host used.
  ssh_key key = nullptr;
  std::string fingerprint;
  if (ssh_get_server_publickey(s.get(), &key) == SSH_OK) {
    fingerprint = relay::key_fingerprint(key);
    ssh_key_free(key);
  }
  if (fingerprint != link.fingerprint) {
    *error = "the relay's key is " + fingerprint + ", not " + link.fingerprint +
             " as the link says: refusing to join (someone may be in the middle)";
    return std::nullopt;
  }
  // The token is the user name; a session with an allow-list also wants our key
  // (ssh-agent or ~/.ssh/id_*).
  if (ssh_userauth_none(s.get(), nullptr) != SSH_AUTH_SUCCESS &&
      ssh_userauth_publickey_auto(s.get(), nullptr, nullptr) != SSH_AUTH_SUCCESS) {
    *error = "the relay refused us: this session only admits listed SSH keys, and ours is not one";
    return std::nullopt;
  }
  std::unique_ptr<ssh_channel_struct, ChannelFree> ch(ssh_channel_new(s.get()));
  if (!ch || ssh_channel_open_session(ch.get()) != SSH_OK ||
      ssh_channel_request_subsystem(ch.get(), "tandem") != SSH_OK) {
    *error = "no session with this token on the relay (or the relay does not offer native joins)";
    return std::nullopt;
  }
  char header[4];
  if (!read_exactly(ch.get(), header, 4)) {
    *error = "the relay did not answer the join";
    return std::nullopt;
  }
  uint32_t size = uint32_t(uint8_t(header[0])) << 24 | uint32_t(uint8_t(header[1])) << 16 |
                  uint32_t(uint8_t(header[2])) << 8 | uint8_t(header[3]);
  if (size > kMaxReplyBytes) {
    *error = "the relay's answer is too large";
    return std::nullopt;
  }
  std::string body(size, '\0');
  std::optional<proto::JoinAccept> accept;
  if (!read_exactly(ch.get(), body.data(), size) || !(accept = parse_join_accept(body))) {
    *error = "the relay's answer is malformed";
    return std::nullopt;
  }
  ssh_channel_close(ch.get());
  return accept;
}

std::optional<proto::JoinAccept> parse_join_accept(std::string_view body) {
  proto::JoinAccept accept;
  if (!accept.ParseFromArray(body.data(), int(body.size())) || accept.version() != 1 ||
      accept.link_key().size() != 32 || accept.udp_port() == 0 || accept.udp_port() > 65535 ||
      accept.session_name().size() > 4096) {
    return std::nullopt;
  }
  return accept;
}

}  // namespace tandem
