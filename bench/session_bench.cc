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
//   idle:    nothing happens for 30 s: datagrams and bytes each way on the native
//            mate's link (heartbeats only).
//   predict: the native mate types lines at the shell prompt at 10 keys/s; the time
//            from each keypress to that character on the mate's own screen
//            (predicted or echoed), p50/p90/p99, and how many characters shown
//            were later taken away (wrong predictions the user saw).
#include <algorithm>
#include <optional>
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
  bool host_unimpaired = false;  // comparing with mosh: only the mate's link is impaired
  std::string predict;           // the native mate's --predict (empty: its default)
  std::string mosh_predict;      // mosh-client's prediction display (empty: never)
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

// The figures a scenario reports, for the JSON line and for comparing with mosh.
using Figures = std::vector<std::pair<std::string, double>>;

void print(const std::string& bench, const Options& o, bool mosh, const std::string& extra, const Figures& f) {
  std::string line = "{\"bench\":\"" + bench + "\",\"impl\":\"" + (mosh ? "mosh" : "tandem") +
                     "\",\"net\":\"" + o.net.name + "\"" + extra +
                     (o.host_unimpaired && !mosh ? ",\"host_link\":\"unimpaired\"" : "");
  for (const auto& [k, v] : f) {
    char num[64];
    std::snprintf(num, sizeof num, v == double(int64_t(v)) ? "%.0f" : "%.2f", v);
    line += ",\"" + k + "\":" + num;
  }
  std::printf("%s}\n", line.c_str());
  std::fflush(stdout);
}

bool start(Rig& rig, const Options& o, bool mosh, bool native, bool ssh, const char* bench) {
  std::string error;
  rig.set_host_unimpaired(o.host_unimpaired);
  rig.set_predict(mosh ? o.mosh_predict : o.predict);
  if (mosh ? rig.start_mosh(&error) : rig.start(native, ssh, &error)) return true;
  fail(bench, error);
  return false;
}

