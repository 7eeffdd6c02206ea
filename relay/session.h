// One shared session on a relay: the host's screen, the mates who watch it, and what
// flows from the mates back to the host (read-write keystrokes, comings and goings,
// the smallest read-write terminal).
//
// It knows no sockets and no clock: mates are anything that implements Mate, the
// host is a HostEvents (a host in this process, or a link to one elsewhere), and
// time comes in as arguments. Its guarantees: a read-only mate's input never reaches
// the host; read-only mates never bound the size; a host that falls silent is
// reported to every mate and, after the linger time, the session ends; an ended
// session tells every mate and is finished once they have gone or had a moment.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "proto/bootstrap.h"
#include "relay/mate.h"
#include "statesync/screen/screen_state.h"

namespace tandem::relay {

struct SessionOptions {
  std::string name = "the host";          // join notices say "read-only view of NAME's session"
  bool read_only_only = false;            // no read-write token at all
  std::set<std::string> allowed_keys;     // mates must prove one of these keys (empty: none asked)
  size_t history = screen::kDefaultHistoryLines;  // lines of scrollback kept for mates and late joiners
  bool mate_clipboard = false;  // read-write mates' terminals get what the host's program copies (OSC 52)
  bool approve = false;                           // every mate waits until the host admits it (--approve)
};

// The host's answer to a mate waiting to be admitted (SessionOptions::approve).
enum class Verdict { kAdmitted, kRefused, kTimedOut, kEnded };

// How long a silent host is waited for.
struct HostTimeouts {
  std::chrono::milliseconds lost{7000};  // then mates are told (two heartbeats)
  std::chrono::seconds linger{3600};     // then the session ends
};

inline constexpr uint64_t kGoodbyeGraceMs = 5000;  // an ended session's mates get this long to be told
inline constexpr uint64_t kApprovalTimeoutMs = 120000;  // a mate the host never answers is let go after this
inline constexpr size_t kMaxWaitingMates = 16;          // mates waiting at once; more are refused

class Session {
 public:
  Session(std::string id, std::string rw_token, std::string ro_token, SessionOptions options);
  Session(const Session&) = delete;
  ~Session();

  const std::string& id() const { return id_; }
  const std::string& rw_token() const { return rw_token_; }  // empty: read-only-only
  const std::string& ro_token() const { return ro_token_; }
  // New tokens (`tandem rotate`): the old ones admit no one from now on; the relay
  // re-indexes them. Until the next rotation, the session's own host (its key) may
  // still present the old ones to resume a link lost before it heard of the new ones
  // (previous_tokens(); mates never can).
  void set_tokens(std::string rw_token, std::string ro_token) {
    previous_rw_token_ = std::exchange(rw_token_, std::move(rw_token));
    previous_ro_token_ = std::exchange(ro_token_, std::move(ro_token));
  }
  std::pair<const std::string&, const std::string&> previous_tokens() const {
    return {previous_rw_token_, previous_ro_token_};
  }
  const SessionOptions& options() const { return options_; }
  void set_options(SessionOptions options) { options_ = std::move(options); }
  // The role a token grants here (constant time; kNone for anything else).
  Role role_of(std::string_view token) const;

  // ---- The host's side.
  // The SHA256 fingerprint of the key the host registered with (a remote host).
  const std::string& host_key() const { return host_key_; }
  void set_host_key(std::string key) { host_key_ = std::move(key); }
  // The address the host registered from (a remote host).
  const std::string& host_ip() const { return host_ip_; }
  void set_host_ip(std::string ip) { host_ip_ = std::move(ip); }
  // The name the session's links carry (a remote host: the relay it dialed).
  const std::string& link_host() const { return link_host_; }
  void set_link_host(std::string host) { link_host_ = std::move(host); }
  // How far a remote host's controls (statesync/host_state.h) were carried out: the
  // newest kick serial and rotation done, so none is done twice.
  uint64_t kicks_done() const { return kicks_done_; }
  void set_kicks_done(uint64_t serial) { kicks_done_ = serial; }
  uint64_t rotations() const { return rotations_; }
  void set_rotations(uint64_t n) { rotations_ = n; }
  // Where the mates' input and news go from now on.
  void set_host(HostEvents events) { host_ = std::move(events); }
  // The host's screen changed.
  void publish(const screen::ScreenState& screen);
  // Tells the host something, in words.
  void notify_host(const std::string& text) {
    if (host_.on_notice && !ended_) host_.on_notice(text);
  }
  // The host has been silent for `silent` (zero: heard just now); `wall_ms` is the
  // time of day, for the notice. Mates are told after `t.lost`; after `t.linger` the
  // session ends.
  void check_host(std::chrono::milliseconds silent, uint64_t wall_ms, const HostTimeouts& t, uint64_t now_ms);
  // The session is over: every mate is told `message` and let go.
  void end(const std::string& message, uint64_t now_ms);
  bool ended() const { return ended_; }
  const std::string& end_message() const { return end_message_; }
  // Ended, and every mate has gone or had kGoodbyeGraceMs to be told.
  bool finished(uint64_t now_ms) const;

