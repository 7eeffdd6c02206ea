#include "relay/bootstrap_service.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "proto/join_link.h"
#include "relay/log.h"
#include "relay/token.h"

namespace tandem::relay {
namespace {

constexpr size_t kMaxAllowedKeys = 1024;
constexpr size_t kMaxNameBytes = 256;

proto::HostAccept refusal(const std::string& why) {
  proto::HostAccept a;
  a.set_version(kBootstrapVersion);
  a.set_refusal(why);
  return a;
}

// A link host must be a plain name or address: it ends up in a command line.
bool plain_host(const std::string& host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_';
  });
}

void set_links(proto::SessionLinks& out, const Links& l) {
  out.set_ssh_rw(l.ssh_rw);
  out.set_ssh_ro(l.ssh_ro);
  out.set_join_rw(l.join_rw);
  out.set_join_ro(l.join_ro);
  out.set_fingerprint(l.fingerprint);
  out.set_ssh_port(l.ssh_port);
  out.set_udp_port(l.udp_port);
  out.set_web_rw(l.web_rw);
  out.set_web_ro(l.web_ro);
  out.set_web_port(l.web_port);
  out.set_web_tls(l.web_tls);
}

// At most 128 bytes of `text`, with anything unprintable (newlines, ESC) as '?'.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 128));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (text.size() > 128) out += "...";
  return out;
}

bool same_tokens(const std::string& rw, const std::string& ro, const proto::Resume& r) {
  return !ro.empty() && same_token(ro, r.ro_token()) && rw.size() == r.rw_token().size() &&
         (rw.empty() || same_token(rw, r.rw_token()));
}

// The session's tokens, or the ones before its last rotation: a host whose link was
// lost before it heard of the new tokens still has only those.
bool same_tokens(const Session& s, const proto::Resume& r) {
  const auto [rw, ro] = s.previous_tokens();
  return same_tokens(s.rw_token(), s.ro_token(), r) || same_tokens(rw, ro, r);
}

}  // namespace

std::string new_session_id() {
  uint8_t id[8];
  randombytes_buf(id, sizeof id);
  char hex[2 * sizeof id + 1];
  sodium_bin2hex(hex, sizeof hex, id, sizeof id);
  return hex;
}

Links make_links(const std::string& rw_token, const std::string& ro_token, const std::string& host,
                 uint16_t ssh_port, uint16_t udp_port, const std::string& fingerprint, const std::string& web_base) {
  Links l;
  const std::string port = std::to_string(ssh_port);
  if (!rw_token.empty()) {
    l.ssh_rw = "ssh -p " + port + " " + rw_token + "@" + host;
    l.join_rw = JoinLink{rw_token, host, ssh_port, fingerprint}.to_string();
  }
  l.ssh_ro = "ssh -p " + port + " " + ro_token + "@" + host;
  l.join_ro = JoinLink{ro_token, host, ssh_port, fingerprint}.to_string();
  if (!web_base.empty()) {
    if (!rw_token.empty()) l.web_rw = web_base + "#" + rw_token;
    l.web_ro = web_base + "#" + ro_token;
  }
  l.fingerprint = fingerprint;
  l.ssh_port = ssh_port;
  l.udp_port = udp_port;
  return l;
}

// A host with as many sessions as it may have, per key or per address: refused in words.
std::optional<proto::HostAccept> BootstrapService::over_limits(const HostCaller& caller) const {
  if (directory_.sessions_of_key(caller.key) >= limits_.sessions_per_key) {
    log("relay: %s: host %s has %zu sessions already; refused\n", printable(caller.who).c_str(), caller.key.c_str(),
        limits_.sessions_per_key);
    return refusal("this key has " + std::to_string(limits_.sessions_per_key) +
                   " sessions on this relay already; end one first");
  }
  if (directory_.sessions_from(caller.ip) >= limits_.sessions_per_address) {
    log("relay: %s: %zu sessions from this address already; refused\n", printable(caller.who).c_str(),
        limits_.sessions_per_address);
    return refusal("your address has " + std::to_string(limits_.sessions_per_address) +
                   " sessions on this relay already; end one first");
  }
  return std::nullopt;
}

Secret BootstrapService::resume_secret(const std::string& id, const std::string& rw_token,
                                       const std::string& ro_token, const std::string& host_key) const {
  const std::string message = "tandem resume\n" + id + "\n" + rw_token + "\n" + ro_token + "\n" + host_key;
  Secret out;
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(message.data()), message.size(),
                     secret_.data(), secret_.size());
  return out;
}

