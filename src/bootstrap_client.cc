#include "src/bootstrap_client.h"

#include <libssh/libssh.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "proto/framing.h"
#include "relay/ssh/handles.h"
#include "src/config.h"

namespace tandem {
namespace {

constexpr long kTimeoutSeconds = 15;
constexpr uint32_t kMaxReplyBytes = 64 * 1024;

using ssh::ChannelPtr;
using ssh::KeyPtr;
using ssh::SessionPtr;

constexpr long kWaitForHostSeconds = 150;  // a relay lets a mate wait 120 s for the host (--approve)

bool read_exactly(ssh_channel ch, char* out, uint32_t n, long timeout_seconds = kTimeoutSeconds) {
  uint32_t got = 0;
  while (got < n) {
    int r = ssh_channel_read_timeout(ch, out + got, n - got, 0, int(timeout_seconds * 1000));
    if (r <= 0) return false;
    got += uint32_t(r);
  }
  return true;
}

// Reads one length-prefixed message; nullopt (with `error`) if there is none.
std::optional<std::string> read_message(ssh_channel ch, std::string* error, long timeout_seconds = kTimeoutSeconds) {
  char header[proto::kFrameHeaderBytes];
  if (!read_exactly(ch, header, sizeof header, timeout_seconds)) {
    *error = "the relay did not answer";
    return std::nullopt;
  }
  const uint32_t size = proto::frame_length(header);
  if (size > kMaxReplyBytes) {
    *error = "the relay's answer is too large";
    return std::nullopt;
  }
  std::string body(size, '\0');
  if (!read_exactly(ch, body.data(), size)) {
    *error = "the relay's answer was cut short";
    return std::nullopt;
  }
  return body;
}

// On the "tandem" subsystem: sends `request` (already framed; may be empty), then reads
// the relay's one answer. `unoffered` says what it means when the subsystem is refused.
// `interim(body)` says whether an answer is only "wait" (--approve): then the next
// one is read, for as long as the relay may make a mate wait.
std::optional<std::string> exchange(ssh_session s, std::string_view request, const std::string& unoffered,
                                    std::string* error,
                                    const std::function<bool(const std::string&)>& interim = nullptr) {
  ChannelPtr ch(ssh_channel_new(s));
  if (!ch || ssh_channel_open_session(ch.get()) != SSH_OK ||
      ssh_channel_request_subsystem(ch.get(), kSubsystem) != SSH_OK) {
    *error = unoffered;
    return std::nullopt;
  }
  if (!request.empty() && ssh_channel_write(ch.get(), request.data(), uint32_t(request.size())) != int(request.size())) {
    *error = "cannot send our request to the relay";
    return std::nullopt;
  }
  std::optional<std::string> body = read_message(ch.get(), error);
  if (body && interim && interim(*body)) body = read_message(ch.get(), error, kWaitForHostSeconds);
  ssh_channel_close(ch.get());
  return body;
}

// Connects as `user` and checks the relay's key: against `fingerprint` when given,
// else against what we remember of this relay (and remembers it the first time).
// `reached` (if given) says whether the relay answered at all.
SessionPtr connect_relay(const std::string& host, uint16_t port, const std::string& user,
                         const std::string& fingerprint, bool remember, const char* refusing, std::string* error,
                         bool* reached = nullptr) {
  SessionPtr s(ssh_new());
  bool no = false;
  long timeout = kTimeoutSeconds;
  unsigned int port_number = port;
  ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &no);  // ~/.ssh/config has no say here
  ssh_options_set(s.get(), SSH_OPTIONS_HOST, host.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_PORT, &port_number);
  ssh_options_set(s.get(), SSH_OPTIONS_USER, user.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_TIMEOUT, &timeout);
  int nodelay = 1;  // the bootstrap is a few small messages each way: Nagle would add 40 ms to each
  ssh_options_set(s.get(), SSH_OPTIONS_NODELAY, &nodelay);
  // Keys are looked for in $HOME/.ssh (libssh would use the password database's home).
  if (const char* home = std::getenv("HOME"); home && *home) {
    ssh_options_set(s.get(), SSH_OPTIONS_SSH_DIR, (std::string(home) + "/.ssh").c_str());
  }
  if (ssh_connect(s.get()) != SSH_OK) {
    if (reached) *reached = false;
    *error = "cannot reach the relay at " + host + ":" + std::to_string(port) + ": " + ssh_get_error(s.get());
    return nullptr;
  }
  // Not across exec: a shell started meanwhile must not hold the relay's connection.
  if (const int fd = ssh_get_fd(s.get()); fd >= 0) fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
  ssh_key raw = nullptr;
  std::string seen;
  if (ssh_get_server_publickey(s.get(), &raw) == SSH_OK) {
    KeyPtr key(raw);
    seen = ssh::key_fingerprint(key.get());
  }
  std::string expected = fingerprint;
  const std::string name = host + ":" + std::to_string(port);
  if (expected.empty() && remember) {
    expected = known_relay(name);
    if (expected.empty()) {
      remember_relay(name, seen);
      expected = seen;
    }
  }
  if (seen.empty() || seen != expected) {
    *error = "the relay at " + name + " has key " + seen + ", not " + expected + " as " +
             (remember ? "pinned" : "the link says") + ": " + refusing + " (someone may be in the middle" +
             (remember ? "; if the relay's key really changed, fix relay-fingerprint in the config (or "
                         "tmate-server-*-fingerprint in ~/.tmate.conf) or the line in known_relays)"
                       : ")");
    return nullptr;
  }
  return s;
}

// Signs in with the private key in `path`; false with `error` otherwise.
bool authenticate_with(ssh_session s, const std::string& path, std::string* error) {
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
    *error = "cannot read the key in " + path;
    return false;
  }
  KeyPtr owned(key);
  if (ssh_userauth_publickey(s, nullptr, key) == SSH_AUTH_SUCCESS) return true;
  *error = "the relay refused the key in " + path;
  return false;
}

