// A program running on a pseudo-terminal: the master side, owned.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "proto/size.h"
#include "transport/fd.h"

namespace tandem {

class Pty {
 public:
  // Starts argv[0] (found on PATH) with `env` added to ours, on a new PTY of the
  // given size. nullptr with `error` set when it cannot.
  static std::unique_ptr<Pty> spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                    Size size, std::string* error);
  ~Pty();
  Pty(const Pty&) = delete;

  int fd() const { return fd_.get(); }
  pid_t pid() const { return pid_; }
  void resize(Size size);
  // Writes all of `bytes` (the PTY is non-blocking; a full buffer is waited out).
  void write(std::string_view bytes);
  // Reaps the child: its wait status, or -1 if it has not exited (when not blocking)
  // or was reaped already.
  int reap(bool block);

 private:
  Pty(transport::UniqueFd fd, pid_t pid) : fd_(std::move(fd)), pid_(pid) {}
  transport::UniqueFd fd_;
  pid_t pid_;
  bool reaped_ = false;
};

}  // namespace tandem