  // ---- Mates.
  // A mate arrives; it is shown the screen at once. Unannounced mates (a native mate
  // before its first datagram) are neither listed nor told to the host until announce().
  Mate& join(std::unique_ptr<Mate> mate, bool announce_now = true);
  void announce(Mate& mate);
  // The mate has gone: the host is told; the mate is freed at the next collect(), so
  // it may call this from its own callbacks.
  void leave(Mate& mate);
  void collect() { gone_.clear(); }
  // Keystrokes from a mate: only a read-write mate's reach the host.
  void input(const Mate& mate, std::string_view bytes);
  // Whether the host can take more input now: mates stop reading theirs while it
  // cannot (a big paste moves at the host's pace, with bounded memory here).
  bool accepts_input() const { return !host_.has_room || host_.has_room(); }
  // The host can take input again: every mate is told.
  void input_room() {
    for (Entry& e : mates_) e.mate->input_room();
  }
  // A mate's terminal size: read-write mates' bound the session (see mates_size()).
  void resized(const Mate& mate, Size size);

  // The host removes a mate (`tandem kick`): the announced mate that came from
  // `target.who` by `target.via` is told `message` and let go; the host is told it
  // left. False when there is no such mate.
  bool kick(const MateInfo& target, const std::string& message);
  // Every mate is told `message` and let go (`tandem rotate --kick-all`).
  void kick_all(const std::string& message);

  // ---- Admission (SessionOptions::approve).
  bool needs_approval() const { return options_.approve; }
  // `mate` asks to join: the host is asked (HostEvents::on_approval, with a random
  // ticket, so that an answer meant for another relay process admits no one) and `done` is
  // called once, later, with its answer; or kTimedOut from expire_waiting() after
  // kApprovalTimeoutMs; or kEnded when the session ends. Nothing is called after
  // withdraw(). nullopt (and `done` never called) when kMaxWaitingMates already wait.
  std::optional<uint64_t> ask_host(const MateInfo& mate, uint64_t now_ms, std::function<void(Verdict)> done);
  // The waiting mate went away.
  void withdraw(uint64_t ticket);
  // The host's answer; unknown tickets (already gone) are ignored.
  void answer(uint64_t ticket, bool admit);
  void expire_waiting(uint64_t now_ms);
  size_t waiting() const { return waiting_.size(); }

  std::vector<MateInfo> mates() const;  // announced ones
  // Mates (announced or not) that came `via`, of `role` (kNone: any role).
  size_t count(Via via, Role role) const;
  size_t connected_mates() const;
  // Whether a connected mate of `role` has the UDP link `link_id`.
  bool has_link(uint64_t link_id, Role role) const;
  // The relay is stopping: every mate sees `message` over the screen, and those that
  // cannot come back by themselves (plain ssh) are told it and let go. The host is
  // not told (it comes back with the relay, and so do native mates).
  void relay_stopping(const std::string& message);
  // The smallest read-write mate's terminal; nullopt when there is none.
  std::optional<Size> mates_size() const { return mates_size_; }
  // The screen as mates see it (the host's, with a notice over it when the host is
  // lost); nullptr until the host's first frame.
  const screen::ScreenState* shown() const { return has_screen_ ? &shown_ : nullptr; }
  const std::string& host_notice() const { return host_notice_; }

 private:
  struct Entry {
    std::unique_ptr<Mate> mate;
    bool announced = false;
    std::optional<Size> size;  // read-write mates' terminals
    bool removed = false;      // kicked: told, no longer listed, its input ignored, until it goes
  };
  struct Waiting {
    uint64_t ticket;
    uint64_t since_ms;
    std::function<void(Verdict)> done;
  };
  void settle(uint64_t ticket, Verdict verdict);
  Entry* find(const Mate& mate);
  void set_host_notice(std::string text);
  void republish();
  void update_mates_size();

  std::string id_, rw_token_, ro_token_;
  std::string previous_rw_token_, previous_ro_token_;
  SessionOptions options_;
  std::string host_key_, host_ip_, link_host_;
  uint64_t kicks_done_ = 0, rotations_ = 0;
  HostEvents host_;
  std::vector<Entry> mates_;
  std::vector<std::unique_ptr<Mate>> gone_;
  screen::ScreenState screen_ = screen::initial_screen();
  screen::ScreenState shown_ = screen::initial_screen();
  bool has_screen_ = false;
  std::string host_notice_;  // over every mate's view: "host unreachable since ..."
  std::optional<Size> mates_size_;
  bool ended_ = false;
  std::string end_message_;
  uint64_t ended_at_ = 0;
  std::vector<Waiting> waiting_;
};

}  // namespace tandem::relay
