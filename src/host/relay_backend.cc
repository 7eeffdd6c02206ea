#include "src/host/relay_backend.h"

#include "src/host/embedded_backend.h"
#include "src/host/remote_backend.h"

namespace tandem {

std::unique_ptr<RelayBackend> make_backend(event_base* base, const BackendOptions& options, BackendEvents events,
                                           std::string* error) {
  if (options.config.relay_host.empty()) return EmbeddedBackend::open(base, options, std::move(events), error);
  return RemoteBackend::open(base, options, std::move(events), error);
}

}  // namespace tandem
