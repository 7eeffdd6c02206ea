// A relay in this process (`tandem` with no relay configured): the session's mates
// connect to this machine, and the host attaches to its session directly, with no
// link in between.
#pragma once

#include "relay/relay.h"
#include "src/host/relay_backend.h"

namespace tandem {

class EmbeddedBackend : public RelayBackend {
 public:
  static std::unique_ptr<RelayBackend> open(event_base* base, const BackendOptions& options, BackendEvents events,
                                            std::string* error);

  const Links& links() const override { return links_; }
  std::string relay_name() const override { return {}; }
  void publish(const screen::ScreenState& screen) override { session_->publish(screen); }
  std::vector<MateInfo> mates() const override { return session_->mates(); }
  std::optional<LinkHealth> health() const override { return std::nullopt; }
  void end(const std::string& message) override { relay_->end_session(*session_, message); }
  bool ended() const override { return relay_->connected_mates() == 0; }
  void answer(uint64_t ticket, bool admit) override { session_->answer(ticket, admit); }
  void kick(const MateInfo& mate, KickDone done) override;
  void rotate(bool kick_all, RotateDone done) override;

 private:
  bool remember(std::string* error) const;
  std::unique_ptr<relay::Relay> relay_;
  relay::Session* session_ = nullptr;
  Links links_;
  std::string link_host_;                // the name the links carry
  const NamedSession* named_ = nullptr;  // its record follows the tokens
};

}  // namespace tandem
