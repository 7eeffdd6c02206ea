#include "src/host/control_socket.h"

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tandem {
namespace {

constexpr size_t kMaxRequest = 256;
constexpr size_t kMaxClients = 16;
constexpr std::string_view kAsks[] = {"status", "links", "wait-ready", "kick", "rotate"};  // by ControlRequest::Ask

// The directories of sessions whose host was killed (no destructor ran): ours only,
// and only when no process of that number is alive.
void remove_stale_dirs(const std::string& parent) {
  const std::string prefix = "tandem-" + std::to_string(getuid()) + "-";
  DIR* d = opendir(parent.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (pid <= 0 || *end || (kill(pid_t(pid), 0) == 0 || errno != ESRCH)) continue;
    const std::string dir = parent + "/" + name;
    struct stat st{};
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) continue;
    unlink((dir + "/control").c_str());
    rmdir(dir.c_str());
  }
  closedir(d);
}

bool unix_address(const std::string& path, sockaddr_un& addr, std::string* error) {
  addr = sockaddr_un{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    if (error) *error = "socket path too long: " + path;
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return true;
}

}  // namespace

std::string request_line(const ControlRequest& r) {
  std::string line(kAsks[int(r.ask)]);
  if (r.json) line += " json";
  if (r.read_write) line += " rw";
  if (r.kick_all) line += " kick-all";
  if (r.ask == ControlRequest::Ask::kKick) line += " " + r.target;
  return line;
}

std::optional<ControlRequest> parse_request(std::string_view line) {
  ControlRequest r;
  size_t space = line.find(' ');
  const std::string_view ask = line.substr(0, space);
  size_t i = 0;
  while (i < std::size(kAsks) && kAsks[i] != ask) ++i;
  if (i == std::size(kAsks)) return std::nullopt;
  r.ask = ControlRequest::Ask(i);
  if (r.ask == ControlRequest::Ask::kKick) {
    if (space == std::string_view::npos) return std::nullopt;
    const std::string_view target = line.substr(space + 1);
    if (target.empty() || target.size() > ControlRequest::kMaxTarget) return std::nullopt;
    for (char c : target) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) return std::nullopt;
    }
    r.target = target;
    return r;
  }
  while (space != std::string_view::npos) {  // each option after one space
    line = line.substr(space + 1);
    space = line.find(' ');
    const std::string_view word = line.substr(0, space);
    if (word == "json" && r.ask == ControlRequest::Ask::kStatus) {
      r.json = true;
    } else if (word == "rw" && (r.ask == ControlRequest::Ask::kStatus || r.ask == ControlRequest::Ask::kLinks)) {
      r.read_write = true;
    } else if (word == "kick-all" && r.ask == ControlRequest::Ask::kRotate) {
      r.kick_all = true;
    } else {
      return std::nullopt;
    }
  }
  return r;
}

std::unique_ptr<ControlSocket> ControlSocket::open(event_base* base, Handler handler, std::string* error) {
  std::unique_ptr<ControlSocket> c(new ControlSocket(base, std::move(handler)));
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  const std::string parent = runtime && *runtime ? runtime : "/tmp";
  remove_stale_dirs(parent);
  c->dir_ = parent + "/tandem-" + std::to_string(getuid()) + "-" + std::to_string(getpid());
  if (mkdir(c->dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    if (error) *error = "cannot create " + c->dir_ + ": " + std::strerror(errno);
    return nullptr;
  }
  c->path_ = c->dir_ + "/control";
  sockaddr_un addr;
  if (!unix_address(c->path_, addr, error)) return nullptr;
  unlink(c->path_.c_str());
  c->fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!c->fd_ || bind(c->fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(c->fd_.get(), 8) != 0) {
    if (error) *error = "cannot listen on " + c->path_ + ": " + std::strerror(errno);
    return nullptr;
  }
  ControlSocket* raw = c.get();
  c->accepting_ =
      std::make_unique<transport::Watch>(base, c->fd_.get(), transport::Watch::For::kRead, [raw] { raw->accept_all(); });
  return c;
}

ControlSocket::~ControlSocket() {
  clients_.clear();
  accepting_.reset();
  fd_.reset();
  unlink(path_.c_str());
  rmdir(dir_.c_str());
}

void ControlSocket::accept_all() {
  for (int i = 0; i < 16; ++i) {
    transport::UniqueFd fd(accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) return;
    if (clients_.size() >= kMaxClients) continue;  // closed: ask again later
    clients_.push_back(Client{next_client_++, std::move(fd), nullptr, {}});
    auto it = std::prev(clients_.end());
    it->readable = std::make_unique<transport::Watch>(base_, it->fd.get(), transport::Watch::For::kRead,
                                                      [this, it] { read(it); });
  }
}

// Reads a line (bounded) and hands it on; the client waits, unread, for its answer.
void ControlSocket::read(std::list<Client>::iterator client) {
  char buf[128];
  const ssize_t n = ::read(client->fd.get(), buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    clients_.erase(client);  // the watch goes before its fd
    return;
  }
  client->request.append(buf, size_t(n));
  const size_t nl = client->request.find('\n');
  if (nl == std::string::npos && client->request.size() < kMaxRequest) return;  // not a whole line yet
  client->readable.reset();
  std::optional<ControlRequest> request = parse_request(std::string_view(client->request).substr(0, nl));
  const uint64_t id = client->id;
  if (!request) {
    reply(id, "tandem: unknown request\n");
    return;
  }
  std::weak_ptr<ControlSocket*> self = self_;
  handler_(*request, [self, id](const std::string& answer) {
    if (std::shared_ptr<ControlSocket*> socket = self.lock()) (*socket)->reply(id, answer);
  });
}

void ControlSocket::reply(uint64_t id, const std::string& answer) {
  auto it = std::find_if(clients_.begin(), clients_.end(), [&](const Client& c) { return c.id == id; });
  if (it == clients_.end()) return;
  // The answer is small; the socket buffer takes it whole.
  (void)!write(it->fd.get(), answer.data(), answer.size());
  clients_.erase(it);
}

std::optional<std::string> ControlSocket::ask(const std::string& path, const ControlRequest& request,
                                              std::string* error) {
  sockaddr_un addr;
  if (!unix_address(path, addr, error)) return std::nullopt;
  transport::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (error) *error = "cannot reach the session at " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const std::string line = request_line(request) + "\n";
  if (write(fd.get(), line.data(), line.size()) != ssize_t(line.size())) {
    if (error) *error = "cannot talk to the session";
    return std::nullopt;
  }
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) answer.append(buf, size_t(n));
  return answer;
}

}  // namespace tandem
