// A sync connection together with the link under it, built and torn down in one
// place: the connection goes first, then its channel, then the link (a link's
// callback must never reach a connection that is gone).
//
// ClientSync is the client end (a host or a native mate: its own UDP sockets,
// roaming, probing a silent peer, waking after sleep). EndpointSync is one link of
// the relay's ServerEndpoint.
#pragma once

#include <memory>
#include <string>

#include "statesync/channel.h"
#include "statesync/sync_connection.h"
#include "transport/client_link.h"
#include "transport/server_endpoint.h"

namespace tandem::statesync {

template <SyncState Out, SyncState In>
class ClientSync {
 public:
  using Connection = SyncConnection<Out, In>;

  // nullptr (with `error`) when no socket can be opened.
  static std::unique_ptr<ClientSync> open(event_base* base, const transport::Address& server,
                                          const transport::LinkKey& key, uint64_t link_id, Out out, In in,
                                          uint64_t send_delay_ms, transport::ClientLinkOptions options,
                                          std::string* error) {
    std::unique_ptr<ClientSync> c(new ClientSync);
    ClientSync* raw = c.get();
    c->link_ = transport::ClientLink::open(base, server, key, link_id,
                                           transport::LinkCallbacks{[raw](std::span<const uint8_t> m) {
                                                                      if (raw->sync_) raw->sync_->receive(m);
                                                                    },
                                                                    {}},
                                           std::move(options), error);
    if (!c->link_) return nullptr;
    c->channel_ = std::make_unique<ClientChannel>(*c->link_);
    c->sync_ = std::make_unique<Connection>(base, *c->channel_, std::move(out), std::move(in), send_delay_ms);
    // A client probes a silent relay, and says hello at once after a sleep.
    c->sync_->set_probe_when_silent(true);
    c->link_->set_on_wake([raw] { raw->sync_->poke(); });
    return c;
  }
  ~ClientSync() {
    sync_.reset();
    channel_.reset();
  }

  Connection& sync() { return *sync_; }
  const Connection& sync() const { return *sync_; }
  transport::ClientLink& link() { return *link_; }
  const transport::ClientLink& link() const { return *link_; }

 private:
  ClientSync() = default;
  std::unique_ptr<transport::ClientLink> link_;
  std::unique_ptr<ClientChannel> channel_;
  std::unique_ptr<Connection> sync_;
};

template <SyncState Out, SyncState In>
class EndpointSync {
 public:
  using Connection = SyncConnection<Out, In>;

  // A fresh link on `endpoint` (which outlives this) with a random id and key, for
  // the peer that is handed them.
  EndpointSync(event_base* base, transport::ServerEndpoint& endpoint, Out out, In in, uint64_t send_delay_ms)
      : endpoint_(endpoint), link_id_(transport::random_link_id()), key_(transport::random_link_key()) {
    endpoint_.add_link(link_id_, key_, transport::LinkCallbacks{[this](std::span<const uint8_t> m) {
                                                                  if (sync_) sync_->receive(m);
                                                                },
                                                                {}});
    channel_ = std::make_unique<EndpointChannel>(endpoint_, link_id_);
    sync_ = std::make_unique<Connection>(base, *channel_, std::move(out), std::move(in), send_delay_ms);
  }
  EndpointSync(const EndpointSync&) = delete;
  ~EndpointSync() {
    sync_.reset();
    channel_.reset();
    endpoint_.remove_link(link_id_);
  }

  uint64_t link_id() const { return link_id_; }
  const transport::LinkKey& key() const { return key_; }
  Connection& sync() { return *sync_; }
  const Connection& sync() const { return *sync_; }

 private:
  transport::ServerEndpoint& endpoint_;
  uint64_t link_id_;
  transport::LinkKey key_;
  std::unique_ptr<EndpointChannel> channel_;
  std::unique_ptr<Connection> sync_;
};

}  // namespace tandem::statesync
