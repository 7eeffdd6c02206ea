// The session's control socket ($TANDEM_SOCKET): a Unix socket in a private
// directory, where `tandem status`, `tandem links` and `tandem wait-ready`, run from
// inside the session, ask the host about it. One request line in (a ControlRequest),
// one answer out; anything else is answered with an error line. An answer may come
// later (`tandem kick` through a relay elsewhere waits for the relay to confirm):
// the asker is held, with the others (at most a few), until it does.
#pragma once

#include <event2/event.h>

#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "transport/event_loop.h"
#include "transport/fd.h"

namespace tandem {

// What may be asked, and how it reads on the socket: a word, then options ("status
// json rw"). What is printed inside the session lands on the shared screen, so the
// read-write links come only when asked for.
//
// `kick TARGET` names a mate as `tandem status` lists it (its number, name or
// address; the rest of the line, printable, at most kMaxTarget); `rotate [kick-all]`
// asks for new links. An answer that starts with kRefusedPrefix is a failure.
struct ControlRequest {
  enum class Ask { kStatus, kLinks, kWaitReady, kKick, kRotate };
  static constexpr size_t kMaxTarget = 64;
  Ask ask = Ask::kStatus;
  bool json = false;        // status: as one JSON object
  bool read_write = false;  // status, links: the read-write links too
  bool kick_all = false;    // rotate: every mate in goes too
  std::string target = {};  // kick: which mate
  bool operator==(const ControlRequest&) const = default;
};
inline constexpr std::string_view kRefusedPrefix = "tandem: cannot ";
std::string request_line(const ControlRequest& r);
std::optional<ControlRequest> parse_request(std::string_view line);

class ControlSocket {
 public:
  // Called once with the answer; later is fine, and after the socket is gone it does nothing.
  using Reply = std::function<void(const std::string& answer)>;
  using Handler = std::function<void(const ControlRequest& request, Reply reply)>;

  static std::unique_ptr<ControlSocket> open(event_base* base, Handler handler, std::string* error);
  ~ControlSocket();
  const std::string& path() const { return path_; }

  // Client side: asks the socket at `path`; the answer, or nullopt with `error`.
  static std::optional<std::string> ask(const std::string& path, const ControlRequest& request, std::string* error);

 private:
  struct Client {
    uint64_t id;
    transport::UniqueFd fd;
    std::unique_ptr<transport::Watch> readable;
    std::string request;
  };
  ControlSocket(event_base* base, Handler handler)
      : base_(base), handler_(std::move(handler)), self_(std::make_shared<ControlSocket*>(this)) {}
  void accept_all();
  void read(std::list<Client>::iterator client);
  void reply(uint64_t id, const std::string& answer);

  event_base* base_;
  Handler handler_;
  std::string dir_, path_;
  transport::UniqueFd fd_;
  std::unique_ptr<transport::Watch> accepting_;
  std::list<Client> clients_;
  uint64_t next_client_ = 0;
  std::shared_ptr<ControlSocket*> self_;  // replies hold it weakly: a late one finds no socket
};

}  // namespace tandem
