// `tandem-bench tmate`: the legacy mode side by side with tmate, in one run. The
// flood is the session bench's: `seq 1 200000; cat FILE` (FILE = `seq 1 300000`),
// typed by an OpenSSH mate, then a last line; counted by TCP proxies in front of
// the relay (host -> relay, relay -> ssh mate).
//   via-tmate-relay: through the unmodified tmate-ssh-server (../shared/peers), with
//       Debian's tmate as host and with tandem as host: bytes host -> relay and to
//       the ssh mate, and the time until the ssh mate shows the last line.
//   tmate-host: Debian's tmate as host through `tandem relay`: the same figures,
//       beside those of tmate-ssh-server above.
// Needs root (tmate-ssh-server jails each session); says so and skips otherwise.
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/bench.h"
#include "bench/rig.h"

namespace tandem::bench {
namespace {

using namespace std::chrono_literals;

struct Loop {
  transport::EventBasePtr base = transport::make_event_base();
  bool until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const uint64_t deadline = now_us() + uint64_t(timeout.count()) * 1000;
    while (!done()) {
      if (now_us() >= deadline) return false;
      timeval tv{0, 10000};
      event_base_loopexit(base.get(), &tv);
      event_base_loop(base.get(), EVLOOP_ONCE);
    }
    return true;
  }
};

uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The four ~/.tmate.conf lines that name a relay at 127.0.0.1:`port`.
std::string tmate_conf(uint16_t port, const std::string& rsa, const std::string& ed25519) {
  return "set -g tmate-server-host 127.0.0.1\nset -g tmate-server-port " + std::to_string(port) +
         "\nset -g tmate-server-rsa-fingerprint " + rsa + "\nset -g tmate-server-ed25519-fingerprint " + ed25519 + "\n";
}

struct Flood {
  uint64_t host_bytes = 0, mate_bytes = 0;
  double last_line_ms = -1;
  std::string error;
};

class Bench {
 public:
  Bench(std::string tandem, std::string peer, std::string dir)
      : tandem_(std::move(tandem)), peer_(std::move(peer)), dir_(std::move(dir)) {}

  // Runs a program to its end (on the loop: the proxies must keep moving); its output.
  std::string run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    std::string error;
    std::unique_ptr<Watched> w = Watched::spawn(loop_.base.get(), argv, env, &error);
    if (!w) return {};
    loop_.until([&] { return !w->alive(); }, 30s);
    return w->raw();
  }

  // A relay (its fingerprints), and proxies in front of it for the host and the mate.
  bool start_tmate_relay(std::string* error) {
    tss_port_ = free_port();
    tss_ = Watched::spawn(loop_.base.get(),
                          {"sh", "-c", "exec \"$0\" \"$1\" \"$2\" 2>>\"$3\"", peer_ + "/start", std::to_string(tss_port_),
                           dir_ + "/tss-keys", dir_ + "/tss.log"},
                          {}, error);
    if (!tss_ || !loop_.until([&] { return tss_->raw().find("ed25519-fingerprint SHA256:") != std::string::npos; }, 60s)) {
      *error = "tmate-ssh-server did not start: " + read_text(dir_ + "/tss.log");
      return false;
    }
    tss_rsa_ = field_after(tss_->raw(), "rsa-fingerprint ");
    tss_ed_ = field_after(tss_->raw(), "ed25519-fingerprint ");
    // Listening once a connection is taken.
    return loop_.until(
        [&] {
          const int fd = socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in a{};
          a.sin_family = AF_INET;
          a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          a.sin_port = htons(tss_port_);
          const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
          close(fd);
          return ok;
        },
        10s);
  }

  bool start_tandem_relay(std::string* error) {
    relay_ = Watched::spawn(loop_.base.get(),
                            {"sh", "-c", "exec \"$0\" relay --listen 127.0.0.1:0 --state-dir \"$1\" 2>>\"$2\"", tandem_,
                             dir_ + "/relay-state", dir_ + "/relay.log"},
                            {}, error);
    if (!relay_ || !loop_.until([&] { return relay_->raw().find("ed25519-fingerprint SHA256:") != std::string::npos; }, 30s)) {
      *error = "tandem relay did not start";
      return false;
    }
    const std::string out = relay_->raw();
    relay_port_ = uint16_t(std::atoi(field_after(out, "tmate-server-port ").c_str()));
    relay_rsa_ = field_after(out, "rsa-fingerprint ");
    relay_ed_ = field_after(out, "ed25519-fingerprint ");
    return relay_port_ != 0;
  }

