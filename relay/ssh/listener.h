// The SSH server's transport: a TCP listener and its connections, libssh driven
// non-blocking on the event loop. It does the key exchange, carries one session
// channel per connection, and writes within the peer's window; what a connection
// is for (who may log in, what it is shown) is its ConnectionHandler's business.
//
// A connection moves through one state: handshake -> open -> (closing ->) dead. It
// is removed from the event loop before libssh closes its socket, and freed on the
// next turn of the loop, never under its own callback. What connections may cost is
// bounded (ListenerLimits): how many, from one address, and how long one may stay
// unused; a peer that stops reading is owed one write more, whatever its window.
#pragma once

#include <libssh/callbacks.h>

#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "proto/size.h"
#include "relay/ssh/handles.h"
#include "transport/address.h"
#include "transport/event_loop.h"
#include "transport/fd.h"

namespace tandem::ssh {

class Connection;

// What a connection asks of whoever serves it; one handler per connection.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Authentication: true accepts. `verified`: the key's signature has been checked
  // (the first call for a key is only a probe).
  virtual bool auth_none(std::string_view user) = 0;
  virtual bool auth_key(std::string_view user, const std::string& fingerprint, bool verified) = 0;
  // The client asked for a shell (after any pty request): true grants it.
  virtual bool shell() = 0;
  virtual bool subsystem(std::string_view name) = 0;
  // Bytes on the channel; returns how many were taken. What is not taken stays with
  // libssh, and the peer's window stays shut until read_unread() takes it.
  virtual size_t data(std::string_view bytes) = 0;
  virtual void resized(Size size) = 0;
  // Everything queued has been written: room for more.
  virtual void drained() {}
  // The connection is going; it is freed right after.
  virtual void closed() {}
};

// What connections may cost: how many at once (in all and from one address), and how
// long one may take to become useful (a shell or a subsystem) before it is closed.
struct ListenerLimits {
  size_t max_connections = 4096;
  size_t max_per_address = 128;
  std::chrono::milliseconds until_used{30000};
};

struct ListenerCounters {
  uint64_t accepted = 0;
  uint64_t refused_full = 0;     // over max_connections
  uint64_t refused_address = 0;  // over max_per_address
  uint64_t timed_out = 0;        // never opened a shell or subsystem in time
  uint64_t pauses = 0;           // out of file descriptors: accepting paused
  uint64_t wakeups = 0;          // times the listen socket called: what accepting costs the loop
};

class Connection {
 public:
  enum class State { kHandshake, kOpen, kClosing, kDead };

  Connection(const Connection&) = delete;
  ~Connection();

  State state() const { return state_; }
  const std::string& peer() const { return peer_; }  // "address:port"
  std::string ip() const { return address_.host(); }
  // The address the client dialed (this end of its TCP connection), without the port.
  std::string local_host() const;
  Size pty_size() const { return pty_size_; }  // 80x24 until the client says
  // The client's terminal type (pty-req) and its COLORTERM (if it sent that variable):
  // untrusted names, bounded; empty until said.
  const std::string& term() const { return term_; }
  const std::string& colorterm() const { return colorterm_; }

  // Queues bytes for the channel; they leave on the next turn of the loop, as the
  // peer's window allows (safe from anywhere, the handler's callbacks included).
  void send(std::string_view bytes);
  size_t pending() const { return pending_.size(); }
  // Sends what is queued, then the exit status (what the client's `ssh` returns: 0
  // for a session that ended, non-zero for a refusal), EOF and close (on the next
  // turn of the loop: safe from anywhere).
  void close_after_flush(int exit_status = 0);
  // Gone at once.
  void kill();
  // Sends an SSH banner (shown by clients before authentication ends).
  void banner(std::string_view text);
  // Up to `max` bytes of channel data the handler did not take before.
  std::string read_unread(size_t max);
  // Runs the connection: after any event, or when the owner changed what it queued.
  void service();

 private:
  friend class Listener;
  friend struct Callbacks;
  Connection(class Listener& listener, const transport::Address& address)
      : listener_(listener), address_(address), peer_(address.to_string()) {}
  void flush();
  void watch_writes();
  void used();  // a shell or subsystem was granted: no deadline any more

  Listener& listener_;
  transport::Address address_;
  std::string peer_;
  State state_ = State::kHandshake;
  int exit_status_ = 0;
  SessionPtr session_;
  PollPtr poll_;
  ChannelPtr channel_;
  ssh_server_callbacks_struct server_cb_{};
  ssh_channel_callbacks_struct channel_cb_{};
  std::unique_ptr<ConnectionHandler> handler_;
  std::unique_ptr<transport::Watch> readable_, writable_;  // destroyed before the session closes the socket
  std::unique_ptr<transport::Timer> soon_;                  // service() on the next turn of the loop
  std::unique_ptr<transport::Timer> deadline_;              // closes it if it is never used
  Size pty_size_{80, 24};
  std::string term_, colorterm_;
  std::string pending_;  // bytes the channel window has not taken yet
};

class Listener {
 public:
  using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(Connection&)>;
  // Listens on `listen` with `host_key` (taken over; nullptr: a fresh ed25519 key)
  // and `rsa_key` beside it (taken over; nullptr: none). nullptr with `error`.
  static std::unique_ptr<Listener> open(event_base* base, const transport::Address& listen, ssh_key host_key,
                                        ssh_key rsa_key, HandlerFactory handlers, ListenerLimits limits,
                                        std::string* error);
  ~Listener();

  uint16_t port() const { return port_; }
  // The host key's fingerprint, as `ssh-keygen -l` prints it ("SHA256:...").
  const std::string& fingerprint() const { return fingerprint_; }
  // The RSA host key's, or empty.
  const std::string& rsa_fingerprint() const { return rsa_fingerprint_; }
  size_t connections() const { return connections_.size(); }
  const ListenerCounters& counters() const { return counters_; }
  event_base* base() const { return base_; }

 private:
  friend class Connection;
  Listener(event_base* base, HandlerFactory handlers, ListenerLimits limits);
  void accept_all();
  bool admit(const Connection& c);
  void reap();

  event_base* base_;
  HandlerFactory handlers_;
  transport::UniqueFd fd_;
  uint16_t port_ = 0;
  BindPtr bind_;
  std::string fingerprint_, rsa_fingerprint_;
  ListenerLimits limits_;
  ListenerCounters counters_;
  std::unique_ptr<transport::Watch> accepting_;
  transport::Timer reaper_;
  transport::Timer resume_;  // accepting again after running out of file descriptors
  std::list<std::unique_ptr<Connection>> connections_;
};

}  // namespace tandem::ssh
