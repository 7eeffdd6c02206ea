#include "src/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tandem {
namespace {

constexpr size_t kMaxRequest = 256;

}  // namespace

// One connected client: read a line (bounded), answer, close.
struct ControlSocket::Client {
  ControlSocket* owner;
  int fd;
  transport::EventPtr event;
  std::string request;
};

std::unique_ptr<ControlSocket> ControlSocket::open(event_base* base, Handler handler, std::string* error) {
  std::unique_ptr<ControlSocket> c(new ControlSocket(base, std::move(handler)));
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::string parent = runtime && *runtime ? runtime : "/tmp";
  c->dir_ = parent + "/tandem-" + std::to_string(getuid()) + "-" + std::to_string(getpid());
  if (mkdir(c->dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    if (error) *error = "cannot create " + c->dir_ + ": " + std::strerror(errno);
    return nullptr;
  }
  c->path_ = c->dir_ + "/control";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (c->path_.size() >= sizeof addr.sun_path) {
    if (error) *error = "socket path too long: " + c->path_;
    return nullptr;
  }
  std::strcpy(addr.sun_path, c->path_.c_str());
  unlink(c->path_.c_str());
  c->fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd_ < 0 || bind(c->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(c->fd_, 8) != 0) {
    if (error) *error = "cannot listen on " + c->path_ + ": " + std::strerror(errno);
    return nullptr;
  }
  c->accept_event_.reset(event_new(base, c->fd_, EV_READ | EV_PERSIST, on_accept, c.get()));
  event_add(c->accept_event_.get(), nullptr);
  return c;
}

ControlSocket::~ControlSocket() {
  accept_event_.reset();
  if (fd_ >= 0) close(fd_);
  unlink(path_.c_str());
  rmdir(dir_.c_str());
}

void ControlSocket::on_accept(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<ControlSocket*>(arg);
  for (int i = 0; i < 16; ++i) {
    int fd = accept4(self->fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto* client = new Client{self, fd, nullptr, {}};  // owned by its event: freed when answered
    client->event.reset(event_new(self->base_, fd, EV_READ | EV_PERSIST, on_client, client));
    event_add(client->event.get(), nullptr);
  }
}

void ControlSocket::on_client(evutil_socket_t, short, void* arg) {
  std::unique_ptr<Client> client(static_cast<Client*>(arg));
  char buf[128];
  ssize_t n = read(client->fd, buf, sizeof buf);
  if (n > 0) {
    client->request.append(buf, size_t(n));
    size_t nl = client->request.find('\n');
    if (nl == std::string::npos && client->request.size() < kMaxRequest) {
      client.release();  // not a whole line yet: keep waiting
      return;
    }
    std::string answer = client->owner->handler_(client->request.substr(0, nl));
    // The answer is small; the socket buffer takes it whole.
    ssize_t ignored = write(client->fd, answer.data(), answer.size());
    (void)ignored;
  }
  client->event.reset();
  close(client->fd);
}

std::optional<std::string> ControlSocket::ask(const std::string& path, const std::string& request,
                                              std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    if (error) *error = "socket path too long";
    return std::nullopt;
  }
  std::strcpy(addr.sun_path, path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (error) *error = "cannot reach the session at " + path + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return std::nullopt;
  }
  std::string line = request + "\n";
  if (write(fd, line.data(), line.size()) != ssize_t(line.size())) {
    close(fd);
    if (error) *error = "cannot talk to the session";
    return std::nullopt;
  }
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) answer.append(buf, size_t(n));
  close(fd);
  return answer;
}

}  // namespace tandem
