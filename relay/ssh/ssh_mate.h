// A plain-ssh mate: its terminal is drawn from the session's screen with the display
// (frame diffs, never a replay of the byte stream), within the channel's window, so
// a slow mate gets fewer, fresher frames and never holds up the others. For its
// first seconds a notice says whose session it is in and in which role.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "relay/mate_terminal.h"
#include "relay/mate.h"
#include "relay/session.h"
#include "relay/ssh/listener.h"
#include "statesync/screen/display.h"
#include "statesync/screen/viewport.h"
#include "transport/event_loop.h"

namespace tandem::relay {

// What a plain-ssh mate is told of its view of the session: "tandem: read-write; view
// 80x24 of 120x40 follows the cursor" while it shows only part of it, else nothing.
std::string view_notice(Role role, const screen::Viewport& viewport);
// The notice on after the view's words went from `was` to `now`: the new words if
// any; else the words of the old view go too (a --size smallest session shrank to
// the view: there is nothing partial to say), and any other notice stays.
std::string next_notice(const std::string& notice, const std::string& was, const std::string& now);

class SshMate : public Mate {
 public:
  SshMate(event_base* base, ssh::Connection& connection, Session& session, Role role);
  ~SshMate() override;

  void show(const screen::ScreenState& screen) override;
  void end(const std::string& message) override;
  // Removed by the host: told, then let go with exit status 1, as a refusal is.
  void remove(const std::string& message) override;
  MateInfo info() const override {
    return MateInfo{.who = who_, .role = role_, .via = Via::kSsh, .name = name_, .key = key_};
  }
  // How the host is told of this mate: the key it proved (fingerprint, short form).
  void set_identity(std::string name, std::string key) {
    name_ = std::move(name);
    key_ = std::move(key);
  }
  // A read-only mate typed: its keys go nowhere, and it is told so now and then.
  void typed_read_only();
  Role role() const override { return role_; }
  bool connected() const override;
  void input_room() override;
  // A plain-ssh mate cannot come back by itself: it is told why it is dropped.
  void relay_stopping(const std::string& message) override { end(message); }

  // The mate's terminal changed size: draw afresh at the new size.
  void resized();
  // The channel took everything: draw the frame that was held back, if any.
  void drained();
  // The connection is going: this mate no longer draws (the session lets it go).
  void detach() { connection_ = nullptr; }
  // Called when the session frees this mate first (its connection is then closed).
  void set_on_destroy(std::function<void()> cb) { on_destroy_ = std::move(cb); }

 private:
  void render();
  void say_goodbye(const std::string& message, int exit_status);

  ssh::Connection* connection_;
  Session& session_;
  Role role_;
  std::string who_;
  std::string name_, key_;
  uint64_t read_only_told_ms_ = 0;
  MateTerminal terminal_;
  screen::Viewport viewport_;
  std::string view_text_;                     // what the view was last said to be (view_notice)
  bool dirty_ = false;                        // a frame waits for the channel to drain
  std::string notice_;                        // over the bottom row, for a while
  transport::Timer notice_timer_;
  transport::Timer redraw_;  // after a resize, at its pace
  transport::Timer unread_;  // keys held back while the host was full: read on the loop
  std::function<void()> on_destroy_;
};

}  // namespace tandem::relay