  // The flood, from a host of `kind` ("tmate" or "tandem") through the relay at
  // `port` (pinned by `rsa`/`ed25519`).
  Flood flood(const std::string& kind, uint16_t port, const std::string& rsa, const std::string& ed25519) {
    Flood f;
    std::string error;
    std::unique_ptr<TcpProxy> host_proxy = TcpProxy::open(loop_.base.get(), port, &error);
    std::unique_ptr<TcpProxy> mate_proxy = TcpProxy::open(loop_.base.get(), port, &error);
    if (!host_proxy || !mate_proxy) return f.error = "no proxy: " + error, f;
    const std::string home = dir_ + "/home-" + kind + "-" + std::to_string(port);
    mkdir(home.c_str(), 0700);
    std::ofstream(home + "/.tmate.conf") << tmate_conf(host_proxy->port(), rsa, ed25519);
    const std::vector<std::string> env = {"HOME=" + home, "PS1=$ ", "TERM=xterm-256color"};
    const std::string sock = home + "/tmate.sock";
    std::unique_ptr<Watched> host;
    std::string link;
    if (kind == "tmate") {
      run({"tmate", "-S", sock, "new-session", "-d", "env PS1='$ ' bash --norc --noprofile"}, env);
      run({"tmate", "-S", sock, "wait", "tmate-ready"}, env);
      link = run({"tmate", "-S", sock, "display", "-p", "#{tmate_ssh}"}, env);
    } else {
      host = Watched::spawn(loop_.base.get(),
                            {tandem_, "--relay-protocol", "tmate", "--links-file", home + "/links", "--", "bash",
                             "--norc", "--noprofile"},
                            env, &error);
      loop_.until([&] { return read_text(home + "/links").find("\nro ") != std::string::npos; }, 30s);
      std::istringstream lines(read_text(home + "/links"));
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("rw ", 0) == 0) link = line.substr(3);
      }
    }
    // "ssh -pPORT TOKEN@HOST" (tmate's form) or "ssh -p PORT TOKEN@HOST": the mate
    // dials the proxy instead.
    const size_t at = link.find('@');
    const size_t space = link.rfind(' ', at);
    if (at == std::string::npos || space == std::string::npos) {
      f.error = kind + " host gave no link: '" + link + "'";
      cleanup(kind, sock, env);
      return f;
    }
    const std::string token = link.substr(space + 1, at - space - 1);
    std::unique_ptr<Watched> mate = Watched::spawn(
        loop_.base.get(),
        {"ssh", "-p", std::to_string(mate_proxy->port()), "-o", "StrictHostKeyChecking=no", "-o",
         "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", token + "@127.0.0.1"},
        env, &error);
    if (!mate) return f.error = error, f;
    // tmate opens its pane on its messages; a mate leaves them with q.
    loop_.until([&] { return mate->shows("Press <q>") || mate->cursor_row().rfind("$", 0) == 0; }, 20s);
    if (mate->shows("Press <q>")) mate->type("q");
    if (!loop_.until([&] { return mate->cursor_row().rfind("$", 0) == 0; }, 20s)) {
      f.error = kind + ": the ssh mate never saw the prompt:";
      for (int y = 0; y < mate->screen().rows(); ++y) {
        if (!mate->row(y).empty()) f.error += " | " + mate->row(y);
      }
      cleanup(kind, sock, env);
      return f;
    }
    loop_.until([] { return false; }, 1s);  // the join settles
    const uint64_t h0 = host_proxy->bytes_up(), m0 = mate_proxy->bytes_down();
    const uint64_t t0 = now_us();
    mate->type("seq 1 200000; cat " + dir_ + "/file; echo flood-$((6*7))\r");
    if (!loop_.until([&] { return shows_line_then_prompt(*mate, "flood-42"); }, 300s)) {
      f.error = kind + ": the ssh mate never showed the last line";
    } else {
      f.last_line_ms = double(now_us() - t0) / 1000.0;
    }
    // Until nothing moves for a second (the last frames and history).
    uint64_t last = 0;
    for (int i = 0; i < 30; ++i) {
      loop_.until([] { return false; }, 1s);
      const uint64_t now = host_proxy->bytes_up() + mate_proxy->bytes_down();
      if (now == last) break;
      last = now;
    }
    f.host_bytes = host_proxy->bytes_up() - h0;
    f.mate_bytes = mate_proxy->bytes_down() - m0;
    mate.reset();
    host.reset();
    cleanup(kind, sock, env);
    return f;
  }

  void cleanup(const std::string& kind, const std::string& sock, const std::vector<std::string>& env) {
    if (kind == "tmate") run({"tmate", "-S", sock, "kill-server"}, env);
  }

  std::string tandem_, peer_, dir_;
  Loop loop_;
  std::unique_ptr<Watched> tss_, relay_;
  uint16_t tss_port_ = 0, relay_port_ = 0;
  std::string tss_rsa_, tss_ed_, relay_rsa_, relay_ed_;
};

