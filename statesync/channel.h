// What a sync connection sends through: one transport link, seen from either end.
#pragma once

#include <span>

#include "transport/client_link.h"
#include "transport/server_endpoint.h"

namespace tandem::statesync {

class Channel {
 public:
  virtual ~Channel() = default;
  // Sends one whole message; false if it could not be sent (the layer above retries).
  virtual bool send(std::span<const uint8_t> message) = 0;
  virtual const transport::Link& link() const = 0;
  // Whether a message could leave now: a server's link has nowhere to send until its
  // client's first datagram.
  virtual bool can_send() const { return true; }
};

// The client end: a ClientLink (host or native mate).
class ClientChannel : public Channel {
 public:
  explicit ClientChannel(transport::ClientLink& link) : link_(link) {}
  bool send(std::span<const uint8_t> message) override { return link_.send(message); }
  const transport::Link& link() const override { return link_.link(); }

 private:
  transport::ClientLink& link_;
};

// The server end: one link of a ServerEndpoint (the relay).
class EndpointChannel : public Channel {
 public:
  EndpointChannel(transport::ServerEndpoint& endpoint, uint64_t link_id)
      : endpoint_(endpoint), link_id_(link_id), link_(*endpoint.find(link_id)) {}
  bool send(std::span<const uint8_t> message) override { return endpoint_.send(link_id_, message); }
  const transport::Link& link() const override { return link_; }
  bool can_send() const override { return link_.peer().valid(); }

 private:
  transport::ServerEndpoint& endpoint_;
  uint64_t link_id_;
  const transport::Link& link_;
};

}  // namespace tandem::statesync
