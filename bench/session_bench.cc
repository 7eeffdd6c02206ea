// `tandem-bench session`: what users feel, end to end through a real relay (see
// rig.h), one JSON object per measurement.
//   startup: spawning `tandem` to its links on screen, with an embedded relay and
//            with a relay elsewhere (median of a few).
//   flood:   `seq 1 200000; cat FILE` (FILE = `seq 1 300000`) in the shared shell:
//            bytes host->relay, relay->native mate, relay->ssh mate, and the time
//            until each screen shows the last line and the prompt.
//   echo:    a mate types into `cat` at 10 keys/s; keypress to the character on the
//            mate's own screen and on the host's, p50/p90/p99. Native and ssh mates.
//   roam:    while the native mate types, its netsim roams, then the host's; the
//            time from the roam to that keystroke's echo on the mate's screen.
//   wake:    a blackout (simulated sleep) on the host's link, then on the mate's;
//            the time from the network coming back to the mate seeing output made
//            in the dark.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bench/bench.h"
#include "bench/rig.h"

namespace tandem::bench {
namespace {

using namespace std::chrono_literals;

struct Options {
  std::string tandem;
  std::string scenario;
  NetProfile net;
  uint64_t seed = 1;
  int chars = 200;
  int keys_per_second = 10;
  std::vector<int> blackouts{5, 30, 300};
  bool native = true, ssh = true;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = size_t(p * double(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string ms(double us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", us / 1000.0);
  return buf;
}

void fail(const std::string& scenario, const std::string& why) {
  std::printf("{\"bench\":\"%s\",\"error\":\"%s\"}\n", scenario.c_str(), why.c_str());
  std::fflush(stdout);
}

// The characters typed, cycling, so a missing or doubled one shows.
char key_at(int i) {
  static const char kKeys[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  return kKeys[i % (sizeof kKeys - 1)];
}

int startup(const Options& o) {
  Rig rig(o.tandem, o.net, o.seed);
  std::string error;
  if (!rig.start(false, false, &error)) return fail("startup", error), 1;
  std::vector<double> external{double(rig.start_to_links_us())}, embedded;
  // More hosts on the same relay, and hosts with an embedded relay.
  for (int i = 0; i < 4; ++i) {
    for (bool local : {false, true}) {
      std::vector<std::string> argv{o.tandem};
      if (local) {
        argv.insert(argv.end(), {"--local", "--listen", "127.0.0.1:0"});
      } else {
        // The relay's address comes from the first host's config-free command line.
        std::ifstream in(rig.dir() + "/links");
        std::string line, fp, port;
        while (std::getline(in, line)) {
          if (line.rfind("fingerprint ", 0) == 0) fp = line.substr(12);
          if (line.rfind("ro ssh -p ", 0) == 0) port = line.substr(10, line.find(' ', 10) - 10);
        }
        argv.insert(argv.end(), {"--relay", "127.0.0.1:" + port, "--relay-fingerprint", fp});
      }
      argv.insert(argv.end(), {"--", "sh"});
      const uint64_t t0 = now_us();
      auto host = Watched::spawn(rig.base(), argv, {"HOME=" + rig.dir(), "TANDEM="}, &error);
      if (!host || !rig.run_until([&] { return host->raw().find("read-only:") != std::string::npos; }, 20s)) {
        return fail("startup", "a host did not start: " + (host ? host->raw() : error)), 1;
      }
      (local ? embedded : external).push_back(double(now_us() - t0));
    }
  }
  std::printf("{\"bench\":\"startup\",\"relay\":\"embedded\",\"links_ms\":%s,\"runs\":%zu}\n",
              ms(percentile(embedded, 0.5)).c_str(), embedded.size());
  std::printf("{\"bench\":\"startup\",\"relay\":\"external\",\"links_ms\":%s,\"runs\":%zu}\n",
              ms(percentile(external, 0.5)).c_str(), external.size());
  return 0;
}

int flood(const Options& o) {
  Rig rig(o.tandem, o.net, o.seed);
  std::string error;
  if (!rig.start(o.native, o.ssh, &error)) return fail("flood", error), 1;
  const std::string file = rig.dir() + "/seq300k";
  uint64_t raw = 0;
  {
    std::ofstream out(file);
    for (int i = 1; i <= 300000; ++i) out << i << "\n";
  }
  for (int n : {200000, 300000}) {
    for (int i = 1; i <= n; ++i) raw += std::to_string(i).size() + 2;  // as the PTY sends it: CRLF
  }
  // Quiet screens first, so only the flood is counted.
  rig.host().type("clear\r");
  rig.run_until([&] { return rig.host().row(0) == "$" || rig.host().row(0) == "$ "; }, 10s);
  rig.run_for(500ms);
  const uint64_t up0 = rig.host_net().upstream().bytes, native0 = rig.mate_net().downstream().bytes,
                 ssh0 = rig.ssh_proxy().bytes_down();
  const uint64_t t0 = now_us();
  rig.host().type("seq 1 200000; cat " + file + "\r");
  uint64_t host_at = 0, native_at = 0, ssh_at = 0;
  auto check = [&] {
    const uint64_t now = now_us();
    if (!host_at && shows_line_then_prompt(rig.host(), "300000")) host_at = now;
    if (rig.mate() && !native_at && shows_line_then_prompt(*rig.mate(), "300000")) native_at = now;
    if (rig.ssh() && !ssh_at && shows_line_then_prompt(*rig.ssh(), "300000")) ssh_at = now;
    return host_at && (native_at || !rig.mate()) && (ssh_at || !rig.ssh());
  };
  if (!rig.run_until(check, 120s)) return fail("flood", "the screens never showed the last line"), 1;
  rig.run_for(500ms);  // the last acks
  std::printf("{\"bench\":\"flood\",\"net\":\"%s\",\"raw_bytes\":%llu,\"host_to_relay_bytes\":%llu,"
              "\"relay_to_native_bytes\":%llu,\"relay_to_ssh_bytes\":%llu,\"host_final_ms\":%s,"
              "\"native_final_ms\":%s,\"ssh_final_ms\":%s}\n",
              o.net.name.c_str(), (unsigned long long)raw,
              (unsigned long long)(rig.host_net().upstream().bytes - up0),
              (unsigned long long)(rig.mate_net().downstream().bytes - native0),
              (unsigned long long)(rig.ssh_proxy().bytes_down() - ssh0), ms(double(host_at - t0)).c_str(),
              ms(double(native_at - t0)).c_str(), ms(double(ssh_at - t0)).c_str());
  return 0;
}

// Types `chars` keys from `typist` into `cat` at the configured rate, a line of 40 at
// a time; records each key's delay to the typist's screen and the host's. `before`
// runs before key i is typed (for roams) and may return true to note that key.
struct EchoResult {
  std::vector<double> mate_us, host_us;
  std::vector<std::pair<int, double>> noted;  // key index, delay to the typist's screen
  bool ok = false;
};

// On stderr, what a stalled scenario's screens showed.
void dump(const char* name, const Watched& w) {
  std::fprintf(stderr, "--- %s (cursor %d,%d)\n", name, w.screen().cursor.x, w.screen().cursor.y);
  for (int y = 0; y < w.screen().rows(); ++y) {
    if (!w.row(y).empty()) std::fprintf(stderr, "%2d|%s\n", y, w.row(y).c_str());
  }
}

EchoResult type_into_cat(Rig& rig, Watched& typist, const Options& o, const std::function<bool(int)>& before) {
  EchoResult r;
  struct Dump {
    Rig& rig;
    Watched& typist;
    EchoResult& r;
    ~Dump() {
      if (r.ok) return;
      dump("typist", typist);
      dump("host", rig.host());
    }
  } dump_on_failure{rig, typist, r};
  rig.host().type("clear; cat\r");
  auto cleared = [](const Watched& w) {
    return w.screen().cursor.x == 0 && w.screen().cursor.y == 0 && w.row(0).empty();
  };
  if (!rig.run_until([&] { return cleared(typist) && cleared(rig.host()); }, 10s)) return r;
  const uint64_t gap_us = 1000000 / uint64_t(std::max(o.keys_per_second, 1));
  constexpr int kLine = 40;
  std::vector<uint64_t> typed_at(size_t(o.chars), 0);
  std::vector<bool> noted(size_t(o.chars), false);
  int next = 0, seen_mate = 0, seen_host = 0;
  for (int line_start = 0; line_start < o.chars; line_start += kLine) {
    const int line_end = std::min(line_start + kLine, o.chars);
    std::string expected;
    for (int i = line_start; i < line_end; ++i) expected.push_back(key_at(i));
    const int row = 2 * (line_start / kLine);  // each line is typed, then cat prints it
    auto visible = [&](const Watched& w) {
      const std::string text = w.row(row);
      int n = 0;
      while (n < int(text.size()) && n < int(expected.size()) && text[size_t(n)] == expected[size_t(n)]) ++n;
      return line_start + n;
    };
    uint64_t next_key_at = now_us();
    auto step = [&] {
      const uint64_t now = now_us();
      for (int v = visible(typist); seen_mate < v; ++seen_mate) {
        r.mate_us.push_back(double(now - typed_at[size_t(seen_mate)]));
        if (noted[size_t(seen_mate)]) r.noted.emplace_back(seen_mate, double(now - typed_at[size_t(seen_mate)]));
      }
      for (int v = visible(rig.host()); seen_host < v; ++seen_host) {
        r.host_us.push_back(double(now - typed_at[size_t(seen_host)]));
      }
      if (next < line_end && now >= next_key_at) {
        noted[size_t(next)] = before && before(next);
        typed_at[size_t(next)] = now_us();
        typist.type(std::string(1, key_at(next)));
        ++next;
        next_key_at += gap_us;
      }
      return seen_mate >= line_end && seen_host >= line_end;
    };
    if (!rig.run_until(step, 60s)) return r;
    typist.type("\r");  // cat prints the line; the next goes two rows down
    if (!rig.run_until([&] { return typist.screen().cursor.y == row + 2 && rig.host().screen().cursor.y == row + 2; },
                       30s)) {
      return r;
    }
  }
  typist.type("\x04");  // end cat
  rig.run_until([&] { return typist.cursor_row().rfind("$", 0) == 0; }, 10s);
  r.ok = true;
  return r;
}

int echo(const Options& o) {
  for (const char* via : {"native", "ssh"}) {
    if ((std::string(via) == "native" && !o.native) || (std::string(via) == "ssh" && !o.ssh)) continue;
    Rig rig(o.tandem, o.net, o.seed);
    std::string error;
    const bool native = std::string(via) == "native";
    if (!rig.start(native, !native, &error)) return fail("echo", error), 1;
    Watched& typist = native ? *rig.mate() : *rig.ssh();
    EchoResult r = type_into_cat(rig, typist, o, nullptr);
    if (!r.ok) return fail("echo", std::string("typing through the ") + via + " mate stalled"), 1;
    std::printf("{\"bench\":\"echo\",\"net\":\"%s\",\"via\":\"%s\",\"keys\":%zu,\"mate_p50_ms\":%s,\"mate_p90_ms\":%s,"
                "\"mate_p99_ms\":%s,\"host_p50_ms\":%s,\"host_p90_ms\":%s,\"host_p99_ms\":%s}\n",
                o.net.name.c_str(), via, r.mate_us.size(), ms(percentile(r.mate_us, 0.5)).c_str(),
                ms(percentile(r.mate_us, 0.9)).c_str(), ms(percentile(r.mate_us, 0.99)).c_str(),
                ms(percentile(r.host_us, 0.5)).c_str(), ms(percentile(r.host_us, 0.9)).c_str(),
                ms(percentile(r.host_us, 0.99)).c_str());
    std::fflush(stdout);
  }
  return 0;
}

int roam(const Options& o) {
  Rig rig(o.tandem, o.net, o.seed);
  std::string error;
  if (!rig.start(true, false, &error)) return fail("roam", error), 1;
  Options typing = o;
  typing.chars = 40;
  const int mate_roam_at = 10, host_roam_at = 25;
  EchoResult r = type_into_cat(rig, *rig.mate(), typing, [&](int i) {
    if (i == mate_roam_at) return rig.mate_net().roam();
    if (i == host_roam_at) return rig.host_net().roam();
    return false;
  });
  if (!r.ok || r.noted.size() != 2) return fail("roam", "typing across the roams stalled"), 1;
  for (const auto& [i, us] : r.noted) {
    std::printf("{\"bench\":\"roam\",\"net\":\"%s\",\"who\":\"%s\",\"next_echo_ms\":%s}\n", o.net.name.c_str(),
                i == mate_roam_at ? "mate" : "host", ms(us).c_str());
  }
  return 0;
}

int wake(const Options& o) {
  Rig rig(o.tandem, o.net, o.seed);
  std::string error;
  if (!rig.start(true, false, &error)) return fail("wake", error), 1;
  int n = 0;
  for (const char* link : {"host", "mate"}) {
    for (int seconds : o.blackouts) {
      netsim::Netsim& net = std::string(link) == "host" ? rig.host_net() : rig.mate_net();
      const uint64_t dark_at = now_us();
      net.blackout(std::chrono::seconds(seconds));
      const uint64_t back_at = dark_at + uint64_t(seconds) * 1000000;
      rig.run_for(std::chrono::milliseconds(std::min(1000, seconds * 500)));
      const std::string word = "fresh-" + std::to_string(++n);
      rig.host().type("echo " + word + "\r");
      if (!rig.run_until([&] { return rig.mate()->has_row(word); }, std::chrono::seconds(seconds + 120))) {
        return fail("wake", std::string("the mate never saw output after a blackout of the ") + link), 1;
      }
      const uint64_t seen = now_us();
      std::printf("{\"bench\":\"wake\",\"net\":\"%s\",\"link\":\"%s\",\"blackout_s\":%d,\"fresh_after_ms\":%s}\n",
                  o.net.name.c_str(), link, seconds, ms(seen > back_at ? double(seen - back_at) : 0).c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int session_main(const std::vector<std::string>& args) {
  Options o;
  o.net = *find_profile("lan");
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool v = i + 1 < args.size();
    if (a == "--tandem" && v) {
      o.tandem = args[++i];
    } else if (a == "--scenario" && v) {
      o.scenario = args[++i];
    } else if (a == "--net" && v) {
      const NetProfile* p = find_profile(args[++i]);
      if (!p) {
        std::fprintf(stderr, "tandem-bench session: --net is lan, wan, wan-loss or bad\n");
        return 2;
      }
      o.net = *p;
    } else if (a == "--seed" && v) {
      o.seed = std::strtoull(args[++i].c_str(), nullptr, 10);
    } else if (a == "--keys" && v) {
      o.chars = std::max(1, std::atoi(args[++i].c_str()));
    } else if (a == "--rate" && v) {
      o.keys_per_second = std::max(1, std::atoi(args[++i].c_str()));
    } else if (a == "--blackouts" && v) {
      o.blackouts.clear();
      std::istringstream list(args[++i]);
      for (std::string s; std::getline(list, s, ',');) o.blackouts.push_back(std::max(1, std::atoi(s.c_str())));
    } else if (a == "--only" && v) {
      const std::string which = args[++i];
      o.native = which == "native";
      o.ssh = which == "ssh";
    } else {
      std::fprintf(stderr, "tandem-bench session: unexpected '%s'\n", a.c_str());
      return 2;
    }
  }
  if (o.tandem.empty()) {
    std::fprintf(stderr, "tandem-bench session: --tandem PATH is needed\n");
    return 2;
  }
  if (o.scenario == "startup") return startup(o);
  if (o.scenario == "flood") return flood(o);
  if (o.scenario == "echo") return echo(o);
  if (o.scenario == "roam") return roam(o);
  if (o.scenario == "wake") return wake(o);
  std::fprintf(stderr, "tandem-bench session: --scenario is startup, flood, echo, roam or wake\n");
  return 2;
}

}  // namespace tandem::bench