std::optional<Figures> flood(const Options& o, bool mosh) {
  Rig rig(o.tandem, o.net, o.seed);
  if (!start(rig, o, mosh, o.native, o.ssh && !mosh, "flood")) return std::nullopt;
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
  const uint64_t up0 = mosh ? 0 : rig.host_net().upstream().bytes, native0 = rig.mate_net().downstream().bytes,
                 ssh0 = mosh ? 0 : rig.ssh_proxy().bytes_down();
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
  if (!rig.run_until(check, 120s)) {
    std::string which = host_at ? "" : " host";
    if (rig.mate() && !native_at) which += " native";
    if (rig.ssh() && !ssh_at) which += " ssh";
    return fail("flood", "these screens never showed the last line:" + which), std::nullopt;
  }
  // The last acks, and the flood's history, which follows once the flood pauses: until
  // nothing has moved for half a second (at most 10 s).
  for (int i = 0, quiet = 0; i < 100 && quiet < 5; ++i) {
    const uint64_t before = rig.mate_net().downstream().bytes + (mosh ? 0 : rig.ssh_proxy().bytes_down());
    rig.run_for(100ms);
    const uint64_t after = rig.mate_net().downstream().bytes + (mosh ? 0 : rig.ssh_proxy().bytes_down());
    quiet = after == before ? quiet + 1 : 0;
  }
  Figures f{{"raw_bytes", double(raw)}, {"mate_bytes", double(rig.mate_net().downstream().bytes - native0)},
            {"mate_final_ms", double(native_at - t0) / 1000}};
  if (!mosh) {
    f.emplace_back("host_to_relay_bytes", double(rig.host_net().upstream().bytes - up0));
    f.emplace_back("host_final_ms", double(host_at - t0) / 1000);
    if (rig.ssh()) {
      f.emplace_back("ssh_mate_bytes", double(rig.ssh_proxy().bytes_down() - ssh0));
      f.emplace_back("ssh_mate_final_ms", double(ssh_at - t0) / 1000);
    }
  }
  print("flood", o, mosh, "", f);
  return f;
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

std::optional<Figures> echo(const Options& o, bool mosh) {
  Figures first;
  for (const char* via : {"native", "ssh"}) {
    const bool native = std::string(via) == "native";
    if ((native && !o.native) || (!native && (!o.ssh || mosh))) continue;
    Rig rig(o.tandem, o.net, o.seed);
    if (!start(rig, o, mosh, native, !native, "echo")) return std::nullopt;
    Watched& typist = native ? *rig.mate() : *rig.ssh();
    EchoResult r = type_into_cat(rig, typist, o, nullptr);
    if (!r.ok) return fail("echo", std::string("typing through the ") + via + " mate stalled"), std::nullopt;
    Figures f{{"keys", double(r.mate_us.size())},
              {"mate_p50_ms", percentile(r.mate_us, 0.5) / 1000},
              {"mate_p90_ms", percentile(r.mate_us, 0.9) / 1000},
              {"mate_p99_ms", percentile(r.mate_us, 0.99) / 1000}};
    if (!mosh) {
      f.emplace_back("host_p50_ms", percentile(r.host_us, 0.5) / 1000);
      f.emplace_back("host_p90_ms", percentile(r.host_us, 0.9) / 1000);
      f.emplace_back("host_p99_ms", percentile(r.host_us, 0.99) / 1000);
    }
    print("echo", o, mosh, std::string(",\"via\":\"") + (mosh ? "mosh-client" : via) + "\"", f);
    if (first.empty()) first = f;
  }
  return first;
}

// The native mate's echo over UDP, then over the TCP path (`--transport tcp`, through
// a proxy with the profile's delay each way), side by side in one run.
std::optional<Figures> tcp_echo(const Options& o, bool) {
  std::vector<double> p50;
  for (bool tcp : {false, true}) {
    Rig rig(o.tandem, o.net, o.seed);
    rig.set_mate_tcp(tcp);
    if (!start(rig, o, false, true, false, "tcp_echo")) return std::nullopt;
    EchoResult r = type_into_cat(rig, *rig.mate(), o, nullptr);
    if (!r.ok) return fail("tcp_echo", std::string("typing over ") + (tcp ? "TCP" : "UDP") + " stalled"), std::nullopt;
    p50.push_back(percentile(r.mate_us, 0.5) / 1000);
    p50.push_back(percentile(r.mate_us, 0.99) / 1000);
  }
  Figures f{{"udp_p50_ms", p50[0]}, {"udp_p99_ms", p50[1]}, {"tcp_p50_ms", p50[2]}, {"tcp_p99_ms", p50[3]},
            {"tcp_vs_udp_p50", p50[0] > 0 ? p50[2] / p50[0] : -1}};
  print("tcp_echo", o, false, "", f);
  return f;
}

std::optional<Figures> roam(const Options& o, bool mosh) {
  Rig rig(o.tandem, o.net, o.seed);
  if (!start(rig, o, mosh, true, false, "roam")) return std::nullopt;
  Options typing = o;
  typing.chars = 40;
  const int mate_roam_at = 10, host_roam_at = 25;
  EchoResult r = type_into_cat(rig, *rig.mate(), typing, [&](int i) {
    if (i == mate_roam_at) return rig.mate_net().roam();
    if (i == host_roam_at && !mosh) return rig.host_net().roam();
    return false;
  });
  if (!r.ok || r.noted.size() != (mosh ? 1u : 2u)) return fail("roam", "typing across the roams stalled"), std::nullopt;
  Figures first;
  for (const auto& [i, us] : r.noted) {
    Figures f{{"next_echo_ms", us / 1000}};
    print("roam", o, mosh, std::string(",\"who\":\"") + (i == mate_roam_at ? "mate" : "host") + "\"", f);
    if (first.empty()) first = f;
  }
  return first;
}

std::optional<Figures> wake(const Options& o, bool mosh) {
  Rig rig(o.tandem, o.net, o.seed);
  if (!start(rig, o, mosh, true, false, "wake")) return std::nullopt;
  int n = 0;
  Figures all;
  for (const char* link : {"host", "mate"}) {
    if (mosh && std::string(link) == "host") continue;  // point to point: one link
    for (int seconds : o.blackouts) {
      netsim::Netsim& net = std::string(link) == "host" ? rig.host_net() : rig.mate_net();
      // Output that will be made in the dark, a second after the network goes.
      const std::string word = "fresh-" + std::to_string(++n);
      const std::string command = "sleep 1; echo " + word;
      rig.host().type(command + "\r");
      if (!rig.run_until([&] { return rig.host().shows(command); }, 10s)) {
        return fail("wake", "the command never showed"), std::nullopt;
      }
      const uint64_t dark_at = now_us();
      net.blackout(std::chrono::seconds(seconds));
      const uint64_t back_at = dark_at + uint64_t(seconds) * 1000000;
      if (!rig.run_until([&] { return rig.mate()->has_row(word); }, std::chrono::seconds(seconds + 120))) {
        return fail("wake", std::string("the mate never saw output after a blackout of the ") + link + " link"),
               std::nullopt;
      }
      const uint64_t seen = now_us();
      Figures f{{"blackout_s", double(seconds)},
                {"fresh_after_ms", seen > back_at ? double(seen - back_at) / 1000 : 0}};
      print("wake", o, mosh, std::string(",\"link\":\"") + link + "\"", f);
      if (std::string(link) == "mate") all.emplace_back("fresh_after_ms_" + std::to_string(seconds) + "s", f[1].second);
    }
  }
  return all;
}

std::optional<Figures> idle(const Options& o, bool mosh) {
  Rig rig(o.tandem, o.net, o.seed);
  if (!start(rig, o, mosh, true, false, "idle")) return std::nullopt;
  rig.run_for(3s);  // the join's notices and first acks settle
  const netsim::DirectionCounters up0 = rig.mate_net().upstream(), down0 = rig.mate_net().downstream();
  constexpr int kSeconds = 30;
  rig.run_for(std::chrono::seconds(kSeconds));
  const netsim::DirectionCounters up = rig.mate_net().upstream(), down = rig.mate_net().downstream();
  Figures f{{"seconds", kSeconds},
            {"up_datagrams", double(up.datagrams - up0.datagrams)},
            {"down_datagrams", double(down.datagrams - down0.datagrams)},
            {"up_bytes", double(up.bytes - up0.bytes)},
            {"down_bytes", double(down.bytes - down0.bytes)}};
  print("idle", o, mosh, "", f);
  return f;
}

// Lines typed at the prompt: "#" (a comment, so Enter runs nothing) then letters.
std::optional<Figures> predict(const Options& o, bool mosh) {
  Rig rig(o.tandem, o.net, o.seed);
  if (!start(rig, o, mosh, true, false, "predict")) return std::nullopt;
  Watched& typist = *rig.mate();
  rig.host().type("clear\r");
  auto at_prompt = [](const Watched& w) { return w.screen().cursor.y == 0 && w.cursor_row() == "$"; };
  if (!rig.run_until([&] { return at_prompt(typist) && at_prompt(rig.host()); }, 10s)) {
    return fail("predict", "no clear prompt"), std::nullopt;
  }
  rig.run_for(300ms);
  constexpr int kLine = 40;
  const uint64_t gap_us = 1000000 / uint64_t(std::max(o.keys_per_second, 1));
  std::vector<double> delays;
  int erased = 0;
  for (int line_start = 0; line_start < o.chars; line_start += kLine) {
    const int n = std::min(kLine, o.chars - line_start);
    std::string expected = "#";
    for (int i = 1; i < n; ++i) expected.push_back(key_at(line_start + i));
    const int row = typist.screen().cursor.y, x0 = typist.screen().cursor.x;
    std::vector<uint64_t> typed_at(size_t(n), 0), seen_at(size_t(n), 0);
    std::vector<bool> showing(size_t(n), false);
    int next = 0;
    uint64_t next_key_at = now_us();
    auto step = [&] {
      const uint64_t now = now_us();
      const std::string text = typist.row(row);
      bool all = true;
      for (int i = 0; i < n; ++i) {
        const size_t at = size_t(x0 + i);
        const bool there = i < next && at < text.size() && text[at] == expected[size_t(i)];
        if (there && !seen_at[size_t(i)]) seen_at[size_t(i)] = now;
        if (showing[size_t(i)] && !there) ++erased;
        showing[size_t(i)] = there;
        all = all && seen_at[size_t(i)] != 0;
      }
      if (next < n && now >= next_key_at) {
        typed_at[size_t(next)] = now_us();
        typist.type(std::string(1, expected[size_t(next)]));
        ++next;
        next_key_at += gap_us;
      }
      return all && text.substr(size_t(x0)) == expected && rig.host().shows(expected);
    };
    if (!rig.run_until(step, 60s)) {
      dump("typist", typist);
      return fail("predict", "typing at the prompt stalled"), std::nullopt;
    }
    for (int i = 0; i < n; ++i) delays.push_back(double(seen_at[size_t(i)] - typed_at[size_t(i)]));
    typist.type("\r");
    if (!rig.run_until([&] { return typist.screen().cursor.y == row + 1 && typist.cursor_row() == "$"; }, 30s)) {
      return fail("predict", "no prompt after Enter"), std::nullopt;
    }
  }
  Figures f{{"keys", double(delays.size())},
            {"shown_p50_ms", percentile(delays, 0.5) / 1000},
            {"shown_p90_ms", percentile(delays, 0.9) / 1000},
            {"shown_p99_ms", percentile(delays, 0.99) / 1000},
            {"erased", double(erased)},
            {"erased_pct", 100.0 * double(erased) / double(std::max<size_t>(delays.size(), 1))}};
  const std::string mode =
      mosh ? (o.mosh_predict.empty() ? "never" : o.mosh_predict) : (o.predict.empty() ? "adaptive" : o.predict);
  print("predict", o, mosh, ",\"predict\":\"" + mode + "\"", f);
  return f;
}

using Scenario = std::optional<Figures> (*)(const Options&, bool);

// tandem's figure next to mosh's, from the same run.
int compare(const Options& given, const std::string& name, Scenario scenario) {
  // The same network between the typist and the program: mosh's one link, the
  // mate's link here (the host sits next to the relay).
  Options o = given;
  o.host_unimpaired = true;
  o.ssh = false;
  std::optional<Figures> ours = scenario(o, false);
  if (!ours) return 1;
  std::optional<Figures> theirs = scenario(o, true);
  if (!theirs) return 1;
  Figures ratios;
  for (const auto& [k, v] : *ours) {
    for (const auto& [k2, v2] : *theirs) {
      if (k == k2 && k != "keys" && k != "raw_bytes" && k != "blackout_s" && k != "erased" && k != "erased_pct" &&
          k != "seconds" && v2 > 0) {
        ratios.emplace_back(k, v / v2);
      }
    }
  }
  std::string line = "{\"bench\":\"vs-mosh\",\"scenario\":\"" + name + "\",\"net\":\"" + o.net.name +
                     "\",\"topology\":\"mate link impaired, host next to the relay\"";
  for (const auto& [k, v] : ratios) {
    char num[32];
    std::snprintf(num, sizeof num, "%.2f", v);
    line += ",\"" + k + "_ratio\":" + num;
  }
  std::printf("%s}\n", line.c_str());
  return 0;
}

}  // namespace

