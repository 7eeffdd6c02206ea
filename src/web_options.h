// The web port's flags, read the same way by `tandem relay` and `tandem` (whose
// embedded relay has one too): --web-listen ADDR:PORT (or "off"), and for a relay
// of one's own --tls-cert/--tls-key, --trust-proxy and --web-url.
#pragma once

#include <optional>
#include <string>

#include "relay/web/web_door.h"
#include "src/options.h"
#include "transport/address.h"

namespace tandem {

inline constexpr uint16_t kDefaultWebPort = 8022;

// The flags' entries, for a command's flag table.
#define TANDEM_WEB_FLAGS                                                                                     \
  {.name = "web-listen",                                                                                     \
   .value = "ADDR:PORT|off",                                                                                 \
   .help = "where browsers join (default: the SSH address, port\n8022, or any free port if that is taken)"}, \
      {.name = "tls-cert", .value = "FILE", .help = "serve the web port over TLS with this certificate (PEM)"},  \
      {.name = "tls-key", .value = "FILE", .help = "the certificate's private key (PEM)"},                      \
      {.name = "trust-proxy", .help = "behind a reverse proxy: believe its X-Forwarded-For"},                    \
      {.name = "web-url",                                                                                    \
       .value = "URL",                                                                                       \
       .help = "what web links start with, as browsers reach the page\n(behind a proxy: https://share.example.org/)"}

// The web port's options; nullopt in `out` for "off". `listen` is where SSH
// listens: the web port's default is its address, port kDefaultWebPort. `*given`:
// the user named the address (so another port will not do). False with `error`.
bool read_web_options(const Options& args, const transport::Address& listen, std::optional<relay::WebOptions>& out,
                      bool* given, std::string* error);

}  // namespace tandem
