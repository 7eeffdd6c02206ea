// netsim as a command: an impairment proxy between a UDP client and server on
// loopback, for trying tandem (or mosh) by hand on a bad network.
#include <event2/event.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/netsim/netsim.h"

using namespace tandem;

namespace {

const char* kUsage =
    "usage: netsim --listen ADDR:PORT --server ADDR:PORT [--delay MS] [--jitter MS] [--loss P]\n"
    "              [--duplicate P] [--reorder P] [--rate BITS_PER_S] [--seed N] [--seconds N]\n"
    "              [--blackout-ms MS]\n"
    "Impairments apply to both directions. Loopback addresses only.\n"
    "SIGUSR1 roams (a new address towards the server); SIGUSR2 blacks out (3 s, or --blackout-ms).\n";

void stop(evutil_socket_t, short, void* base) { event_base_loopbreak(static_cast<event_base*>(base)); }
void roam(evutil_socket_t, short, void* sim) {
  static_cast<netsim::Netsim*>(sim)->roam();
  std::printf("netsim: now %s towards the server\n", static_cast<netsim::Netsim*>(sim)->server_facing_address().to_string().c_str());
  std::fflush(stdout);
}
int blackout_ms = 3000;
void blackout(evutil_socket_t, short, void* sim) {
  static_cast<netsim::Netsim*>(sim)->blackout(std::chrono::milliseconds(blackout_ms));
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<transport::Address> listen, server;
  netsim::Impairment imp;
  uint64_t seed = 1;
  int seconds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!v) {
      std::fputs(kUsage, stderr);
      return 2;
    }
    ++i;
    if (a == "--listen") {
      listen = transport::Address::parse(v);
    } else if (a == "--server") {
      server = transport::Address::parse(v);
    } else if (a == "--delay") {
      imp.delay = std::chrono::milliseconds(std::atoi(v));
    } else if (a == "--jitter") {
      imp.jitter = std::chrono::milliseconds(std::atoi(v));
    } else if (a == "--loss") {
      imp.loss = std::atof(v);
    } else if (a == "--duplicate") {
      imp.duplicate = std::atof(v);
    } else if (a == "--reorder") {
      imp.reorder = std::atof(v);
    } else if (a == "--rate") {
      imp.bits_per_second = std::strtoull(v, nullptr, 10);
    } else if (a == "--seed") {
      seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--seconds") {
      seconds = std::atoi(v);
    } else if (a == "--blackout-ms") {
      blackout_ms = std::atoi(v);
    } else {
      std::fprintf(stderr, "netsim: unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (!listen || !server) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  transport::EventBasePtr owned_base = transport::make_event_base();
  event_base* base = owned_base.get();
  std::string error;
  auto sim = netsim::Netsim::open(base, *listen, *server, seed, &error);
  if (!sim) {
    std::fprintf(stderr, "netsim: %s\n", error.c_str());
    return 1;
  }
  sim->set_both(imp);
  std::printf("netsim: %s -> %s\n", sim->address().to_string().c_str(), server->to_string().c_str());
  std::fflush(stdout);
  event* sigint = evsignal_new(base, SIGINT, stop, base);
  event* sigterm = evsignal_new(base, SIGTERM, stop, base);
  event* sigusr1 = evsignal_new(base, SIGUSR1, roam, sim.get());
  event* sigusr2 = evsignal_new(base, SIGUSR2, blackout, sim.get());
  event_add(sigint, nullptr);
  event_add(sigterm, nullptr);
  event_add(sigusr1, nullptr);
  event_add(sigusr2, nullptr);
  event* timeout = evtimer_new(base, stop, base);
  if (seconds > 0) {
    timeval tv{seconds, 0};
    evtimer_add(timeout, &tv);
  }
  event_base_dispatch(base);
  std::printf("netsim: up %llu in, %llu delivered, %llu lost; down %llu in, %llu delivered, %llu lost\n",
              (unsigned long long)sim->upstream().datagrams, (unsigned long long)sim->upstream().delivered,
              (unsigned long long)sim->upstream().lost, (unsigned long long)sim->downstream().datagrams,
              (unsigned long long)sim->downstream().delivered, (unsigned long long)sim->downstream().lost);
  sim.reset();
  event_free(sigint);
  event_free(sigterm);
  event_free(sigusr1);
  event_free(sigusr2);
  event_free(timeout);
  return 0;
}
