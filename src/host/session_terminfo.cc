#include "src/host/session_terminfo.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "relay/state_dir.h"

extern char** environ;

namespace tandem {
namespace {

// The entry's source; the directory's name changes with it, so an older one is not used.
constexpr const char* kVersion = "terminfo-1";
constexpr const char* kSource =
    "xterm-256color|xterm with 256 colours and what tandem's emulator adds,\n"
    "\tTc, Smulx=\\E[4:%p1%dm,\n"
    "\tSetulc=\\E[58:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m,\n"
    "\tuse=xterm-256color,\n";

std::string cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/tandem";
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.cache/tandem" : std::string();
}

// Runs tic quietly; whether it compiled.
bool compile(const std::string& source, const std::string& dir) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string tic = "tic", x = "-x", o = "-o", out = dir, in = source;
  char* argv[] = {tic.data(), x.data(), o.data(), out.data(), in.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "tic", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::vector<std::string> session_terminfo_env() {
  const std::string base = cache_dir();
  if (base.empty()) return {};
  const std::string dir = base + "/" + kVersion;
  if (access((dir + "/x/xterm-256color").c_str(), R_OK) != 0) {
    if (!relay::make_private_dir(dir)) return {};
    const std::string source = dir + "/xterm-256color.src";
    std::ofstream(source) << kSource;
    const bool ok = compile(source, dir);
    unlink(source.c_str());
    if (!ok || access((dir + "/x/xterm-256color").c_str(), R_OK) != 0) return {};
  }
  // An empty entry stands for the system's directories.
  const char* more = std::getenv("TERMINFO_DIRS");
  return {"TERMINFO_DIRS=" + dir + ":" + (more ? more : "")};
}

}  // namespace tandem
