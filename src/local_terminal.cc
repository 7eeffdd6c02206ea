#include "src/local_terminal.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "statesync/screen/terminal_type.h"

namespace tandem {
namespace {

// Restores for a signal handler: only async-signal-safe calls, from fixed buffers.
termios g_saved;
bool g_active = false;
char g_leave[512];
size_t g_leave_len = 0;

void restore_raw() {
  if (!g_active) return;
  ssize_t ignored = ::write(STDOUT_FILENO, g_leave, g_leave_len);
  (void)ignored;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
  g_active = false;
}

void on_fatal_signal(int sig) {
  restore_raw();
  signal(sig, SIG_DFL);
  raise(sig);
}

// Every mode a session can turn on in the user's terminal, turned off again, with the
// cursor kept where the session left it (resetting the margins would home it), so
// that what is printed next follows the session's last lines.
constexpr const char* kResetModes =
    "\x1b" "7"  // DECSC
    "\x1b[?1l\x1b>\x1b[?2004l\x1b[?9l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1004l\x1b[?1005l\x1b[?1006l"
    "\x1b[?1015l\x1b[?5l\x1b[?12l\x1b[0 q\x1b[r\x1b[?25h"
    "\x1b" "8\x1b[m"  // DECRC, then the default pen
    // Back to the normal screen if a full-screen program left us on the alternate one
    // (1047, not 1049: no saved cursor to jump to).
    "\x1b[?1047l";

}  // namespace

bool LocalTerminal::open(std::string* error) {
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    if (error) *error = "stdin and stdout must be a terminal";
    return false;
  }
  std::string leave = kResetModes;
  const char* term = std::getenv("TERM");
  const char* colorterm = std::getenv("COLORTERM");
  options_ = screen::options_for_terminal(term ? term : "", colorterm ? colorterm : "");
  // The user's own terminal: what the program copies reaches its clipboard, and it
  // learns where the program is. (A native mate gets a copy only if the host allowed
  // mates' clipboards, and never the directory: the relay strips them.)
  options_.clipboard = true;
  options_.cwd = true;
  if (tcgetattr(STDIN_FILENO, &saved_) != 0) {
    if (error) *error = std::string("tcgetattr: ") + std::strerror(errno);
    return false;
  }
  g_saved = saved_;
  g_leave_len = std::min(leave.size(), sizeof g_leave);
  std::memcpy(g_leave, leave.data(), g_leave_len);
  termios raw = saved_;
  cfmakeraw(&raw);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
  active_ = g_active = true;
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) signal(sig, on_fatal_signal);
  return true;
}

Size LocalTerminal::size() const {
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    return Size{uint16_t(std::min<int>(ws.ws_col, kMaxDimension)), uint16_t(std::min<int>(ws.ws_row, kMaxDimension))};
  }
  return Size{80, 24};
}

void LocalTerminal::write(std::string_view bytes) const {
  while (!bytes.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(size_t(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return;
    }
  }
}

void LocalTerminal::restore() {
  if (!active_) return;
  active_ = false;
  restore_raw();
}

}  // namespace tandem
