// Where a host's session lives, behind one interface: a relay embedded in this
// process (EmbeddedBackend), a tandem relay elsewhere (RemoteBackend: an SSH
// bootstrap, then UDP state sync that roams and resumes), or a stock tmate relay
// (TmateBackend: tmate 2.4's protocol over SSH).
// make_backend() picks one from the configuration; another kind of relay is one
// more file and one more line there.
#pragma once

#include <event2/event.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proto/bootstrap.h"
#include "relay/web/web_door.h"
#include "src/config.h"
#include "src/host/named_session.h"
#include "statesync/screen/screen_state.h"
#include "transport/address.h"

namespace tandem {

// How the link to a relay elsewhere is doing.
struct LinkHealth {
  uint64_t silent_ms = 0;  // since the relay was last heard
  double srtt_ms = -1;
};

// What a relay tells its host: mates' input and news, and new links when the relay
// forgot the session and a new one had to begin.
struct BackendEvents : HostEvents {
  std::function<void(const Links&)> on_links_changed;
  // A `tandem rotate` whose answer was given up on (RelayBackend::rotate) is done after
  // all: these are the new links.
  std::function<void(const Links&)> on_late_rotation = nullptr;
};

// What `tandem kick` hears back: empty when the mate was removed, else why not in words
// that follow "tandem: cannot " (kRefusedPrefix): "remove alice: it has already left the session".
using KickDone = std::function<void(const std::string& error)>;
// What `tandem rotate` hears back: the new links, or nullopt and why not; an error
// with links is said, not fatal.
using RotateDone = std::function<void(std::optional<Links> links, const std::string& error)>;

class RelayBackend {
 public:
  virtual ~RelayBackend() = default;

  virtual const Links& links() const = 0;
  // "host:port" of a relay elsewhere; empty for an embedded one.
  virtual std::string relay_name() const = 0;
  // The host's screen changed.
  virtual void publish(const screen::ScreenState& screen) = 0;
  virtual std::vector<MateInfo> mates() const = 0;
  // The link to a relay elsewhere; nullopt for an embedded relay.
  virtual std::optional<LinkHealth> health() const = 0;
  // Whether mates' terminals must bound the session's size whatever the host chose
  // (a tmate relay shows mates only what fits their own size).
  virtual bool mates_bound_size() const { return false; }
  // The host is done: every mate is told `message`.
  virtual void end(const std::string& message) = 0;
  // The goodbyes are through (or there is nobody left to tell).
  virtual bool ended() const = 0;

  // The host's say over who is in. `--approve`: admits or refuses the mate waiting
  // with `ticket` (HostEvents::on_approval).
  virtual void answer(uint64_t ticket, bool admit) = 0;
  // `tandem kick`: `mate` (as mates() lists it) is told it was removed and let go.
  // `done` is called once, at once or when a relay elsewhere has confirmed it (or
  // has not, in time).
  virtual void kick(const MateInfo& mate, KickDone done) = 0;
  // `tandem rotate`: new tokens, so the old links admit no one; every mate goes too
  // with `kick_all`. `done` is called once, as for kick().
  virtual void rotate(bool kick_all, RotateDone done) = 0;
};

// What a host asks of its relay.
struct BackendOptions {
  Config config;                    // the relay (relay_host empty: an embedded one)
  transport::Address listen;        // where an embedded relay listens
  std::string public_host;          // the name its links carry; empty: this machine's address
  bool listen_given = false;        // false: another port will do if that one is taken
  std::string udp_override;         // where to send UDP instead (tests, odd networks)
  std::string name;                 // "user@machine", shown in mates' join notices
  bool read_only_only = false;      // no read-write link at all
  std::set<std::string> allowed_keys;  // mates must prove one of these (empty: none asked)
  bool approve = false;                // every mate waits until the host admits it
  Size size{80, 24};                // the host's terminal
  size_t history = screen::kDefaultHistoryLines;  // scrollback lines mates get (late joiners too)
  bool mate_clipboard = false;      // read-write mates' terminals get what the program copies
  const NamedSession* named = nullptr;  // `--name`: the session to take back, and where to keep it
  std::optional<relay::WebOptions> web;  // an embedded relay's web port; none: no web port
};

// The backend the options name; nullptr with `error` (in words) when it cannot start.
std::unique_ptr<RelayBackend> make_backend(event_base* base, const BackendOptions& options, BackendEvents events,
                                           std::string* error);

}  // namespace tandem
