// `tandem-bench web --tandem PATH [--viewers N] [--lines N]`: one real `tandem relay`
// and a real host (`tandem` sharing bash, as in the rig), watched by N synthetic
// browser viewers: each opens a WebSocket to the relay's web port with the host's
// read-only web link, speaks the page's protocol (proto/web_message.h) and draws the
// frames on tandem's emulator, acknowledging each as the page does. Then the host
// prints N lines, a few milliseconds apart, and scrolls. Reports the relay's RSS per
// viewer and its CPU (cores: user+sys seconds per wall second) until every viewer
// shows the last line. Loopback only.
//
// `tandem-bench web --tandem PATH --echo KEYS --playwright DIR [--net lan|wan]`:
// the browser echo instead: bench/web_echo.mjs drives headless Chromium on the
// host's read-write web link, typing into `cat`, timed in the page.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "bench/bench.h"
#include "bench/rig.h"
#include "proto/web_message.h"
#include "statesync/screen/terminal.h"
#include "transport/web_socket_dialer.h"

namespace tandem::bench {
namespace {

using namespace std::chrono_literals;

struct Viewer {
  std::unique_ptr<transport::WebSocketDialer> dialer;
  std::unique_ptr<transport::WebSocket> socket;
  screen::Terminal term{80, 24, 0};
  uint64_t bytes = 0, frames = 0;
  bool closed = false;

  void on_message(std::string_view m) {
    bytes += m.size();
    if (m.size() < 5 || m[0] != proto::web::kFrame) return;
    const auto* p = reinterpret_cast<const uint8_t*>(m.data() + 1);
    const uint32_t seq = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
    term.write(m.substr(5));
    ++frames;
    socket->send(proto::web::encode(proto::web::Ack{seq}));
  }
  bool shows(std::string_view text) const {
    for (int y = 0; y < term.rows(); ++y) {
      if (term.state().fb.row(y).text().find(text) != std::string::npos) return true;
    }
    return false;
  }
};

// The host runs `cat`; bench/web_echo.mjs (next to this file's source, found from
// this binary's build) types into it from Chromium and prints its JSON line.
int browser_echo(const std::string& tandem, const std::string& playwright, const std::string& net, int keys) {
  const NetProfile* profile = find_profile(net);
  const std::string script = std::string(TANDEM_SOURCE_DIR) + "/bench/web_echo.mjs";
  char* dir = realpath(playwright.c_str(), nullptr);  // node runs elsewhere
  const std::string module = std::string(dir ? dir : playwright.c_str()) + "/node_modules/playwright-core/index.mjs";
  free(dir);
  if (!profile || access(module.c_str(), R_OK) != 0 || access("/usr/bin/chromium", X_OK) != 0) {
    std::printf("{\"bench\":\"web_echo\",\"skipped\":\"needs --net lan|wan, chromium and playwright-core in %s\"}\n",
                playwright.c_str());
    return 0;
  }
  Rig rig(tandem, *profile, 1);
  std::string error;
  if (!rig.start(false, false, &error)) {
    std::printf("{\"bench\":\"web_echo\",\"error\":\"%s\"}\n", error.c_str());
    return 1;
  }
  std::ifstream in(rig.dir() + "/links");
  std::string line, web_rw;
  while (std::getline(in, line)) {
    if (line.rfind("web-rw ", 0) == 0) web_rw = line.substr(7);
  }
  const size_t hash = web_rw.find('#');
  if (hash == std::string::npos) {
    std::printf("{\"bench\":\"web_echo\",\"error\":\"no web link from the host\"}\n");
    return 1;
  }
  const std::string url = web_rw.substr(0, hash) + "?renderer=dom" + web_rw.substr(hash);
  rig.host().type("clear; cat\r");
  rig.run_for(std::chrono::milliseconds(500));
  std::vector<std::string> argv{"node", script, url, std::to_string(keys), net};
  auto node = Watched::spawn(rig.base(), argv, {"PLAYWRIGHT=" + module, "HOME=" + rig.dir()}, &error);
  if (!node) {
    std::printf("{\"bench\":\"web_echo\",\"error\":\"%s\"}\n", error.c_str());
    return 1;
  }
  rig.run_until([&] { return node->raw().find("\"bench\":\"web_echo\"") != std::string::npos && node->raw().find('}') != std::string::npos; },
                std::chrono::seconds(120));
  const std::string raw = node->raw();
  const size_t start = raw.find("{\"bench\":\"web_echo\"");
  const size_t end = raw.find('}', start == std::string::npos ? 0 : start);
  if (start == std::string::npos || end == std::string::npos) {
    std::string said = raw.substr(raw.size() > 300 ? raw.size() - 300 : 0);
    for (char& c : said) {
      if (c == '"' || c == '\\' || uint8_t(c) < 0x20) c = ' ';
    }
    std::printf("{\"bench\":\"web_echo\",\"error\":\"the browser gave no figures: %s\"}\n", said.c_str());
    return 1;
  }
  std::printf("%s\n", raw.substr(start, end - start + 1).c_str());
  return 0;
}

}  // namespace

int web_main(const std::vector<std::string>& args) {
  std::string tandem, playwright, net = "lan";
  int viewers = 1000, lines = 500, echo_keys = 0;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--tandem") tandem = args[i + 1];
    else if (args[i] == "--echo") echo_keys = std::max(1, std::atoi(args[i + 1].c_str()));
    else if (args[i] == "--playwright") playwright = args[i + 1];
    else if (args[i] == "--net") net = args[i + 1];
    else if (args[i] == "--viewers") viewers = std::max(1, std::atoi(args[i + 1].c_str()));
    else if (args[i] == "--lines") lines = std::max(1, std::atoi(args[i + 1].c_str()));
  }
  if (tandem.empty()) {
    std::fprintf(stderr,
                 "usage: tandem-bench web --tandem PATH [--viewers N] [--lines N]\n"
                 "       tandem-bench web --tandem PATH --echo KEYS --playwright DIR [--net lan|wan]\n");
    return 2;
  }
  if (echo_keys > 0) return browser_echo(tandem, playwright, net, echo_keys);
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;  // the relay inherits it: a socket per viewer
  setrlimit(RLIMIT_NOFILE, &nofile);