proto::HostAccept BootstrapService::host_request(const HostCaller& caller, std::string_view request) {
  const std::string& host_key = caller.key;
  // Logged names are the caller's own words: only printable, bounded.
  const std::string who = printable(caller.who);
  proto::HostHello hello;
  if (!hello.ParseFromArray(request.data(), int(request.size()))) {
    log("relay: %s: a malformed host request; refused\n", who.c_str());
    return refusal("malformed request");
  }
  if (hello.version() != kBootstrapVersion) {
    log("relay: %s: host speaks bootstrap version %u; refused\n", who.c_str(), hello.version());
    return refusal("this relay speaks bootstrap version " + std::to_string(kBootstrapVersion) + ", your tandem " +
                   std::to_string(hello.version()) + "; use a tandem of the same release");
  }
  if (host_key.empty()) return refusal("the relay could not read your key");
  if (hello.session_name().size() > kMaxNameBytes || hello.allowed_keys_size() > int(kMaxAllowedKeys)) {
    return refusal("request too large");
  }
  SessionOptions options;
  options.name = hello.session_name().empty() ? "the host" : hello.session_name();
  options.read_only_only = hello.read_only_only();
  options.approve = hello.approve();
  options.history = limits_.history_lines;
  if (hello.has_history_lines()) options.history = std::min<size_t>(options.history, hello.history_lines());
  for (const std::string& k : hello.allowed_keys()) options.allowed_keys.insert(k);
  options.mate_clipboard = hello.mate_clipboard();

  Session* s = nullptr;
  proto::ResumeOutcome outcome = proto::NEW_SESSION;
  if (hello.has_resume()) {
    const proto::Resume& r = hello.resume();
    if (r.ro_token().empty() || r.session_id().empty() || r.session_id().size() > 64) {
      return refusal("malformed resume request");
    }
    // Its host ended the session a moment ago and is back for it (a named session,
    // started again): the ended one goes, and the secret brings it back below.
    if (Session* ended = directory_.find(r.session_id());
        ended && ended->ended() && ended->host_key() == host_key && same_tokens(*ended, r)) {
      directory_.drop(r.session_id());
    }
    if ((s = directory_.find(r.session_id()))) {
      if (s->ended() || s->host_key() != host_key || !same_tokens(*s, r)) {
        log("relay: %s: resume of session %s refused (ended, or another key or tokens)\n", who.c_str(),
            printable(r.session_id()).c_str());
        return refusal(s->ended() ? "that session has ended" : "that session belongs to another key");
      }
      s->set_options(options);
      // The host's link is fine on our side: it only has to get through again.
      // Otherwise it is a link the host never learnt of (our answer was lost).
      const uint64_t link = directory_.host_link(*s);
      outcome = link != 0 && link == r.previous_link_id() ? proto::SAME_LINK : proto::NEW_LINK;
      log("relay: session %s: host %s is back from %s%s\n", s->id().c_str(), host_key.c_str(), who.c_str(),
          outcome == proto::SAME_LINK ? " (same link)" : "");
    } else {
      // The relay restarted and forgot the session: the secret proves the tokens were ours.
      const Secret expected = resume_secret(r.session_id(), r.rw_token(), r.ro_token(), host_key);
      if (r.secret().size() != expected.size() ||
          sodium_memcmp(r.secret().data(), expected.data(), expected.size()) != 0 ||
          directory_.token_in_use(r.ro_token()) || (!r.rw_token().empty() && directory_.token_in_use(r.rw_token()))) {
        log("relay: %s: resume of unknown session %s refused\n", who.c_str(), printable(r.session_id()).c_str());
        return refusal("this relay does not know that session");
      }
      if (std::optional<proto::HostAccept> full = over_limits(caller)) return *full;
      options.read_only_only = r.rw_token().empty();
      s = &directory_.create(r.session_id(), r.rw_token(), r.ro_token(), options);
      outcome = proto::RESTORED;
      log("relay: session %s restored for host %s from %s\n", s->id().c_str(), host_key.c_str(), who.c_str());
    }
  } else {
    if (std::optional<proto::HostAccept> full = over_limits(caller)) return *full;
    s = &directory_.create(new_session_id(), options.read_only_only ? std::string() : new_token(), new_token(),
                           options);
    log("relay: session %s created for host %s from %s (%s)\n", s->id().c_str(), host_key.c_str(), who.c_str(),
        printable(hello.client_version()).c_str());
  }
  s->set_host_key(host_key);
  s->set_host_ip(caller.ip);

  proto::HostAccept a;
  a.set_version(kBootstrapVersion);
  proto::Accepted& ok = *a.mutable_accepted();
  if (outcome == proto::SAME_LINK) {
    ok.set_link_id(directory_.host_link(*s));
  } else {
    auto [link_id, key] = directory_.attach_host(*s);
    ok.set_link_id(link_id);
    ok.set_link_key(std::string(key.begin(), key.end()));
  }
  std::string host = public_host_.empty() ? hello.relay_host() : public_host_;
  if (!plain_host(host)) host = "RELAY";
  ok.set_session_id(s->id());
  ok.set_rw_token(s->rw_token());
  ok.set_ro_token(s->ro_token());
  s->set_link_host(host);
  set_links(*ok.mutable_links(), directory_.links(*s, host));
  const Secret secret = resume_secret(s->id(), s->rw_token(), s->ro_token(), host_key);
  ok.set_resume_secret(std::string(secret.begin(), secret.end()));
  ok.set_outcome(outcome);
  ok.set_controls(true);
  return a;
}

}  // namespace tandem::relay