// The host's key: the configured identity, else the agent or ~/.ssh/id_*, else a key
// of tandem's own, made on first use (a host needs no account, only a key).
bool authenticate_host(ssh_session s, const std::string& identity_file, std::string* error) {
  if (!identity_file.empty()) return authenticate_with(s, identity_file, error);
  if (ssh_userauth_publickey_auto(s, nullptr, nullptr) == SSH_AUTH_SUCCESS) return true;
  std::string own;
  return own_identity(own, error) && authenticate_with(s, own, error);
}

}  // namespace

std::optional<proto::JoinAccept> join_bootstrap(const JoinLink& link, std::string* error, uint64_t previous_link_id,
                                                JoinFailure* why, const JoinIdentity& identity) {
  JoinFailure ignored;
  JoinFailure& failure = why ? *why : ignored;
  failure = JoinFailure::kOther;
  // The link pins the relay's key: anything else is not the relay the host used.
  bool reached = true;
  SessionPtr s =
      connect_relay(link.host, link.port, link.token, link.fingerprint, false, "refusing to join", error, &reached);
  if (!s) {
    if (!reached) {
      failure = error->find(std::strerror(ECONNREFUSED)) != std::string::npos ? JoinFailure::kConnectionRefused
                                                                              : JoinFailure::kUnreachable;
    }
    return std::nullopt;
  }
  failure = JoinFailure::kNotAdmitted;
  // The token is the user name; a session with an allow-list also wants our key
  // (ssh-agent or ~/.ssh/id_*).
  const char* refused =
      "the relay has no session with this token that admits us: check the link (if the session only admits "
      "listed SSH keys, ours is not one)";
  if (ssh_userauth_none(s.get(), nullptr) != SSH_AUTH_SUCCESS &&
      ssh_userauth_publickey_auto(s.get(), nullptr, nullptr) != SSH_AUTH_SUCCESS) {
    *error = refused;
    return std::nullopt;
  }
  proto::JoinHello hello;
  hello.set_version(kBootstrapVersion);
  hello.set_previous_link_id(previous_link_id);
  hello.set_name(identity.name);
  auto waiting = [&](const std::string& body) {
    proto::JoinAccept a;
    if (!a.ParseFromArray(body.data(), int(body.size())) || !a.waiting() || !a.refusal().empty()) return false;
    if (identity.on_waiting) identity.on_waiting();
    return true;
  };
  std::optional<std::string> body = exchange(s.get(), proto::frame(hello.SerializeAsString()), refused, error, waiting);
  if (!body) {
    if (error->rfind("the relay did not answer", 0) == 0) failure = JoinFailure::kUnreachable;
    return std::nullopt;
  }
  std::optional<proto::JoinAccept> accept = parse_join_accept(*body, error);
  if (accept) {
    failure = JoinFailure::kNone;
  } else if (error->rfind("the relay refused", 0) != 0) {
    failure = JoinFailure::kOther;
  } else if (error->find(kSessionEnded) != std::string::npos) {
    failure = JoinFailure::kEnded;
  }
  return accept;
}

