#include "bench/rig.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tandem::bench {
namespace {

const NetProfile kProfiles[] = {
    {"lan", 0, 0, 0},
    {"wan", 50, 0, 0},
    {"wan-loss", 50, 0, 0.05},
    {"bad", 150, 20, 0.10},
    {"far", 100, 0, 0},  // across continents: 200 ms round trip
};

constexpr int kCols = 80, kRows = 24;

}  // namespace

std::string field_after(const std::string& text, const std::string& key) {
  size_t at = text.find(key);
  if (at == std::string::npos) return {};
  at += key.size();
  size_t end = text.find_first_of(" ,\r\n", at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

const NetProfile* find_profile(const std::string& name) {
  for (const NetProfile& p : kProfiles) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

uint64_t now_us() {
  return uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

// ---- Watched ----

Watched::Watched(event_base* base, std::unique_ptr<Pty> pty)
    : pty_(std::move(pty)), term_(kCols, kRows, 0) {
  event_.reset(event_new(base, pty_->fd(), EV_READ | EV_PERSIST, on_readable, this));
  event_add(event_.get(), nullptr);
}

Watched::~Watched() {
  event_.reset();
  if (pty_ && pty_->reap(false) < 0) {
    kill(pty_->pid(), SIGTERM);
    for (int i = 0; i < 100 && pty_->reap(false) < 0; ++i) usleep(10000);
    if (pty_->reap(false) < 0) {
      kill(pty_->pid(), SIGKILL);
      pty_->reap(true);
    }
  }
}

std::unique_ptr<Watched> Watched::spawn(event_base* base, const std::vector<std::string>& argv,
                                        const std::vector<std::string>& env, std::string* error) {
  std::unique_ptr<Pty> pty = Pty::spawn(argv, env, Size{uint16_t(kCols), uint16_t(kRows)}, error);
  if (!pty) return nullptr;
  return std::unique_ptr<Watched>(new Watched(base, std::move(pty)));
}

void Watched::on_readable(evutil_socket_t fd, short, void* arg) {
  auto* w = static_cast<Watched*>(arg);
  char buf[65536];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    w->alive_ = false;
    event_del(w->event_.get());
    return;
  }
  if (w->keep_raw_) w->raw_.append(buf, size_t(n));
  w->term_.write(std::string_view(buf, size_t(n)));
  if (std::string answer = w->term_.take_answerback(); !answer.empty()) w->pty_->write(answer);
  if (w->on_change) w->on_change();
}

std::string Watched::row(int y) const {
  if (y < 0 || y >= screen().rows()) return {};
  return screen().fb.row(y).text();
}

bool Watched::has_row(std::string_view text) const {
  for (int y = 0; y < screen().rows(); ++y) {
    if (row(y) == text) return true;
  }
  return false;
}

bool Watched::shows(std::string_view text) const {
  for (int y = 0; y < screen().rows(); ++y) {
    if (row(y).find(text) != std::string::npos) return true;
  }
  return false;
}

bool shows_line_then_prompt(const Watched& w, std::string_view line) {
  const screen::CursorState& c = w.screen().cursor;
  for (int y = 0; y + 1 < w.screen().rows(); ++y) {
    if (w.row(y) != line) continue;
    // The prompt, or (under a notice on the bottom row) the cursor just after it.
    if (w.row(y + 1).rfind("$", 0) == 0 || (c.y == y + 1 && c.x == 2)) return true;
  }
  return false;
}

// ---- TcpProxy ----

struct TcpProxy::Pair {
  struct Held {
    uint64_t due_us;
    bufferevent* to;
    std::string bytes;
  };
  TcpProxy* proxy;
  bufferevent* client = nullptr;
  bufferevent* server = nullptr;
  std::deque<Held> held;  // in order: the same delay for every chunk
  transport::EventPtr timer;
  ~Pair() {
    if (client) bufferevent_free(client);
    if (server) bufferevent_free(server);
  }
  static void on_read(bufferevent* from, void* arg) {
    auto* p = static_cast<Pair*>(arg);
    bufferevent* to = from == p->client ? p->server : p->client;
    evbuffer* in = bufferevent_get_input(from);
    const size_t n = evbuffer_get_length(in);
    (from == p->client ? p->proxy->up_ : p->proxy->down_) += n;
    if (p->proxy->delay_ms_ == 0) {
      bufferevent_write_buffer(to, in);
      return;
    }
    std::string bytes(n, '\0');
    evbuffer_remove(in, bytes.data(), n);
    p->held.push_back(Held{now_us() + uint64_t(p->proxy->delay_ms_) * 1000, to, std::move(bytes)});
    if (p->held.size() == 1) p->arm();
  }
  void arm() {
    if (!timer) timer.reset(evtimer_new(proxy->base_, on_timer, this));
    const uint64_t now = now_us(), due = held.front().due_us;
    const uint64_t wait = due > now ? due - now : 0;
    timeval tv{time_t(wait / 1000000), suseconds_t(wait % 1000000)};
    evtimer_add(timer.get(), &tv);
  }
  static void on_timer(evutil_socket_t, short, void* arg) {
    auto* p = static_cast<Pair*>(arg);
    const uint64_t now = now_us();
    while (!p->held.empty() && p->held.front().due_us <= now) {
      bufferevent_write(p->held.front().to, p->held.front().bytes.data(), p->held.front().bytes.size());
      p->held.pop_front();
    }
    if (!p->held.empty()) p->arm();
  }
  static void on_event(bufferevent*, short what, void* arg) {
    auto* p = static_cast<Pair*>(arg);
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
      if (p->client) bufferevent_disable(p->client, EV_READ);
      if (p->server) bufferevent_disable(p->server, EV_READ);
    }
  }
};

std::unique_ptr<TcpProxy> TcpProxy::open(event_base* base, uint16_t to_port, std::string* error, int delay_ms) {
  auto p = std::make_unique<TcpProxy>();
  p->base_ = base;
  p->delay_ms_ = delay_ms;
  p->to_port_ = to_port;
  p->fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (p->fd_ < 0 || bind(p->fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(p->fd_, 16) != 0) {
    *error = std::string("proxy: ") + std::strerror(errno);
    return nullptr;
  }
  socklen_t len = sizeof a;
  getsockname(p->fd_, reinterpret_cast<sockaddr*>(&a), &len);
  p->port_ = ntohs(a.sin_port);
  p->accept_.reset(event_new(base, p->fd_, EV_READ | EV_PERSIST, on_accept, p.get()));
  event_add(p->accept_.get(), nullptr);
  return p;
}

TcpProxy::~TcpProxy() {
  accept_.reset();
  pairs_.clear();
  if (fd_ >= 0) close(fd_);
}

void TcpProxy::on_accept(evutil_socket_t fd, short, void* arg) {
  auto* proxy = static_cast<TcpProxy*>(arg);
  int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (c < 0) return;
  auto pair = std::make_unique<Pair>();
  pair->proxy = proxy;
  pair->client = bufferevent_socket_new(proxy->base_, c, BEV_OPT_CLOSE_ON_FREE);
  pair->server = bufferevent_socket_new(proxy->base_, -1, BEV_OPT_CLOSE_ON_FREE);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(proxy->to_port_);
  for (bufferevent* b : {pair->client, pair->server}) {
    bufferevent_setcb(b, Pair::on_read, nullptr, Pair::on_event, pair.get());
    bufferevent_enable(b, EV_READ | EV_WRITE);
  }
  bufferevent_socket_connect(pair->server, reinterpret_cast<sockaddr*>(&a), sizeof a);
  proxy->pairs_.push_back(std::move(pair));
}

// ---- Rig ----

Rig::Rig(std::string tandem, NetProfile profile, uint64_t seed)
    : tandem_(std::move(tandem)), profile_(std::move(profile)), seed_(seed), base_(transport::make_event_base()) {
  char dir[] = "/tmp/tandem-bench-XXXXXX";
  if (mkdtemp(dir)) dir_ = dir;
}

Rig::~Rig() {
  if (mosh_pid_ > 0) kill(mosh_pid_, SIGTERM);
  ssh_.reset();
  mate_.reset();
  host_.reset();
  relay_.reset();
  proxy_.reset();
  mate_net_.reset();
  host_net_.reset();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

bool Rig::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const uint64_t deadline = now_us() + uint64_t(timeout.count()) * 1000;
  while (!done()) {
    if (now_us() >= deadline) return false;
    // Wake at least every 10 ms to look again (and to notice the deadline).
    timeval tv{0, 10000};
    event_base_loopexit(base_.get(), &tv);
    event_base_loop(base_.get(), EVLOOP_ONCE);
  }
  return true;
}

void Rig::run_for(std::chrono::milliseconds d) {
  const uint64_t until = now_us() + uint64_t(d.count()) * 1000;
  run_until([&] { return now_us() >= until; }, d + std::chrono::milliseconds(100));
}

bool Rig::start(bool native_mate, bool ssh_mate, std::string* error) {
  if (dir_.empty()) {
    *error = "no scratch directory";
    return false;
  }
  // Its log goes to a file: a PTY nobody drains for a while would stall the relay.
  relay_ = Watched::spawn(base(),
                          {"sh", "-c", "exec \"$0\" relay --listen 127.0.0.1:0 --udp-port 0 --state-dir \"$1\" --sessions-per-key 100000 "
                          "--sessions-per-address 100000 --connections-per-address 100000 2>>\"$2\"",
                           tandem_, dir_ + "/state", dir_ + "/relay.log"},
                          {}, error);
  if (!relay_ || !run_until([&] { return relay_->raw().find("relay-fingerprint = ") != std::string::npos; },
                            std::chrono::seconds(10))) {
    if (error->empty()) *error = "the relay did not start: " + (relay_ ? relay_->raw() : std::string());
    return false;
  }
  const std::string out = relay_->raw();
  const std::string ssh_addr = field_after(out, "SSH on ");
  const std::string udp = field_after(out, "UDP on port ");
  const std::string fp = field_after(out, "relay-fingerprint = ");
  const uint16_t ssh_port = uint16_t(std::stoi(ssh_addr.substr(ssh_addr.rfind(':') + 1)));
  const std::string udp_server = "127.0.0.1:" + udp;

  netsim::Impairment imp;
  imp.delay = std::chrono::milliseconds(profile_.delay_ms);
  imp.jitter = std::chrono::milliseconds(profile_.jitter_ms);
  imp.loss = profile_.loss;
  host_net_ = netsim::Netsim::open(base(), *transport::Address::parse("127.0.0.1:0"),
                                   *transport::Address::parse(udp_server), seed_, error);
  mate_net_ = netsim::Netsim::open(base(), *transport::Address::parse("127.0.0.1:0"),
                                   *transport::Address::parse(udp_server), seed_ + 1, error);
  proxy_ = TcpProxy::open(base(), ssh_port, error);
  if (!host_net_ || !mate_net_ || !proxy_) return false;
  host_net_->set_both(host_unimpaired_ ? netsim::Impairment{} : imp);
  mate_net_->set_both(imp);

  const std::string links = dir_ + "/links";
  const uint64_t t0 = now_us();
  host_ = Watched::spawn(base(),
                         {tandem_, "--relay", "127.0.0.1:" + std::to_string(ssh_port), "--relay-fingerprint", fp,
                          "--udp-endpoint", host_net_->address().to_string(), "--links-file", links, "--", "bash",
                          "--norc", "--noprofile"},
                         {"HOME=" + dir_, "TANDEM=", "PS1=$ ", "HISTFILE=/dev/null"}, error);
  if (!host_ || !run_until([&] { return host_->raw().find("read-only:") != std::string::npos; },
                           std::chrono::seconds(20))) {
    if (error->empty()) *error = "the host did not register: " + (host_ ? host_->raw() : std::string());
    return false;
  }
  start_to_links_us_ = now_us() - t0;
  if (!run_until([&] { return host_->has_row("$"); }, std::chrono::seconds(10))) {
    *error = "no prompt on the host";
    return false;
  }
  std::ifstream in(links);
  std::string line, join_rw, ssh_rw;
  while (std::getline(in, line)) {
    if (line.rfind("join-rw ", 0) == 0) join_rw = line.substr(8);
    if (line.rfind("rw ", 0) == 0) ssh_rw = line.substr(3);
  }
  if (native_mate) {
    std::vector<std::string> argv{tandem_, "join", join_rw, "--udp-endpoint", mate_net_->address().to_string()};
    if (mate_tcp_) {
      const std::string web = field_after(relay_->raw(), "web on 127.0.0.1:");
      web_proxy_ = TcpProxy::open(base(), uint16_t(std::atoi(web.c_str())), error, profile_.delay_ms);
      if (web.empty() || !web_proxy_) {
        if (error->empty()) *error = "the relay has no web port";
        return false;
      }
      argv.insert(argv.end(), {"--transport", "tcp", "--tcp-endpoint", "127.0.0.1:" + std::to_string(web_proxy_->port())});
    }
    if (!predict_.empty()) argv.insert(argv.end(), {"--predict", predict_});
    mate_ = Watched::spawn(base(), argv, {"HOME=" + dir_, "TANDEM="}, error);
    if (!mate_ || !run_until([&] { return mate_->has_row("$"); }, std::chrono::seconds(20))) {
      if (error->empty()) *error = "the native mate did not join: " + (mate_ ? mate_->raw() : std::string());
      return false;
    }
  }
  if (ssh_mate) {
    const size_t at = ssh_rw.rfind(' ');
    const std::string user_host = ssh_rw.substr(at + 1);
    ssh_ = Watched::spawn(base(),
                          {"ssh", "-p", std::to_string(proxy_->port()), "-o", "StrictHostKeyChecking=no", "-o",
                           "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", user_host},
                          {"HOME=" + dir_}, error);
    if (!ssh_ || !run_until([&] { return ssh_->has_row("$"); }, std::chrono::seconds(20))) {
      if (error->empty()) *error = "the ssh mate did not join: " + (ssh_ ? ssh_->raw() : std::string());
      return false;
    }
  }
  // Let the join notices fade before anything is measured.
  run_for(std::chrono::milliseconds(200));
  return true;
}

bool Rig::start_mosh(std::string* error) {
  if (dir_.empty()) {
    *error = "no scratch directory";
    return false;
  }
  auto server = Watched::spawn(base(),
                               {"mosh-server", "new", "-i", "127.0.0.1", "-p", "60001:60999", "--", "bash", "--norc",
                                "--noprofile"},
                               {"HOME=" + dir_, "PS1=$ ", "HISTFILE=/dev/null", "LANG=C.UTF-8"}, error);
  if (!server || !run_until([&] { return server->raw().find("detached, pid = ") != std::string::npos; },
                            std::chrono::seconds(10))) {
    if (error->empty()) *error = "mosh-server did not start: " + (server ? server->raw() : std::string());
    return false;
  }
  const std::string out = server->raw();
  mosh_pid_ = std::atoi(field_after(out, "detached, pid = ").c_str());
  const std::string port = field_after(out, "MOSH CONNECT ");
  const std::string key = field_after(out, "MOSH CONNECT " + port + " ");
  netsim::Impairment imp;
  imp.delay = std::chrono::milliseconds(profile_.delay_ms);
  imp.jitter = std::chrono::milliseconds(profile_.jitter_ms);
  imp.loss = profile_.loss;
  mate_net_ = netsim::Netsim::open(base(), *transport::Address::parse("127.0.0.1:0"),
                                   *transport::Address::parse("127.0.0.1:" + port), seed_ + 1, error);
  if (!mate_net_) return false;
  mate_net_->set_both(imp);
  mate_ = Watched::spawn(base(), {"mosh-client", "127.0.0.1", std::to_string(mate_net_->address().port())},
                         {"MOSH_KEY=" + key, "MOSH_PREDICTION_DISPLAY=" + (predict_.empty() ? "never" : predict_),
                          "LANG=C.UTF-8", "HOME=" + dir_},
                         error);
  if (!mate_ || !run_until([&] { return mate_->has_row("$"); }, std::chrono::seconds(20))) {
    if (error->empty()) *error = "mosh-client did not connect: " + (mate_ ? mate_->raw() : std::string());
    return false;
  }
  run_for(std::chrono::milliseconds(200));
  return true;
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}


}  // namespace tandem::bench