  Rig rig(tandem, *find_profile("lan"), 1);
  std::string error;
  if (!rig.start(false, false, &error)) {
    std::printf("{\"bench\":\"web_viewers\",\"error\":\"%s\"}\n", error.c_str());
    return 1;
  }
  std::ifstream in(rig.dir() + "/links");
  std::string line, web_ro;
  while (std::getline(in, line)) {
    if (line.rfind("web-ro ", 0) == 0) web_ro = line.substr(7);
  }
  const size_t hash = web_ro.find('#'), colon = web_ro.rfind(':', hash);
  if (web_ro.empty() || hash == std::string::npos || colon == std::string::npos) {
    std::printf("{\"bench\":\"web_viewers\",\"error\":\"no web link from the host\"}\n");
    return 1;
  }
  const std::string token = web_ro.substr(hash + 1);
  const int port = std::atoi(web_ro.c_str() + colon + 1);
  const pid_t relay = rig.relay_pid();
  rig.run_for(500ms);
  const long rss_before = rss_kb(relay);

  std::vector<std::unique_ptr<Viewer>> all;
  const uint64_t t_join = now_us();
  for (int i = 0; i < viewers; ++i) {
    auto v = std::make_unique<Viewer>();
    Viewer* raw = v.get();
    transport::WebSocketDialer::Request r;
    r.address = *transport::Address::parse("127.0.0.1:" + std::to_string(port));
    v->dialer = std::make_unique<transport::WebSocketDialer>(
        rig.base(), r,
        transport::WebSocket::Callbacks{.on_message = [raw](std::string_view m) { raw->on_message(m); },
                                        .on_closed = [raw](const std::string&) { raw->closed = true; },
                                        .on_drained = nullptr},
        [raw, token](std::unique_ptr<transport::WebSocket> s, const std::string&) {
          raw->socket = std::move(s);
          if (raw->socket) raw->socket->send(proto::web::encode(proto::web::Hello{80, 24, token}));
          else raw->closed = true;
        });
    all.push_back(std::move(v));
    if (i % 50 == 49) rig.run_for(20ms);  // a few at a time, as a crowd arrives
  }
  auto count = [&](auto pred) { return int(std::count_if(all.begin(), all.end(), [&](const auto& v) { return pred(*v); })); };
  rig.run_until([&] { return count([](const Viewer& v) { return v.frames > 0 || v.closed; }) == viewers; }, 120s);
  const double join_s = double(now_us() - t_join) / 1e6;
  rig.run_for(1000ms);
  const long rss_after = rss_kb(relay);
  const int joined = count([](const Viewer& v) { return v.frames > 0 && !v.closed; });

  // The host prints and scrolls; every viewer must end on the last line.
  for (auto& v : all) v->bytes = 0;
  const double cpu0 = cpu_seconds(relay);
  const uint64_t t0 = now_us();
  rig.host().type("for i in $(seq 1 " + std::to_string(lines) +
                  "); do echo \"scroll line $i of the web bench\"; sleep 0.005; done; echo done-$((6*7))\r");
  rig.run_until([&] { return count([](const Viewer& v) { return v.closed || v.shows("done-42"); }) == viewers; },
                300s);
  const double wall = double(now_us() - t0) / 1e6;
  const double cpu = cpu_seconds(relay) - cpu0;
  const int saw_last = count([](const Viewer& v) { return !v.closed && v.shows("done-42"); });
  uint64_t bytes = 0;
  for (auto& v : all) bytes += v->bytes;
  const double per_viewer_kb = joined > 0 ? double(rss_after - rss_before) / joined : 0;
  std::printf(
      "{\"bench\":\"web_viewers\",\"viewers\":%d,\"joined\":%d,\"join_s\":%.1f,\"lines\":%d,\"relay_rss_before_kb\":%ld,"
      "\"relay_rss_after_kb\":%ld,\"relay_kb_per_viewer\":%.1f,\"goal_kb_per_viewer\":32,\"seconds\":%.1f,"
      "\"relay_cpu_cores\":%.3f,\"goal_cpu_cores\":0.5,\"saw_last_line\":%d,\"kb_per_viewer\":%.1f}\n",
      viewers, joined, join_s, lines, rss_before, rss_after, per_viewer_kb, wall, cpu / wall, saw_last,
      joined > 0 ? double(bytes) / joined / 1024 : 0);
  return saw_last == viewers ? 0 : 1;
}

}  // namespace tandem::bench
