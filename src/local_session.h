// The host's own view of its session: the program's PTY output goes through our
// emulator, and the user's terminal is drawn from the framebuffer by the display
// (so notices can later be overlaid without corrupting the program's screen). The
// user's keystrokes go to the PTY; a resize reaches both.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <string>

#include "src/local_terminal.h"
#include "src/pty.h"
#include "src/screen_view.h"
#include "statesync/screen/display.h"
#include "statesync/screen/terminal.h"
#include "transport/udp_socket.h"

namespace tandem {

class LocalSession {
 public:
  LocalSession(event_base* base, LocalTerminal& tty, std::unique_ptr<Pty> pty, int cols, int rows);
  ~LocalSession();

  // Runs until the program's side of the PTY closes; returns its wait status (or -1).
  int run();
  const screen::ScreenState& screen() const { return terminal_.state(); }

  // Called with the program's screen after each change is drawn (for mates).
  void set_on_frame(std::function<void(const screen::ScreenState&)> cb) { on_frame_ = std::move(cb); }
  // Input from elsewhere (a read-write mate), to the program.
  void type(std::string_view bytes) { pty_->write(bytes); }
  // The session may be no larger than this (read-write mates' smaller terminals);
  // nullopt: the host's own terminal decides alone.
  void set_size_limit(std::optional<std::pair<int, int>> cols_rows);
  // A one-line notice over the bottom row of our own view (never the mates'), for a
  // while, or until the user's next keystroke.
  void show_notice(const std::string& text, std::chrono::milliseconds how_long);

 private:
  void read_pty();
  void read_stdin();
  void resized();
  void apply_size();
  void schedule_draw();
  void draw();
  void finish();

  static void on_pty(evutil_socket_t, short, void* arg);
  static void on_stdin(evutil_socket_t, short, void* arg);
  static void on_winch(evutil_socket_t, short, void* arg);
  static void on_draw(evutil_socket_t, short, void* arg);
  static void on_quit_signal(evutil_socket_t, short, void* arg);

  event_base* base_;
  LocalTerminal& tty_;
  std::unique_ptr<Pty> pty_;
  screen::Terminal terminal_;
  ScreenView view_;
  transport::EventPtr pty_event_, stdin_event_, winch_event_, draw_event_, term_event_, hup_event_, notice_event_;
  std::function<void(const screen::ScreenState&)> on_frame_;
  static void on_notice_expired(evutil_socket_t, short, void* arg);
  uint64_t last_draw_ms_ = 0;
  std::optional<std::pair<int, int>> size_limit_;
  int status_ = -1;
  std::string buffer_;
};

}  // namespace tandem
