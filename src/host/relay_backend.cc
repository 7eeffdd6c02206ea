#include "src/host/relay_backend.h"

#include "src/host/embedded_backend.h"
#include "src/host/remote_backend.h"
#include "src/host/tmate_backend.h"
#include "src/bootstrap_client.h"

namespace tandem {

std::unique_ptr<RelayBackend> make_backend(event_base* base, const BackendOptions& options, BackendEvents events,
                                           std::string* error) {
  if (options.config.relay_host.empty()) return EmbeddedBackend::open(base, options, std::move(events), error);
  const RelayProtocol protocol = options.config.relay_protocol;
  if (protocol == RelayProtocol::kTmate) return TmateBackend::open(base, options, std::move(events), error);
  std::unique_ptr<RelayBackend> tandem = RemoteBackend::open(base, options, events, error);
  // A stock tmate relay refuses the tandem subsystem: speak tmate's protocol to it.
  if (!tandem && protocol == RelayProtocol::kAuto && error->find(kNoTandemSubsystem) != std::string::npos) {
    return TmateBackend::open(base, options, std::move(events), error);
  }
  return tandem;
}

}  // namespace tandem
