// Native mates (`tandem join`): each gets its own encrypted UDP link, handed over by
// the SSH bootstrap, and a sync connection that sends it the session's screen and
// brings back its input. Mates roam and survive silence; only a shutdown handshake
// (the mate leaving, or the session ending) removes one.
#pragma once

#include <event2/event.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "relay/ssh_server.h"
#include "statesync/input_state.h"
#include "statesync/sync_connection.h"

namespace tandem::relay {

inline constexpr uint32_t kBootstrapVersion = 1;

class NativeMates {
 public:
  // Mates' links live on `endpoint`, which outlives this.
  NativeMates(event_base* base, transport::ServerEndpoint& endpoint);
  ~NativeMates();

  uint16_t port() const { return endpoint_.local_address().port(); }
  // Callbacks as for plain-ssh mates.
  void set_on_input(std::function<void(std::string_view)> cb) { on_input_ = std::move(cb); }
  void set_on_mate(std::function<void(const std::string&, Role, bool)> cb) { on_mate_ = std::move(cb); }
  void set_on_mate_size(std::function<void(const std::string&, Role, int, int)> cb) { on_mate_size_ = std::move(cb); }

  // Makes a link for a new mate; returns the length-prefixed JoinAccept to send it.
  std::string admit(Role role, const std::string& who, const std::string& session_name);
  void publish(const screen::ScreenState& screen);
  // Says goodbye to every mate (the shutdown handshake).
  void end_session();
  size_t open_mates() const;
  size_t size() const { return mates_.size(); }
  std::vector<MateInfo> mate_list() const;

 private:
  struct Mate;
  void consume(Mate& m);
  void sweep();
  static void on_sweep(evutil_socket_t, short, void* arg);

  event_base* base_;
  transport::ServerEndpoint& endpoint_;
  std::map<uint64_t, std::unique_ptr<Mate>> mates_;
  std::function<void(std::string_view)> on_input_;
  std::function<void(const std::string&, Role, bool)> on_mate_;
  std::function<void(const std::string&, Role, int, int)> on_mate_size_;
  screen::ScreenState latest_;
  transport::EventPtr sweep_event_;
};

// The screen every sync connection starts from, on both ends.
inline screen::ScreenState initial_screen() { return screen::ScreenState(80, 24, 0); }

}  // namespace tandem::relay
