#include "src/host/embedded_backend.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include "relay/state_dir.h"

namespace tandem {
namespace {

// The address mates should dial: the one we listen on, or this machine's first
// non-loopback IPv4 address when listening on all of them.
std::string link_host(const transport::Address& listen) {
  const std::string host = listen.host();
  if (host != "0.0.0.0" && host != "::") return listen.host_for_url();
  ifaddrs* list = nullptr;
  std::string found = "127.0.0.1";
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* i = list; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
      const std::string a = transport::Address(i->ifa_addr, sizeof(sockaddr_in)).host();
      if (a.rfind("127.", 0) == 0) continue;
      found = a;
      break;
    }
    freeifaddrs(list);
  }
  return found;
}

}  // namespace

std::unique_ptr<RelayBackend> EmbeddedBackend::open(event_base* base, const BackendOptions& options,
                                                    BackendEvents events, std::string* error) {
  // A named session keeps its relay's key, port and tokens, so its links stay the same.
  const NamedSession* named = options.named;
  std::optional<SessionRecord> record = named ? named->load() : std::nullopt;
  if (record && (record->relay != SessionRecord::kEmbedded || record->rw_token.empty() != options.read_only_only)) {
    record.reset();
  }
  auto open_on = [&](const transport::Address& where) -> std::unique_ptr<relay::Relay> {
    relay::RelayOptions ro;
    ro.ssh_listen = ro.udp_listen = where;
    ro.ends_with_host = true;  // mates learn the session is gone when this process is
    ro.web = options.web;
    // The session is this process's: a token it does not know is wrong from the start.
    if (ro.web) ro.web->restart_grace = std::chrono::milliseconds(0);
    // A named session's web port too, unless another was asked for (port 0: any).
    if (ro.web && record && record->web_port != 0 && (ro.web->any_port_if_taken || ro.web->listen.port() == 0)) {
      ro.web->listen = ro.web->listen.with_port(record->web_port);
      ro.web->any_port_if_taken = true;
    }
    if (named) {
      std::optional<relay::RelayState> state = relay::load_state(named->dir(), error);
      if (!state) return nullptr;
      ro.host_key = state->host_key.release();
      ro.secret = state->secret;
    }
    return relay::Relay::open(base, ro, error);
  };
  // Where to listen: the port a named session had, unless another was asked for.
  transport::Address listen = options.listen;
  const bool any_port = !options.listen_given || options.listen.port() == 0;
  if (record && record->port != 0 && any_port) listen = options.listen.with_port(record->port);
  std::unique_ptr<relay::Relay> relay = open_on(listen);
  if (!relay && any_port && listen.port() != options.listen.port()) relay = open_on(options.listen);
  if (!relay && !options.listen_given) relay = open_on(options.listen.with_port(0));  // the default port is taken
  if (!relay) return nullptr;
  std::unique_ptr<EmbeddedBackend> b(new EmbeddedBackend);
  b->relay_ = std::move(relay);
  relay::SessionOptions so;
  so.name = options.name;
  so.read_only_only = options.read_only_only;
  so.allowed_keys = options.allowed_keys;
  so.history = options.history;
  so.mate_clipboard = options.mate_clipboard;
  so.approve = options.approve;
  if (record) {
    b->session_ = &b->relay_->create_session(std::move(so), std::move(events), record->session_id,
                                             record->rw_token, record->ro_token);
  } else {
    b->session_ = &b->relay_->create_session(std::move(so), std::move(events));
  }
  b->link_host_ = options.public_host.empty() ? link_host(options.listen) : options.public_host;
  b->links_ = b->relay_->links(*b->session_, b->link_host_);
  b->named_ = named;
  if (!b->remember(error)) return nullptr;
  return b;
}

bool EmbeddedBackend::remember(std::string* error) const {
  if (!named_) return true;
  const SessionRecord now{SessionRecord::kEmbedded, session_->id(),    session_->rw_token(), session_->ro_token(), "",
                          relay_->ssh_port(),        relay_->web_port()};
  return named_->save(now, error);
}

void EmbeddedBackend::kick(const MateInfo& mate, KickDone done) {
  const bool found = session_->kick(mate, std::string("[tandem: ") + kHostRemoved + "]");
  done(found ? std::string() : "remove " + mate.label() + ": it has already left the session");
}

void EmbeddedBackend::rotate(bool kick_all, RotateDone done) {
  relay_->rotate(*session_);
  if (kick_all) session_->kick_all(std::string("[tandem: ") + kHostRemovedAll + "]");
  links_ = relay_->links(*session_, link_host_);
  std::string error;
  if (!remember(&error)) error = "the new links work, but " + error;  // said, not fatal
  done(links_, error);
}

}  // namespace tandem
