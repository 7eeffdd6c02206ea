// A HostDirectory with no sockets, for the bootstrap service's tests and fuzzer:
// sessions in memory, host links as numbers and keys that are only handed out.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "relay/bootstrap_service.h"
#include "relay/token.h"

namespace tandem::testing {

class FakeDirectory : public relay::HostDirectory {
 public:
  relay::Session* find(const std::string& id) override {
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : it->second.get();
  }
  bool token_in_use(std::string_view token) const override {
    for (const auto& [id, s] : sessions_) {
      if (!s->ended() && s->role_of(token) != Role::kNone) return true;
    }
    return false;
  }
  relay::Session& create(std::string id, std::string rw, std::string ro, relay::SessionOptions options) override {
    auto s = std::make_unique<relay::Session>(id, std::move(rw), std::move(ro), std::move(options));
    relay::Session& ref = *s;
    sessions_[id] = std::move(s);
    return ref;
  }
  void drop(const std::string& id) override {
    sessions_.erase(id);
    links_.erase(id);
  }
  uint64_t host_link(const relay::Session& s) const override {
    auto it = links_.find(s.id());
    return it == links_.end() ? 0 : it->second;
  }
  std::pair<uint64_t, relay::LinkKeyBytes> attach_host(relay::Session& s) override {
    relay::LinkKeyBytes key;
    key.fill(uint8_t(next_link_));
    links_[s.id()] = next_link_;
    return {next_link_++, key};
  }
  Links links(const relay::Session& s, const std::string& host) const override {
    return relay::make_links(s.rw_token(), s.ro_token(), host, 2222, 2222, "SHA256:relay");
  }

  size_t sessions_of_key(const std::string& key) const override {
    size_t n = 0;
    for (const auto& [id, s] : sessions_) n += !s->ended() && s->host_key() == key;
    return n;
  }
  size_t sessions_from(const std::string& ip) const override {
    size_t n = 0;
    for (const auto& [id, s] : sessions_) n += !s->ended() && s->host_ip() == ip;
    return n;
  }

  size_t sessions() const { return sessions_.size(); }
  std::string any_id_of(const std::string& key) const {
    for (const auto& [id, s] : sessions_) {
      if (s->host_key() == key && !s->ended()) return id;
    }
    return {};
  }
  // The relay restarted: it remembers nothing.
  void forget() {
    sessions_.clear();
    links_.clear();
  }

 private:
  std::map<std::string, std::unique_ptr<relay::Session>> sessions_;
  std::map<std::string, uint64_t> links_;
  uint64_t next_link_ = 1;
};

}  // namespace tandem::testing