int session_main(const std::vector<std::string>& args) {
  Options o;
  o.net = *find_profile("lan");
  std::string impl = "tandem";
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
        std::fprintf(stderr, "tandem-bench session: --net is lan, wan, wan-loss, bad or far\n");
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
    } else if (a == "--impl" && v) {
      impl = args[++i];
      if (impl != "tandem" && impl != "mosh" && impl != "compare") {
        std::fprintf(stderr, "tandem-bench session: --impl is tandem, mosh or compare\n");
        return 2;
      }
    } else if (a == "--predict" && v) {
      o.predict = args[++i];
    } else if (a == "--mosh-predict" && v) {
      o.mosh_predict = args[++i];
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
  Scenario scenario = o.scenario == "flood" ? flood
                      : o.scenario == "echo"  ? echo
                      : o.scenario == "tcp-echo" ? tcp_echo
                      : o.scenario == "roam"  ? roam
                      : o.scenario == "wake"  ? wake
                      : o.scenario == "predict" ? predict
                      : o.scenario == "idle"  ? idle
                                              : nullptr;
  if (scenario && impl == "compare") return compare(o, o.scenario, scenario);
  if (scenario) return scenario(o, impl == "mosh") ? 0 : 1;
  std::fprintf(stderr, "tandem-bench session: --scenario is startup, flood, echo, tcp-echo, roam, wake, idle or predict\n");
  return 2;
}

}  // namespace tandem::bench
