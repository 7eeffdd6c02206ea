// libssh's handles, owned once (RAII), and the two things both ends of tandem's SSH
// do with keys: name one by its fingerprint, and read a list of them. Shared by the
// relay's front door and the clients' bootstraps (the only relay header a client
// includes).
#pragma once

#include <libssh/libssh.h>
#include <libssh/server.h>

#include <memory>
#include <set>
#include <string>

namespace tandem::ssh {

struct SessionFree {
  void operator()(ssh_session s) const {
    ssh_disconnect(s);
    ssh_free(s);
  }
};
struct ChannelFree {
  void operator()(ssh_channel c) const { ssh_channel_free(c); }
};
struct KeyFree {
  void operator()(ssh_key k) const { ssh_key_free(k); }
};
struct BindFree {
  void operator()(ssh_bind b) const { ssh_bind_free(b); }
};
struct PollFree {
  void operator()(ssh_event e) const { ssh_event_free(e); }
};
using SessionPtr = std::unique_ptr<ssh_session_struct, SessionFree>;
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelFree>;
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyFree>;
using BindPtr = std::unique_ptr<ssh_bind_struct, BindFree>;
using PollPtr = std::unique_ptr<ssh_event_struct, PollFree>;

// The "SHA256:..." fingerprint of a public key, as ssh-keygen -l prints it.
std::string key_fingerprint(ssh_key key);
// Fingerprints of the keys in an authorized_keys-style file; false with `error` if
// unreadable, malformed or empty.
bool read_authorized_keys(const std::string& path, std::set<std::string>& out, std::string* error);

}  // namespace tandem::ssh
