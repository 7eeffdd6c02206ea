// One blocking call (an SSH bootstrap: libssh's client blocks) kept off the event
// loop: it runs on a short-lived thread of its own, and its result is handed back on
// the loop. The thread shares only `State` with us, so it may outlive the task (a
// task destroyed early is simply never reported); the loop hears of the end through
// a pipe, one byte.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <thread>

#include "transport/event_loop.h"
#include "transport/fd.h"

namespace tandem {

template <class Result>
class BlockingTask {
 public:
  // Runs `work` on a thread, then `done(result)` on the loop of `base`; nullptr if no
  // pipe can be made (then nothing runs).
  static std::unique_ptr<BlockingTask> start(event_base* base, std::function<Result()> work,
                                             std::function<void(Result)> done) {
    auto state = std::make_shared<State>();
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return nullptr;
    state->done_read.reset(fds[0]);
    state->done_write.reset(fds[1]);
    std::unique_ptr<BlockingTask> task(new BlockingTask(state, std::move(done)));
    BlockingTask* raw = task.get();
    task->watch_ = std::make_unique<transport::Watch>(base, state->done_read.get(), transport::Watch::For::kRead,
                                                      [raw] { raw->finished(); });
    std::thread([state, work = std::move(work)] {
      state->result = work();
      char one = 1;
      (void)!write(state->done_write.get(), &one, 1);
    }).detach();
    return task;
  }

  BlockingTask(const BlockingTask&) = delete;

 private:
  struct State {
    transport::UniqueFd done_read, done_write;
    Result result{};
  };
  BlockingTask(std::shared_ptr<State> state, std::function<void(Result)> done)
      : state_(std::move(state)), done_(std::move(done)) {}

  void finished() {
    // Only the thread's byte means it is done (a readable event on a reused fd number
    // can come from a file the loop watched before).
    char byte;
    if (read(state_->done_read.get(), &byte, 1) != 1) return;
    watch_->disable();
    // `done` may destroy this task: nothing of it is touched afterwards.
    std::function<void(Result)> done = std::move(done_);
    std::shared_ptr<State> state = std::move(state_);
    done(std::move(state->result));
  }

  std::shared_ptr<State> state_;
  std::function<void(Result)> done_;
  std::unique_ptr<transport::Watch> watch_;
};

}  // namespace tandem
