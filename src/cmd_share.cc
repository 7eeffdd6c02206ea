// `tandem [share] [-- CMD ARGS...]`: runs $SHELL (or CMD) in a session.
//
// For now the session is the host's own view: the program runs on a PTY, through
// tandem's emulator, and is drawn on this terminal by the display. Sharing it
// through a relay is the next step.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "src/commands.h"
#include "src/local_session.h"

namespace tandem {

int cmd_share(const Args& args) {
  std::vector<std::string> command;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      command.assign(args.begin() + long(i) + 1, args.end());
      break;
    }
    std::fprintf(stderr, "tandem: unknown option '%s' (a command goes after --)\n", args[i].c_str());
    return 2;
  }
  if (const char* nested = std::getenv("TANDEM"); nested && *nested) {
    std::fprintf(stderr, "tandem: already inside a tandem session (TANDEM is set); unset TANDEM to nest anyway\n");
    return 1;
  }
  if (command.empty()) {
    const char* shell = std::getenv("SHELL");
    command.push_back(shell && *shell ? shell : "/bin/sh");
  }

  LocalTerminal tty;
  int cols, rows;
  tty.size(cols, rows);
  std::string error;
  std::unique_ptr<Pty> pty = Pty::spawn(command, {"TERM=xterm-256color", "TANDEM=1"}, cols, rows, &error);
  if (!pty) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  if (!tty.open(&error)) {
    std::fprintf(stderr, "tandem: %s\n", error.c_str());
    return 1;
  }
  transport::EventBasePtr base = transport::make_event_base();
  int status;
  {
    LocalSession session(base.get(), tty, std::move(pty), cols, rows);
    status = session.run();
  }
  tty.restore();
  if (status >= 0 && WIFEXITED(status)) {
    std::printf("[tandem: session ended; %s exited with status %d]\n", command[0].c_str(), WEXITSTATUS(status));
    return WEXITSTATUS(status);
  }
  if (status >= 0 && WIFSIGNALED(status)) {
    std::printf("[tandem: session ended; %s was killed by signal %d]\n", command[0].c_str(), WTERMSIG(status));
    return 128 + WTERMSIG(status);
  }
  std::printf("[tandem: session ended]\n");
  return 0;
}

}  // namespace tandem
