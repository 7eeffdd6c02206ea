// The host's end of a session: the program runs on a PTY through tandem's emulator,
// is drawn on the user's terminal (frames, paced), and each new screen is published
// to the relay backend. Read-write mates' keys reach the PTY; with SizePolicy::
// kSmallest their terminals bound the session's size (read-only ones never do).
//
// Notices go on the host's own view only, never the shared screen: the links at
// start, every mate coming and going (by name, or key, or address; up to three at
// once, off the cursor's row), new links, a relay that has gone quiet. So do
// panels, until the next key: Ctrl-^ then l shows every link, Ctrl-^ then q a link's
// QR code (also shown at start with --qr); Ctrl-^ twice types one Ctrl-^. With
// --approve, a mate asking to join is a prompt of its own (Ctrl-^ then y admits,
// Ctrl-^ then n refuses; others wait their turn); other keys still go to the
// program, so ordinary typing never answers it. The
// session also answers `tandem status`, `tandem links`, `tandem wait-ready`, `tandem
// kick` and `tandem rotate` over $TANDEM_SOCKET, leaving the read-write links out
// unless they are asked for.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/host/control_socket.h"
#include "src/host/host_keys.h"
#include "src/host/panel.h"
#include "src/host/pty.h"
#include "src/host/relay_backend.h"
#include "src/host/session_status.h"
#include "src/local_terminal.h"
#include "src/notice_stack.h"
#include "src/screen_view.h"
#include "statesync/screen/terminal.h"
#include "transport/event_loop.h"

namespace tandem {

struct HostOptions {
  SizePolicy size = SizePolicy::kHost;
  std::string links_file;  // the links are also written here (0600)
  bool code_read_write = false;  // the QR code holds the read-write link (--qr=rw), not the read-only one
  bool code_at_start = false;    // --qr: show the QR code until the first key
};

class HostSession {
 public:
  HostSession(event_base* base, LocalTerminal& tty, HostOptions options);
  ~HostSession();

  // Where the relay backend's news go.
  BackendEvents events();
  // Shows and writes the backend's links, opens $TANDEM_SOCKET and starts `command`
  // on a PTY with the session's environment; false with `error`.
  bool start(RelayBackend& backend, const std::vector<std::string>& command, std::string* error);
  // Runs until the program's side of the PTY closes (or SIGTERM, SIGHUP); its wait
  // status, or -1.
  int run();

 private:
  void read_pty();
  void read_stdin();
  void resized();
  void apply_size();
  void draw();
  void finish();
  void show_notice(const std::string& text, std::chrono::milliseconds how_long, std::string kind = {});
  // `forms`: one notice, longest first; the longest that fits the terminal is shown.
  void show_notice(std::vector<std::string> forms, std::chrono::milliseconds how_long, std::string kind);
  void update_notices();
  void act(const ControlRequest& request, ControlSocket::Reply reply);
  // New links from `tandem rotate`: kept, shown to the host alone, and its text.
  std::string rotated(const Links& links, bool kick_all, const std::string& remark);
  void check_relay();
  void set_links(const Links& links);
  std::string answer(const ControlRequest& request) const;
  // What the host's keys do: a panel shown is closed by the next key (not typed);
  // Ctrl-^ then a letter is a command to tandem (y or n answers the --approve
  // prompt). The rest goes to the program, prompt or not.
  std::string host_keys(std::string_view bytes);
  enum class Showing { kNothing, kLinks, kCode, kApproval };
  void show(Showing what);

  event_base* base_;
  LocalTerminal& tty_;
  HostOptions options_;
  RelayBackend* backend_ = nullptr;
  std::unique_ptr<Pty> pty_;
  screen::Terminal terminal_;
  ScreenView view_;
  FramePacer pacer_;
  SessionStatus links_;  // the fixed part of `tandem status`
  std::unique_ptr<ControlSocket> control_;
  std::unique_ptr<transport::Watch> pty_watch_, stdin_watch_;
  transport::SignalWatch winch_, term_, hup_;
  transport::Timer notice_timer_, relay_timer_;
  std::optional<Size> size_limit_;
  std::optional<Size> mates_size_;  // the smallest read-write mate's, as the relay last said
  // Whether mates' terminals bound the session: --size smallest, or a relay whose
  // mates cannot see past their own size (tmate's).
  bool bounded_by_mates() const {
    return options_.size == SizePolicy::kSmallest || (backend_ && backend_->mates_bound_size());
  }
  int status_ = -1;
  std::string buffer_;
  HostKeys keys_;
  Showing showing_ = Showing::kNothing;
  Panel panel_;
  NoticeStack notices_;
  struct Asking {
    uint64_t ticket;
    MateInfo mate;
  };
  std::vector<Asking> asking_;  // mates waiting to be admitted (--approve), oldest first
};

// A wait status in words ("[tandem: session ended; bash exited with status 0]"), and
// as the exit code tandem itself returns.
std::string ended_message(int status, const std::string& program);
int exit_code(int status);
// Ends the session on `backend` with `message`, and gives the goodbyes up to a
// second to get through.
void say_goodbye(event_base* base, RelayBackend& backend, const std::string& message);

}  // namespace tandem
