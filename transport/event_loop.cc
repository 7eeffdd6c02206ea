#include "transport/event_loop.h"

#include <time.h>

namespace tandem::transport {

EventBasePtr make_event_base() {
  event_config* config = event_config_new();
  event_config_set_flag(config, EVENT_BASE_FLAG_PRECISE_TIMER);
  EventBasePtr base(event_base_new_with_config(config));
  event_config_free(config);
  return base;
}

uint64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

void run_loop_for(event_base* base, std::chrono::milliseconds how_long) {
  const timeval tv = to_timeval(how_long);
  event_base_loopexit(base, &tv);
  event_base_dispatch(base);
}

Timer::Timer(event_base* base, std::function<void()> callback) : callback_(std::move(callback)), base_(base) {
  event_.reset(event_new(base, -1, 0, fire, this));
}

void Timer::start(std::chrono::milliseconds delay) {
  if (repeating_) {
    event_.reset(event_new(base_, -1, 0, fire, this));
    repeating_ = false;
  }
  timeval tv = to_timeval(delay);
  event_add(event_.get(), &tv);
}

void Timer::start_repeating(std::chrono::milliseconds period) {
  event_.reset(event_new(base_, -1, EV_PERSIST, fire, this));
  repeating_ = true;
  timeval tv = to_timeval(period);
  event_add(event_.get(), &tv);
}

void Timer::stop() { event_del(event_.get()); }

bool Timer::pending() const { return event_pending(event_.get(), EV_TIMEOUT, nullptr) != 0; }

void Timer::fire(evutil_socket_t, short, void* arg) {
  // The callback may destroy the timer: copy nothing of it after the call.
  static_cast<Timer*>(arg)->callback_();
}

Watch::Watch(event_base* base, int fd, For what, std::function<void()> callback, bool start)
    : callback_(std::move(callback)) {
  event_.reset(event_new(base, fd, short(short(what) | EV_PERSIST), fire, this));
  if (start) enable();
}

void Watch::enable() { event_add(event_.get(), nullptr); }
void Watch::disable() { event_del(event_.get()); }
bool Watch::enabled() const { return event_pending(event_.get(), EV_READ | EV_WRITE, nullptr) != 0; }

void Watch::fire(evutil_socket_t, short, void* arg) { static_cast<Watch*>(arg)->callback_(); }

SignalWatch::SignalWatch(event_base* base, int signal, std::function<void()> callback) : callback_(std::move(callback)) {
  event_.reset(evsignal_new(base, signal, fire, this));
  event_add(event_.get(), nullptr);
}

void SignalWatch::fire(evutil_socket_t, short, void* arg) { static_cast<SignalWatch*>(arg)->callback_(); }

}  // namespace tandem::transport
