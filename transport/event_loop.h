// The event loop's vocabulary, written once: owning handles for libevent's base and
// events, the monotonic clock, and Timer and Watch, which call a std::function (no
// static trampolines, no hand-built timeval in business code).
//
// One loop per process. Callbacks run on it; a Timer or Watch may be destroyed from
// inside its own callback.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace tandem::transport {

struct EventFree {
  void operator()(event* e) const { event_free(e); }
};
using EventPtr = std::unique_ptr<event, EventFree>;

struct EventBaseFree {
  void operator()(event_base* b) const { event_base_free(b); }
};
using EventBasePtr = std::unique_ptr<event_base, EventBaseFree>;

// The process's event loop. Its timers use the precise monotonic clock: libevent's
// default (the coarse clock, 4 ms steps here) would delay every frame by up to that.
EventBasePtr make_event_base();

// Milliseconds on the monotonic clock.
uint64_t now_ms();

// Runs the loop for at most `how_long` (then returns, whatever is pending).
void run_loop_for(event_base* base, std::chrono::milliseconds how_long);

inline timeval to_timeval(std::chrono::milliseconds ms) {
  if (ms.count() < 0) ms = std::chrono::milliseconds(0);
  return timeval{time_t(ms.count() / 1000), suseconds_t((ms.count() % 1000) * 1000)};
}

// Runs a callback after a delay (once), or every period (repeating).
class Timer {
 public:
  Timer(event_base* base, std::function<void()> callback);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Fires once after `delay` (replacing any earlier schedule).
  void start(std::chrono::milliseconds delay);
  // Fires every `period`, the first time one period from now.
  void start_repeating(std::chrono::milliseconds period);
  // Fires once after `delay`, unless already pending (an earlier deadline stays).
  void start_if_idle(std::chrono::milliseconds delay) {
    if (!pending()) start(delay);
  }
  void stop();
  bool pending() const;

 private:
  static void fire(evutil_socket_t, short, void* arg);
  std::function<void()> callback_;
  EventPtr event_;
  event_base* base_;
  bool repeating_ = false;
};

// Calls back when an fd is readable (or writable): persistent until destroyed.
class Watch {
 public:
  enum class For : short { kRead = EV_READ, kWrite = EV_WRITE };
  // Starts watching at once unless `start` is false.
  Watch(event_base* base, int fd, For what, std::function<void()> callback, bool start = true);
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  void enable();
  void disable();
  bool enabled() const;

 private:
  static void fire(evutil_socket_t, short, void* arg);
  std::function<void()> callback_;
  EventPtr event_;
};

// Calls back when a signal arrives (on the loop, not in the handler).
class SignalWatch {
 public:
  SignalWatch(event_base* base, int signal, std::function<void()> callback);
  SignalWatch(const SignalWatch&) = delete;

 private:
  static void fire(evutil_socket_t, short, void* arg);
  std::function<void()> callback_;
  EventPtr event_;
};

}  // namespace tandem::transport
