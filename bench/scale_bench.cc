// `tandem-bench scale --tandem PATH --hosts N [--seconds S]`: one real `tandem relay`
// process; N synthetic hosts, each with a read-write and a read-only synthetic mate,
// all in this process but speaking the real protocol over real sockets (SSH
// bootstrap, then encrypted UDP state sync). Each host prints about 200 bytes a
// second; each read-write mate types 2 keys a second. Reports the relay's RSS per
// idle session, its CPU (user+sys seconds per wall second) while active, and the
// p99 delay from a mate's keystroke to its host. With --history N, each host first
// prints N+24 lines and keeps N lines of history: the RSS per idle session is then
// what a session costs holding that history for late joiners.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "bench/bench.h"
#include "bench/rig.h"
#include "src/bootstrap_client.h"
#include "statesync/input_state.h"
#include "statesync/screen/terminal.h"
#include "statesync/sync_endpoints.h"

namespace tandem::bench {
namespace {

using namespace std::chrono_literals;
using HostLink = statesync::ClientSync<screen::ScreenState, statesync::InputState>;
using MateLink = statesync::ClientSync<statesync::InputState, screen::ScreenState>;

struct FakeMate {
  std::unique_ptr<MateLink> link;
  bool read_write = false;
};

struct FakeHost {
  std::unique_ptr<HostLink> link;
  screen::Terminal term{80, 24, 0};
  size_t history = 0;
  uint64_t consumed = 0;
  uint64_t keys_seen = 0;
  std::vector<uint64_t> key_sent_at;  // by the read-write mate, in order
  std::vector<double>* delays = nullptr;
  std::unique_ptr<FakeMate> rw, ro;
  int lines = 0;
};

template <typename Link, typename Out, typename In>
std::unique_ptr<Link> connect(event_base* base, const std::string& host, uint32_t udp_port, uint64_t link_id,
                              const std::string& key_bytes, Out out, In in, uint64_t delay, std::string* error) {
  std::optional<transport::Address> udp = resolve_udp(host, uint16_t(udp_port), error);
  if (!udp) return nullptr;
  transport::LinkKey key;
  std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
  std::unique_ptr<Link> link = Link::open(base, *udp, key, link_id, std::move(out), std::move(in), delay, {}, error);
  if (link) link->sync().poke();
  return link;
}

}  // namespace

int scale_main(const std::vector<std::string>& args) {
  std::string tandem;
  int hosts = 100, seconds = 10;
  size_t history = 0;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--tandem") tandem = args[i + 1];
    else if (args[i] == "--hosts") hosts = std::max(1, std::atoi(args[i + 1].c_str()));
    else if (args[i] == "--seconds") seconds = std::max(1, std::atoi(args[i + 1].c_str()));
    else if (args[i] == "--history") history = size_t(std::clamp(std::atoi(args[i + 1].c_str()), 0, 10000));
  }
  if (tandem.empty()) {
    std::fprintf(stderr, "usage: tandem-bench scale --tandem PATH --hosts N [--seconds S] [--history LINES]\n");
    return 2;
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  Rig rig(tandem, *find_profile("lan"), 1);
  std::string error;
  // Its log goes to a file: this process drains the relay's PTY only now and then.
  auto relay = Watched::spawn(rig.base(),
                              {"sh", "-c",
                               "exec \"$0\" relay --listen 127.0.0.1:0 --udp-port 0 --state-dir \"$1\" --sessions-per-key 100000 "
                          "--sessions-per-address 100000 --connections-per-address 100000 2>>\"$2\"",
                               tandem, rig.dir() + "/state", rig.dir() + "/relay.log"},
                              {}, &error);
  if (!relay || !rig.run_until([&] { return relay->raw().find("relay-fingerprint = ") != std::string::npos; }, 10s)) {
    std::printf("{\"bench\":\"scale\",\"error\":\"the relay did not start\"}\n");
    return 1;
  }
  const std::string fp = field_after(relay->raw(), "relay-fingerprint = ");
  const uint16_t port = uint16_t(std::atoi(field_after(relay->raw(), "SSH on 127.0.0.1:").c_str()));
  relay->set_keep_raw(false);
  setenv("HOME", rig.dir().c_str(), 1);  // the synthetic hosts' key is made here
  rig.run_for(300ms);
  const long rss_base = rss_kb(relay->pid());

  std::vector<double> delays;
  std::vector<std::unique_ptr<FakeHost>> fleet;
  const uint64_t setup_start = now_us();
  for (int h = 0; h < hosts; ++h) {
    proto::HostHello hello;
    hello.set_version(kBootstrapVersion);
    hello.set_cols(80);
    hello.set_rows(24);
    hello.set_session_name("bench" + std::to_string(h));
    hello.set_relay_host("127.0.0.1");
    hello.set_history_lines(uint32_t(history));
    std::optional<proto::HostAccept> a = host_bootstrap(RelayAddress{"127.0.0.1", port, fp, ""}, hello, &error);
    if (!a || !a->has_accepted()) {
      std::printf("{\"bench\":\"scale\",\"error\":\"host %d: %s\"}\n", h, a ? a->refusal().c_str() : error.c_str());
      return 1;
    }
    const proto::Accepted& ok = a->accepted();
    auto host = std::make_unique<FakeHost>();
    host->history = history;
    if (history > 0) {
      host->term = screen::Terminal(80, 24, history);
      std::string out;
      // Log lines that vary as real ones do (times, ids, paths), so that packing is
      // measured on text that does not compress by construction.
      std::mt19937 pick{uint32_t(h)};
      static const char* const kWords[] = {"GET", "POST", "ok", "retry", "cache", "miss", "user", "items",
                                           "orders", "worker", "slow", "timeout", "auth", "db", "sync", "queue"};
      for (size_t i = 0; i < history + 24; ++i) {
        char line[128];
        std::snprintf(line, sizeof line, "12:%02u:%02u.%03u %s[%u] %s /api/%s/%u %s %ums id=%08x\r\n",
                      unsigned(i / 60 % 60), unsigned(i % 60), unsigned(pick() % 1000), kWords[pick() % 16],
                      unsigned(pick() % 64), kWords[pick() % 16], kWords[pick() % 16], unsigned(pick() % 100000),
                      kWords[pick() % 16], unsigned(pick() % 2000), unsigned(pick()));
        out += line;
      }
      host->term.write(out);
    }
    host->link = connect<HostLink>(rig.base(), "127.0.0.1", ok.links().udp_port(), ok.link_id(), ok.link_key(),
                                   screen::initial_screen(), statesync::InputState(), statesync::kScreenSendDelayMs,
                                   &error);
    if (!host->link) {
      std::printf("{\"bench\":\"scale\",\"error\":\"host link: %s\"}\n", error.c_str());
      return 1;
    }
    if (history > 0) host->link->sync().set_outgoing(host->term.state());
    FakeHost* raw = host.get();
    host->delays = &delays;
    host->link->sync().set_on_incoming([raw] {
      const uint64_t now = now_us();
      for_each_new(raw->link->sync().incoming_mutable(), raw->consumed, [&](const statesync::InputEvent& e) {
        if (!std::holds_alternative<statesync::Keys>(e)) return;
        if (raw->keys_seen < raw->key_sent_at.size()) {
          raw->delays->push_back(double(now - raw->key_sent_at[raw->keys_seen]));
        }
        ++raw->keys_seen;
      });
    });
    for (bool rw : {true, false}) {
      JoinLink link{rw ? ok.rw_token() : ok.ro_token(), "127.0.0.1", port, fp};
      std::optional<proto::JoinAccept> j = join_bootstrap(link, &error);
      auto mate = std::make_unique<FakeMate>();
      if (j) {
        mate->link = connect<MateLink>(rig.base(), "127.0.0.1", j->udp_port(), j->link_id(), j->link_key(),
                                       statesync::InputState(), screen::initial_screen(), statesync::kInputSendDelayMs,
                                       &error);
      }
      if (!mate->link) {
        std::printf("{\"bench\":\"scale\",\"error\":\"mate: %s\"}\n", error.c_str());
        return 1;
      }
      mate->read_write = rw;
      (rw ? host->rw : host->ro) = std::move(mate);
    }
    fleet.push_back(std::move(host));
    if (h % 50 == 49) rig.run_for(10ms);  // let the links say hello as we go
  }
  const double setup_s = double(now_us() - setup_start) / 1e6;
  // Everyone settles (first screens, acks). A still session's history is packed 2 s
  // after its screen last changed (the relay looks every second), and the last screens
  // of a large fleet arrive late: with history, wait for that, then until the relay's
  // memory has stopped falling (at most 20 s more).
  rig.run_for(history > 0 ? 6s : 3s);
  long rss_idle = rss_kb(relay->pid());
  for (int i = 0; history > 0 && i < 20; ++i) {
    rig.run_for(1s);
    const long rss = rss_kb(relay->pid());
    if (rss >= rss_idle - rss_idle / 200 && i >= 2) break;  // within 0.5 % over a second, past the 2 s
    rss_idle = std::min(rss_idle, rss);
  }
  rss_idle = rss_kb(relay->pid());

  // Active: each host prints ~200 bytes a second (in 4 bursts), each rw mate types 2 keys.
  const double cpu0 = cpu_seconds(relay->pid());
  const uint64_t t0 = now_us(), end = t0 + uint64_t(seconds) * 1000000;
  uint64_t tick = 0;
  while (now_us() < end) {
    const uint64_t slot = (now_us() - t0) / 250000;  // 4 slots a second
    if (slot >= tick) {
      tick = slot + 1;
      for (size_t h = 0; h < fleet.size(); ++h) {
        FakeHost& host = *fleet[h];
        char line[96];
        std::snprintf(line, sizeof line, "host %zu line %d: the quick brown fox\r\n", h, ++host.lines);
        host.term.write(std::string_view(line));
        host.link->sync().set_outgoing(host.term.state().with_scrollback(host.history));
        if (slot % 2 == h % 2) {  // 2 keys a second
          host.key_sent_at.push_back(now_us());
          host.rw->link->sync().outgoing().push(statesync::Keys{"k"});
          host.rw->link->sync().outgoing_changed();
        }
      }
    }
    rig.run_for(5ms);
  }
  const double wall = double(now_us() - t0) / 1e6;
  const double cpu = (cpu_seconds(relay->pid()) - cpu0) / wall;
  rig.run_for(2s);  // the last keys arrive
  uint64_t sent = 0;
  for (const auto& h : fleet) sent += h->key_sent_at.size();
  std::sort(delays.begin(), delays.end());
  auto pct = [&](double p) { return delays.empty() ? -1.0 : delays[size_t(p * double(delays.size() - 1))] / 1000.0; };
  std::printf("{\"bench\":\"scale\",\"hosts\":%d,\"history\":%zu,\"mates\":%d,\"setup_s\":%.1f,\"relay_rss_base_kb\":%ld,"
              "\"relay_rss_kb\":%ld,\"rss_per_session_kb\":%.1f,\"relay_cpu\":%.3f,\"keys_sent\":%llu,"
              "\"keys_delivered\":%zu,\"key_p50_ms\":%.2f,\"key_p99_ms\":%.2f}\n",
              hosts, history, hosts * 2, setup_s, rss_base, rss_idle, double(rss_idle - rss_base) / hosts, cpu,
              (unsigned long long)sent, delays.size(), pct(0.5), pct(0.99));
  fleet.clear();
  return 0;
}

}  // namespace tandem::bench
