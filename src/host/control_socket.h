// The session's control socket ($TANDEM_SOCKET): a Unix socket in a private
// directory, where `tandem status`, `tandem links` and `tandem wait-ready`, run from
// inside the session, ask the host about it. One request line in (a ControlRequest),
// one answer out; anything else is answered with an error line.
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
  using Handler = std::function<std::string(const ControlRequest& request)>;

  static std::unique_ptr<ControlSocket> open(event_base* base, Handler handler, std::string* error);
  ~ControlSocket();
  const std::string& path() const { return path_; }

  // Client side: asks the socket at `path`; the answer, or nullopt with `error`.
  static std::optional<std::string> ask(const std::string& path, const ControlRequest& request, std::string* error);

 private:
  struct Client {
    transport::UniqueFd fd;
    std::unique_ptr<transport::Watch> readable;
    std::string request;
  };
  ControlSocket(event_base* base, Handler handler) : base_(base), handler_(std::move(handler)) {}
  void accept_all();
  void read(std::list<Client>::iterator client);

  event_base* base_;
  Handler handler_;
  std::string dir_, path_;
  transport::UniqueFd fd_;
  std::unique_ptr<transport::Watch> accepting_;
  std::list<Client> clients_;
};

}  // namespace tandem
