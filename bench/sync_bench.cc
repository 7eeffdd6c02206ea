// `tandem-bench sync`: state sync through netsim in one process.
//   flood:  the host emulates `seq 1 200000` then `cat` of a 2 MB text file, read from
//           its PTY at 16 KiB a millisecond; bytes and datagrams each way until the
//           relay's screen equals the host's.
//   typing: the relay pushes one input event every 100 ms (a mate typing); the time
//           from the push to the host seeing the event, p50 and p90.
#include <event2/event.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "bench/bench.h"
#include "statesync/screen/terminal.h"
#include "tests/statesync/sync_pair.h"

namespace tandem::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

void run_for(event_base* base, std::chrono::microseconds d) {
  timeval tv{time_t(d.count() / 1000000), suseconds_t(d.count() % 1000000)};
  event_base_loopexit(base, &tv);
  event_base_dispatch(base);
}

template <class Done>
bool run_until(event_base* base, Done done, std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) run_for(base, 1ms);
  return done();
}

std::string flood_output() {
  std::string raw;
  for (int i = 1; i <= 200000; ++i) raw += std::to_string(i) + "\r\n";
  std::mt19937 rng(3);
  const size_t target = raw.size() + 2000000;
  while (raw.size() < target) {
    for (int w = 0; w < 10; ++w) raw += "word" + std::to_string(rng() % 1000) + " ";
    raw += "\r\n";
  }
  return raw;
}

void print_wire(const char* scenario, int delay, double loss, const statesync::SyncPair& p) {
  std::printf("\"scenario\":\"%s\",\"delay_ms\":%d,\"loss\":%.2f,\"bytes_up\":%llu,\"bytes_down\":%llu,"
              "\"datagrams_up\":%llu,\"datagrams_down\":%llu",
              scenario, delay, loss, (unsigned long long)p.sim->upstream().bytes,
              (unsigned long long)p.sim->downstream().bytes, (unsigned long long)p.sim->upstream().datagrams,
              (unsigned long long)p.sim->downstream().datagrams);
}

}  // namespace

int sync_main(const std::vector<std::string>& args) {
  std::string scenario = "flood";
  int delay = 0;
  double loss = 0;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--scenario") {
      scenario = args[i + 1];
    } else if (args[i] == "--delay") {
      delay = std::atoi(args[i + 1].c_str());
    } else if (args[i] == "--loss") {
      loss = std::atof(args[i + 1].c_str());
    } else {
      std::fprintf(stderr, "tandem-bench sync: unexpected '%s'\n", args[i].c_str());
      return 2;
    }
  }
  if (args.size() % 2 != 0 || (scenario != "flood" && scenario != "typing")) {
    std::fprintf(stderr, "usage: tandem-bench sync --scenario flood|typing [--delay MS] [--loss P]\n");
    return 2;
  }
  transport::EventBasePtr owned_base = transport::make_event_base();
  event_base* base = owned_base.get();
  int rc = 0;
  {
    statesync::SyncPair p(base, 80, 24, 0, 1);
    if (!p.ok()) {
      std::fprintf(stderr, "tandem-bench sync: %s\n", p.error.c_str());
      return 1;
    }
    netsim::Impairment net;
    net.delay = std::chrono::milliseconds(delay);
    net.loss = loss;
    p.sim->set_both(net);
    run_for(base, 20ms);  // let the first heartbeats measure the link

    if (scenario == "flood") {
      const std::string raw = flood_output();
      screen::Terminal host(80, 24, 0);
      auto start = Clock::now();
      for (size_t off = 0; off < raw.size(); off += 16384) {
        host.write(std::string_view(raw).substr(off, 16384));
        p.host->set_outgoing(host.state());
        run_for(base, 1ms);
      }
      bool done = run_until(base, [&] { return p.relay->incoming() == host.state(); }, 60s);
      double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      std::printf("{\"bench\":\"sync\",");
      print_wire("flood", delay, loss, p);
      std::printf(",\"raw_bytes\":%zu,\"converged\":%s,\"seconds\":%.3f}\n", raw.size(), done ? "true" : "false",
                  seconds);
      rc = done ? 0 : 1;
    } else {
      std::vector<double> latencies_ms;
      uint64_t seen = 0;
      std::vector<Clock::time_point> pushed_at;  // by sequence number
      p.host->set_on_incoming([&] {
        const statesync::InputState& in = p.host->incoming();
        for (; seen < in.end() && seen < pushed_at.size(); ++seen) {
          latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - pushed_at[seen]).count());
        }
      });
      const int events = 50;
      for (int i = 0; i < events; ++i) {
        pushed_at.push_back(Clock::now());
        p.relay->outgoing().push(statesync::Keys{"x"});
        p.relay->outgoing_changed();
        run_for(base, 100ms);
      }
      run_until(base, [&] { return seen >= uint64_t(events); }, 30s);
      std::sort(latencies_ms.begin(), latencies_ms.end());
      auto pct = [&](double q) {
        return latencies_ms.empty() ? -1.0 : latencies_ms[std::min(latencies_ms.size() - 1, size_t(q * latencies_ms.size()))];
      };
      std::printf("{\"bench\":\"sync\",");
      print_wire("typing", delay, loss, p);
      std::printf(",\"events\":%d,\"seen\":%llu,\"latency_p50_ms\":%.2f,\"latency_p90_ms\":%.2f}\n", events,
                  (unsigned long long)seen, pct(0.5), pct(0.9));
    }
  }
  return rc;
}

}  // namespace tandem::bench