void print(const char* scenario, const char* host, const char* relay, const Flood& f) {
  if (!f.error.empty()) {
    std::printf("{\"bench\":\"tmate\",\"scenario\":\"%s\",\"host\":\"%s\",\"relay\":\"%s\",\"error\":\"%s\"}\n", scenario,
                host, relay, f.error.c_str());
    return;
  }
  std::printf("{\"bench\":\"tmate\",\"scenario\":\"%s\",\"host\":\"%s\",\"relay\":\"%s\",\"host_to_relay_bytes\":%llu,"
              "\"relay_to_ssh_mate_bytes\":%llu,\"last_line_ms\":%.0f}\n",
              scenario, host, relay, (unsigned long long)f.host_bytes, (unsigned long long)f.mate_bytes, f.last_line_ms);
}

double ratio(uint64_t a, uint64_t b) { return b ? double(a) / double(b) : -1; }

}  // namespace

int tmate_main(const std::vector<std::string>& args) {
  std::string tandem, peer;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--tandem") tandem = args[i + 1];
    if (args[i] == "--peer") peer = args[i + 1];
  }
  if (tandem.empty() || peer.empty()) {
    std::fprintf(stderr, "usage: tandem-bench tmate --tandem PATH --peer DIR (of tmate-ssh-server)\n");
    return 2;
  }
  if (geteuid() != 0 || access((peer + "/tmate-ssh-server").c_str(), X_OK) != 0 || system("command -v tmate >/dev/null") != 0) {
    std::printf("{\"bench\":\"tmate\",\"skipped\":\"needs root, tmate and tmate-ssh-server in %s\"}\n", peer.c_str());
    return 0;
  }
  char tmpl[] = "/tmp/tandem-tmate-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  chmod(dir.c_str(), 0755);  // the relay gives root up
  {
    std::ofstream file(dir + "/file");
    for (int i = 1; i <= 300000; ++i) file << i << '\n';
  }
  Bench b(tandem, peer, dir);
  std::string error;
  if (!b.start_tmate_relay(&error)) {
    std::printf("{\"bench\":\"tmate\",\"error\":\"%s\"}\n", error.c_str());
    return 1;
  }
  const Flood tmate_tss = b.flood("tmate", b.tss_port_, b.tss_rsa_, b.tss_ed_);
  print("via-tmate-relay", "tmate", "tmate-ssh-server", tmate_tss);
  const Flood tandem_tss = b.flood("tandem", b.tss_port_, b.tss_rsa_, b.tss_ed_);
  print("via-tmate-relay", "tandem", "tmate-ssh-server", tandem_tss);
  if (tmate_tss.error.empty() && tandem_tss.error.empty()) {
    std::printf("{\"bench\":\"tmate\",\"scenario\":\"via-tmate-relay\",\"host_bytes_tandem_over_tmate\":%.4f,"
                "\"last_line_tandem_over_tmate\":%.2f}\n",
                ratio(tandem_tss.host_bytes, tmate_tss.host_bytes), tandem_tss.last_line_ms / tmate_tss.last_line_ms);
  }
  if (!b.start_tandem_relay(&error)) {
    std::printf("{\"bench\":\"tmate\",\"error\":\"%s\"}\n", error.c_str());
    return 1;
  }
  const Flood tmate_tandem = b.flood("tmate", b.relay_port_, b.relay_rsa_, b.relay_ed_);
  print("tmate-host", "tmate", "tandem relay", tmate_tandem);
  if (tmate_tss.error.empty() && tmate_tandem.error.empty()) {
    std::printf("{\"bench\":\"tmate\",\"scenario\":\"tmate-host\",\"ssh_mate_bytes_tandem_relay_over_tmate_relay\":%.4f,"
                "\"last_line_tandem_relay_over_tmate_relay\":%.2f}\n",
                ratio(tmate_tandem.mate_bytes, tmate_tss.mate_bytes), tmate_tandem.last_line_ms / tmate_tss.last_line_ms);
  }
  b.tss_.reset();
  b.relay_.reset();
  std::string rm = "rm -rf '" + dir + "'";
  (void)!system(rm.c_str());
  return 0;
}

}  // namespace tandem::bench
