// The end-to-end benchmark rig: a real `tandem relay`, a real host (`tandem` sharing
// bash), a native mate (`tandem join`) and a plain-ssh mate (OpenSSH), each on a PTY
// whose screen we read with tandem's own emulator. The host's and the native mate's
// UDP each go through an in-process netsim with the chosen network profile; the ssh
// mate's TCP through a byte-counting proxy. Loopback only.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/host/pty.h"
#include "statesync/screen/terminal.h"
#include "tests/netsim/netsim.h"

namespace tandem::bench {

struct NetProfile {
  std::string name;
  int delay_ms = 0;   // each way
  int jitter_ms = 0;
  double loss = 0;    // each way
};
// lan, wan, wan-loss, bad (as the benchmark issue defines them), far (200 ms round
// trip, for prediction); nullptr if unknown.
const NetProfile* find_profile(const std::string& name);

uint64_t now_us();
// The word after `key` in `text` ("" if absent).
std::string field_after(const std::string& text, const std::string& key);

// A program on a PTY, its screen kept by our emulator.
class Watched {
 public:
  static std::unique_ptr<Watched> spawn(event_base* base, const std::vector<std::string>& argv,
                                        const std::vector<std::string>& env, std::string* error);
  ~Watched();
  void type(std::string_view keys) { pty_->write(keys); }
  const screen::ScreenState& screen() const { return term_.state(); }
  // Text of row y (trailing blanks dropped); of the cursor's row.
  std::string row(int y) const;
  std::string cursor_row() const { return row(screen().cursor.y); }
  // Some row is exactly `text`.
  bool has_row(std::string_view text) const;
  bool shows(std::string_view text) const;  // some row contains `text`
  const std::string& raw() const { return raw_; }  // everything read, when keep_raw
  bool alive() const { return alive_; }
  pid_t pid() const { return pty_->pid(); }
  void set_keep_raw(bool on) { keep_raw_ = on; }
  std::function<void()> on_change;

 private:
  Watched(event_base* base, std::unique_ptr<Pty> pty);
  static void on_readable(evutil_socket_t, short, void* arg);
  std::unique_ptr<Pty> pty_;
  screen::Terminal term_;
  transport::EventPtr event_;
  std::string raw_;
  bool keep_raw_ = true;
  bool alive_ = true;
};

// A TCP proxy that counts bytes each way (for the ssh mate), and may hold them
// `delay_ms` each way (a TCP path on a slow network: no loss, as TCP hides it).
class TcpProxy {
 public:
  static std::unique_ptr<TcpProxy> open(event_base* base, uint16_t to_port, std::string* error, int delay_ms = 0);
  ~TcpProxy();
  uint16_t port() const { return port_; }
  uint64_t bytes_down() const { return down_; }  // server -> client
  uint64_t bytes_up() const { return up_; }
  struct Pair;

 private:
  static void on_accept(evutil_socket_t, short, void* arg);
  event_base* base_;
  uint16_t to_port_ = 0, port_ = 0;
  int delay_ms_ = 0;
  int fd_ = -1;
  transport::EventPtr accept_;
  std::vector<std::unique_ptr<Pair>> pairs_;
  uint64_t down_ = 0, up_ = 0;
  friend struct Pair;
};

class Rig {
 public:
  Rig(std::string tandem, NetProfile profile, uint64_t seed);
  ~Rig();
  // Relay, netsims, proxy, host; then the mates that are asked for. False with `error`.
  bool start(bool native_mate, bool ssh_mate, std::string* error);
  // Instead: mosh-server running bash and mosh-client (prediction display off unless
  // set_predict says otherwise, so what shows is what the server sent) through the
  // mate's netsim, point to point.
  // mate() is the client; host() is the client too (mosh has no third screen).
  bool start_mosh(std::string* error);
  bool is_mosh() const { return mosh_pid_ > 0; }
  // The host's link without impairment (only the mate's is impaired, as mosh's one link is).
  void set_host_unimpaired(bool on) { host_unimpaired_ = on; }
  // The native mate's --predict (nothing: its default), or mosh's prediction display
  // (nothing: never).
  void set_predict(std::string mode) { predict_ = std::move(mode); }
  // The native mate's datagrams go over TCP (`--transport tcp`) to the relay's web
  // port, through a proxy holding them the profile's delay each way.
  void set_mate_tcp(bool on) { mate_tcp_ = on; }

  // Runs the loop until `done()` holds or `timeout` passes; false on timeout.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  void run_for(std::chrono::milliseconds d);

  event_base* base() { return base_.get(); }
  Watched& host() { return host_ ? *host_ : *mate_; }
  Watched* mate() { return mate_.get(); }
  Watched* ssh() { return ssh_.get(); }
  netsim::Netsim& host_net() { return *host_net_; }
  netsim::Netsim& mate_net() { return *mate_net_; }
  TcpProxy& ssh_proxy() { return *proxy_; }
  const std::string& dir() const { return dir_; }
  pid_t relay_pid() const { return relay_->pid(); }
  const std::string& relay_output() const { return relay_->raw(); }
  // Microseconds from spawning the host to its links on screen.
  uint64_t start_to_links_us() const { return start_to_links_us_; }

 private:
  std::string tandem_;
  NetProfile profile_;
  uint64_t seed_;
  transport::EventBasePtr base_;
  std::string dir_;
  std::unique_ptr<Watched> relay_, host_, mate_, ssh_;
  std::unique_ptr<netsim::Netsim> host_net_, mate_net_;
  std::unique_ptr<TcpProxy> proxy_, web_proxy_;
  bool mate_tcp_ = false;
  uint64_t start_to_links_us_ = 0;
  pid_t mosh_pid_ = 0;
  bool host_unimpaired_ = false;
  std::string predict_;
};

// A process's resident set (kB) and CPU time so far (user + system seconds), from /proc.
long rss_kb(pid_t pid);
double cpu_seconds(pid_t pid);

// A prompt line ("$ " or "$") is on screen below a row that is exactly `line`.
bool shows_line_then_prompt(const Watched& w, std::string_view line);

}  // namespace tandem::bench
