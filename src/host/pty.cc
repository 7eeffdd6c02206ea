#include "src/host/pty.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tandem {

std::unique_ptr<Pty> Pty::spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, Size size,
                                std::string* error) {
  if (argv.empty()) {
    if (error) *error = "no command to run";
    return nullptr;
  }
  winsize ws{};
  ws.ws_col = size.cols;
  ws.ws_row = size.rows;
  // Report exec failures through a close-on-exec pipe: empty means it started.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    if (error) *error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  transport::UniqueFd report_read(fds[0]), report_write(fds[1]);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  if (pid < 0) {
    if (error) *error = std::string("forkpty: ") + std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    report_read.reset();
    for (const std::string& kv : env) putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    signal(SIGPIPE, SIG_DFL);
    execvp(args[0], args.data());
    int e = errno;
    (void)!::write(report_write.get(), &e, sizeof e);
    _exit(127);
  }
  transport::UniqueFd owned(master);
  report_write.reset();
  int exec_errno = 0;
  const ssize_t n = read(report_read.get(), &exec_errno, sizeof exec_errno);
  if (n == sizeof exec_errno) {
    if (error) *error = "cannot run " + argv[0] + ": " + std::strerror(exec_errno);
    owned.reset();
    waitpid(pid, nullptr, 0);
    return nullptr;
  }
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  fcntl(master, F_SETFD, FD_CLOEXEC);
  return std::unique_ptr<Pty>(new Pty(std::move(owned), pid));
}

Pty::~Pty() {
  fd_.reset();
  if (!reaped_) {
    kill(pid_, SIGHUP);
    waitpid(pid_, nullptr, 0);
  }
}

void Pty::resize(Size size) {
  winsize ws{};
  ws.ws_col = size.cols;
  ws.ws_row = size.rows;
  ioctl(fd_.get(), TIOCSWINSZ, &ws);
}

void Pty::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(size_t(n));
    } else if (n < 0 && errno == EAGAIN) {
      pollfd p{fd_.get(), POLLOUT, 0};
      if (poll(&p, 1, 1000) <= 0) return;  // the program stopped reading: drop the rest
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return;
    }
  }
}

int Pty::reap(bool block) {
  if (reaped_) return -1;
  int status = 0;
  if (waitpid(pid_, &status, block ? 0 : WNOHANG) == pid_) {
    reaped_ = true;
    return status;
  }
  return -1;
}

}  // namespace tandem
