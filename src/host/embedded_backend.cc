#include "src/host/embedded_backend.h"

#include <ifaddrs.h>
#include <netinet/in.h>

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
  relay::RelayOptions ro;
  ro.ssh_listen = ro.udp_listen = options.listen;
  std::unique_ptr<relay::Relay> relay = relay::Relay::open(base, ro, error);
  if (!relay && !options.listen_given) {
    ro.ssh_listen = ro.udp_listen = options.listen.with_port(0);  // the default port is taken: any port will do
    relay = relay::Relay::open(base, ro, error);
  }
  if (!relay) return nullptr;
  std::unique_ptr<EmbeddedBackend> b(new EmbeddedBackend);
  b->relay_ = std::move(relay);
  relay::SessionOptions so;
  so.name = options.name;
  so.read_only_only = options.read_only_only;
  so.allowed_keys = options.allowed_keys;
  b->session_ = &b->relay_->create_session(std::move(so), std::move(events));
  b->links_ =
      b->relay_->links(*b->session_, options.public_host.empty() ? link_host(options.listen) : options.public_host);
  return b;
}

}  // namespace tandem
