#include "relay/host_link.h"

namespace tandem::relay {

HostLink::HostLink(event_base* base, transport::ServerEndpoint& endpoint, Session& session,
                   statesync::InputState pending, Rotate rotate)
    : session_(session),
      rotate_(std::move(rotate)),
      link_(base, endpoint, statesync::InputState(),
            statesync::HostState<screen::ScreenState>{screen::initial_screen(session.options().history), {}},
            statesync::kInputSendDelayMs),
      flow_(link_.sync()) {
  for (uint64_t seq = pending.begin(); seq < pending.end(); ++seq) flow_.push(pending.at(seq));
  link_.sync().set_on_acked([this] {
    const bool was_full = !flow_.has_room();
    flow_.pump();
    if (was_full && flow_.has_room()) session_.input_room();
  });
  link_.sync().set_on_incoming([this] {
    const auto& in = link_.sync().incoming();
    if (in.controls != obeyed_) {
      obeyed_ = in.controls;
      obey(in.controls);
    }
    changed_ms_ = transport::now_ms();
    // History behind the chunk lines are appended to is packed as it comes: a flood's
    // (which hosts and mates send once it pauses) never stands in rows for long, and
    // the memory rows took goes back to be used again at once.
    screen::ScreenState& screen = link_.sync().incoming_mutable().screen;
    screen.scrollback.pack(false);
    session_.publish(screen);
  });
  link_.sync().set_on_status([this](statesync::SyncStatus) {
    if (on_status_) on_status_();
  });
  // What the host needs to know now: who is here, and how small they are.
  for (const MateInfo& m : session_.mates()) push(statesync::MateEvent{true, m.role, m.via, m.who, m.name, m.key});
  if (session_.mates_size()) push(statesync::MatesSize{session_.mates_size()});
  session_.set_host(HostEvents{
      [this](std::string_view bytes) { push(statesync::Keys{std::string(bytes)}); },
      [this](const MateInfo& m, bool joined) {
        push(statesync::MateEvent{joined, m.role, m.via, m.who, m.name, m.key});
      },
      [this](std::optional<Size> size) { push(statesync::MatesSize{size}); },
      [this](const std::string& text) { push(statesync::RelayNotice{text}); },
      [this] { return flow_.has_room(); },
      [this](uint64_t ticket, const MateInfo& m) {
        push(statesync::Approval{ticket, false, statesync::MateEvent{false, m.role, m.via, m.who, m.name, m.key}});
      },
      [this](uint64_t ticket) {
        push(statesync::Approval{ticket, true});
      },
  });
  // Mates held back while an earlier link of this host was full may go on.
  if (flow_.has_room()) session_.input_room();
}

HostLink::~HostLink() { session_.set_host({}); }

statesync::InputState HostLink::undelivered() const {
  const statesync::InputState& out = link_.sync().outgoing();
  statesync::InputState copy;
  for (uint64_t seq = out.begin(); seq < out.end(); ++seq) copy.push(out.at(seq));
  flow_.append_to(copy);
  return copy;
}

void HostLink::push(statesync::InputEvent event) {
  if (const auto* keys = std::get_if<statesync::Keys>(&event)) {
    flow_.push_keys(keys->bytes);
  } else {
    flow_.push(std::move(event));
  }
}

// Idempotent: answers for tickets no longer waiting are ignored, and kicks and
// rotations the session has done already (on this link or an earlier one) are not
// done again.
void HostLink::obey(const statesync::HostControls& c) {
  for (const statesync::Decision& d : c.decisions) session_.answer(d.ticket, d.admit);
  for (const statesync::Kick& k : c.kicks) {
    if (k.serial <= session_.kicks_done()) continue;
    session_.set_kicks_done(k.serial);
    const bool found =
        session_.kick(MateInfo{.who = k.who, .via = k.via}, std::string("[tandem: ") + kHostRemoved + "]");
    push(statesync::KickDone{k.serial, found});
  }
  if (c.rotation > session_.rotations() && rotate_) {
    session_.set_rotations(c.rotation);
    statesync::NewTokens t = rotate_(session_, c.rotation_kicks_all);
    t.rotation = c.rotation;
    push(std::move(t));
  }
}

bool HostLink::pack_history(uint64_t now_ms) {
  if (now_ms - changed_ms_ < kPackAfterMs) return false;
  screen::ScreenState& screen = link_.sync().incoming_mutable().screen;
  if (!screen.scrollback.pack()) return false;
  session_.publish(screen);
  return true;
}

}  // namespace tandem::relay
