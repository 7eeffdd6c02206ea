// A libevent loop for tests: run until a condition holds, never longer than a bound.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>

#include "transport/udp_socket.h"

namespace tandem::testing {

class EventLoop {
 public:
  EventLoop() : owned_(transport::make_event_base()), base_(owned_.get()) {}
  EventLoop(const EventLoop&) = delete;

  event_base* base() const { return base_; }

  // Runs the loop until `done()` or `limit` passes; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    event* tick = event_new(base_, -1, EV_PERSIST, [](evutil_socket_t, short, void*) {}, nullptr);
    timeval tv{0, 2000};  // wake up often enough to check the condition
    event_add(tick, &tv);
    while (!done() && std::chrono::steady_clock::now() < deadline) event_base_loop(base_, EVLOOP_ONCE);
    event_free(tick);
    return done();
  }
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

 private:
  transport::EventBasePtr owned_;
  event_base* base_;
};

}  // namespace tandem::testing
