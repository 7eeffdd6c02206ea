// A mate of a session on the relay, of whatever kind: plain ssh, native (`tandem
// join`), later a browser or a recorder. The session shows it the screen, tells it
// when the session is over, and asks who it is; the mate brings its input and size
// to the session (Session::input, Session::resized) and leaves through it.
#pragma once

#include <string>

#include "proto/bootstrap.h"
#include "statesync/screen/screen_state.h"

namespace tandem::relay {

class Mate {
 public:
  virtual ~Mate() = default;

  // The session's screen changed: draw it when the mate can take it (a slow mate gets
  // fewer, fresher frames; it is never owed every one).
  virtual void show(const screen::ScreenState& screen) = 0;
  // The session is over: tell the mate `message`, then let it go.
  virtual void end(const std::string& message) = 0;
  // The host removed this mate (`tandem kick`): tell it `message`, then let it go.
  virtual void remove(const std::string& message) { end(message); }
  virtual MateInfo info() const = 0;
  // Its role alone (asked on every keystroke: cheaper than info()).
  virtual Role role() const { return info().role; }
  // Still there to be told things (an ended session waits a moment for these).
  virtual bool connected() const = 0;
  // The host can take input again (after Session::accepts_input() said no).
  virtual void input_room() {}
  // Whether this mate is reached over the UDP link `link_id` (a native mate asking
  // again after a silence is told to keep it).
  virtual bool has_link(uint64_t) const { return false; }
  // The relay is stopping (a restart, most likely): a mate that cannot come back by
  // itself is told `message` and let go; one that can (native) is left to do so.
  virtual void relay_stopping(const std::string&) {}
};

}  // namespace tandem::relay