std::optional<proto::HostAccept> host_bootstrap(const RelayAddress& relay, const proto::HostHello& hello,
                                                std::string* error) {
  SessionPtr s = connect_relay(relay.host, relay.port, kHostUser, relay.fingerprint, true,
                               "refusing to share through it", error);
  // tmate-ssh-server says who it is ("SSH-2.0-tmate"), and leaves other subsystems
  // unanswered: no need to wait for it.
  if (const char* banner = s ? ssh_get_serverbanner(s.get()) : nullptr;
      banner && std::string_view(banner).rfind("SSH-2.0-tmate", 0) == 0) {
    *error = "the relay at " + relay.host + " is a tmate relay: it " + kNoTandemSubsystem;
    return std::nullopt;
  }
  if (!s || !authenticate_host(s.get(), relay.identity_file, error)) return std::nullopt;
  std::optional<std::string> body =
      exchange(s.get(), proto::frame(hello.SerializeAsString()),
               "the relay at " + relay.host + " " + kNoTandemSubsystem + " (is it a tandem relay?)", error);
  if (!body) return std::nullopt;
  return parse_host_accept(*body, error);
}

std::optional<transport::Address> resolve_udp(const std::string& host, uint16_t port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list); rc != 0 || !list) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return std::nullopt;
  }
  // IPv4 first: it is what most relays and NATs handle best.
  const addrinfo* pick = list;
  for (const addrinfo* a = list; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  }
  transport::Address out(pick->ai_addr, pick->ai_addrlen);
  freeaddrinfo(list);
  return out;
}

namespace {

// A version byte of the answer that is not ours: said in words, whatever else is off.
template <class Message>
bool same_version(const Message& m, std::string* error) {
  if (m.version() == kBootstrapVersion) return true;
  if (error) {
    *error = "the relay speaks bootstrap version " + std::to_string(m.version()) + ", this tandem " +
             std::to_string(kBootstrapVersion) + ": use a tandem of the relay's release";
  }
  return false;
}

std::nullopt_t malformed(std::string* error) {
  if (error) *error = "the relay's answer is malformed";
  return std::nullopt;
}

bool valid_port(uint32_t port) { return port > 0 && port <= 65535; }

}  // namespace

std::optional<proto::JoinAccept> parse_join_accept(std::string_view body, std::string* error) {
  proto::JoinAccept accept;
  if (!accept.ParseFromArray(body.data(), int(body.size()))) return malformed(error);
  if (!same_version(accept, error)) return std::nullopt;
  if (!accept.refusal().empty()) {
    if (error) *error = "the relay refused: " + accept.refusal().substr(0, 4096);
    return std::nullopt;
  }
  if (accept.link_key().size() != (accept.same_link() ? 0u : 32u) || !valid_port(accept.udp_port()) || accept.session_name().size() > 4096) {
    return malformed(error);
  }
  return accept;
}

std::optional<proto::HostAccept> parse_host_accept(std::string_view body, std::string* error) {
  proto::HostAccept a;
  if (!a.ParseFromArray(body.data(), int(body.size()))) return malformed(error);
  if (!same_version(a, error)) return std::nullopt;
  if (a.has_refusal()) {
    if (a.refusal().size() > 4096) return malformed(error);
    return a;
  }
  if (!a.has_accepted()) return malformed(error);
  const proto::Accepted& ok = a.accepted();
  const bool keyed = ok.outcome() == proto::SAME_LINK ? ok.link_key().empty() : ok.link_key().size() == 32;
  if (!keyed || ok.resume_secret().size() != 32 || !valid_port(ok.links().udp_port()) ||
      !valid_port(ok.links().ssh_port()) || ok.ro_token().empty() || ok.session_id().empty() ||
      !proto::ResumeOutcome_IsValid(ok.outcome())) {
    return malformed(error);
  }
  return a;
}

transport::ClientLinkOptions link_options(const std::string& host, uint16_t web_port, bool web_tls,
                                          transport::LinkTransport transport) {
  transport::ClientLinkOptions o;
  o.transport = transport;
  if (web_port != 0 && transport != transport::LinkTransport::kUdp) {
    std::string error;
    o.tcp_server = resolve_udp(host, web_port, &error);  // the same lookup: a numeric address and port
    o.tcp_tls = web_tls;
  }
  if (!o.tcp_server) o.transport = transport::LinkTransport::kUdp;
  return o;
}

Links links_from(const proto::SessionLinks& l) {
  Links out;
  out.ssh_rw = l.ssh_rw();
  out.ssh_ro = l.ssh_ro();
  out.join_rw = l.join_rw();
  out.join_ro = l.join_ro();
  out.fingerprint = l.fingerprint();
  out.ssh_port = uint16_t(l.ssh_port());
  out.udp_port = uint16_t(l.udp_port());
  out.web_rw = l.web_rw();
  out.web_ro = l.web_ro();
  out.web_port = uint16_t(l.web_port());
  out.web_tls = l.web_tls();
  return out;
}

}  // namespace tandem
