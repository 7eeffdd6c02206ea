#include "relay/session.h"

#include <sodium.h>

#include <algorithm>
#include <ctime>

#include "relay/token.h"
#include "statesync/screen/display.h"

namespace tandem::relay {
namespace {

constexpr Size kSmallestMateSize{10, 3};  // a read-write mate's terminal bounds the session no further

std::string clock_text(uint64_t unix_ms) {
  std::time_t t = std::time_t(unix_ms / 1000);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S UTC", std::gmtime(&t));
  return text;
}

std::string duration_text(std::chrono::seconds d) {
  const long s = long(d.count());
  if (s % 3600 == 0) return std::to_string(s / 3600) + " h";
  if (s % 60 == 0) return std::to_string(s / 60) + " min";
  return std::to_string(s) + " s";
}

}  // namespace

Session::Session(std::string id, std::string rw_token, std::string ro_token, SessionOptions options)
    : id_(std::move(id)), rw_token_(std::move(rw_token)), ro_token_(std::move(ro_token)), options_(std::move(options)) {}

Session::~Session() = default;

Role Session::role_of(std::string_view token) const {
  if (!rw_token_.empty() && same_token(token, rw_token_)) return Role::kReadWrite;
  if (same_token(token, ro_token_)) return Role::kReadOnly;
  return Role::kNone;
}

void Session::publish(const screen::ScreenState& screen) {
  screen_ = screen.with_scrollback(options_.history);
  has_screen_ = true;
  republish();
}

void Session::republish() {
  shown_ = screen_;
  // Beside the cursor, not at the bottom: a mate's view smaller than the session
  // follows the cursor and would not show the session's bottom row.
  if (!host_notice_.empty()) screen::overlay_notice(shown_, host_notice_, screen::NoticeRow::kBesideTheCursor);
  if (!has_screen_ || ended_) return;
  for (Entry& e : mates_) {
    if (!e.removed) e.mate->show(shown_);
  }
}

void Session::set_host_notice(std::string text) {
  if (text == host_notice_) return;
  host_notice_ = std::move(text);
  republish();
}

void Session::check_host(std::chrono::milliseconds silent, uint64_t wall_ms, const HostTimeouts& t, uint64_t now_ms) {
  if (ended_) return;
  if (silent >= t.linger) {
    end("[tandem: session ended; the host did not come back within " + duration_text(t.linger) + "]", now_ms);
  } else if (silent >= t.lost) {
    if (host_notice_.empty()) {
      set_host_notice("tandem: host unreachable since " + clock_text(wall_ms - uint64_t(silent.count())) +
                      "; the session waits for it");
    }
  } else {
    set_host_notice({});
  }
}

void Session::end(const std::string& message, uint64_t now_ms) {
  if (ended_) return;
  ended_ = true;
  end_message_ = message;
  ended_at_ = now_ms;
  for (Entry& e : mates_) e.mate->end(message);
  std::vector<Waiting> waiting = std::move(waiting_);
  waiting_.clear();
  for (Waiting& w : waiting) w.done(Verdict::kEnded);
}

std::optional<uint64_t> Session::ask_host(const MateInfo& mate, uint64_t now_ms, std::function<void(Verdict)> done) {
  if (waiting_.size() >= kMaxWaitingMates || ended_) return std::nullopt;
  uint64_t ticket = 0;
  while (ticket == 0 ||
         std::any_of(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.ticket == ticket; })) {
    randombytes_buf(&ticket, sizeof ticket);
  }
  waiting_.push_back(Waiting{ticket, now_ms, std::move(done)});
  if (host_.on_approval) host_.on_approval(ticket, mate);
  return ticket;
}

void Session::withdraw(uint64_t ticket) {
  auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.ticket == ticket; });
  if (it == waiting_.end()) return;
  waiting_.erase(it);
  if (host_.on_withdrawn) host_.on_withdrawn(ticket);
}

// Taken off the list before `done` runs: it may join the mate, or ask again.
void Session::settle(uint64_t ticket, Verdict verdict) {
  auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.ticket == ticket; });
  if (it == waiting_.end()) return;
  std::function<void(Verdict)> done = std::move(it->done);
  waiting_.erase(it);
  done(verdict);
}

void Session::answer(uint64_t ticket, bool admit) { settle(ticket, admit ? Verdict::kAdmitted : Verdict::kRefused); }

void Session::expire_waiting(uint64_t now_ms) {
  std::vector<uint64_t> late;
  for (const Waiting& w : waiting_) {
    if (now_ms - w.since_ms >= kApprovalTimeoutMs) late.push_back(w.ticket);
  }
  for (uint64_t t : late) {
    settle(t, Verdict::kTimedOut);
    if (host_.on_withdrawn) host_.on_withdrawn(t);
  }
}

bool Session::kick(const MateInfo& target, const std::string& message) {
  for (Entry& e : mates_) {
    if (!e.announced || e.removed) continue;
    const MateInfo info = e.mate->info();
    if (info.who != target.who || info.via != target.via) continue;
    e.removed = true;
    e.announced = false;  // not listed, and not said to leave twice
    if (e.size) {
      e.size.reset();
      update_mates_size();
    }
    e.mate->remove(message);
    if (host_.on_mate) host_.on_mate(info, false);
    return true;
  }
  return false;
}

void Session::kick_all(const std::string& message) {
  std::vector<MateInfo> all;
  for (const Entry& e : mates_) {
    if (!e.removed) all.push_back(e.mate->info());
  }
  for (const MateInfo& m : all) {
    if (!kick(m, message)) {
      // Not announced yet (a native mate before its first datagram): let it go quietly.
      for (Entry& e : mates_) {
        if (!e.removed && e.mate->info().who == m.who && e.mate->info().via == m.via) {
          e.removed = true;
          e.mate->remove(message);
        }
      }
    }
  }
}

bool Session::finished(uint64_t now_ms) const {
  return ended_ && (connected_mates() == 0 || now_ms - ended_at_ >= kGoodbyeGraceMs);
}

Session::Entry* Session::find(const Mate& mate) {
  auto it = std::find_if(mates_.begin(), mates_.end(), [&](const Entry& e) { return e.mate.get() == &mate; });
  return it == mates_.end() ? nullptr : &*it;
}

Mate& Session::join(std::unique_ptr<Mate> mate, bool announce_now) {
  Mate& m = *mate;
  mates_.push_back(Entry{std::move(mate), false, std::nullopt});
  if (ended_) {
    m.end(end_message_);
    return m;
  }
  if (has_screen_) m.show(shown_);
  if (announce_now) announce(m);
  return m;
}

void Session::announce(Mate& mate) {
  Entry* e = find(mate);
  if (!e || e->announced || e->removed) return;
  e->announced = true;
  if (host_.on_mate) host_.on_mate(mate.info(), true);
}

void Session::leave(Mate& mate) {
  auto it = std::find_if(mates_.begin(), mates_.end(), [&](const Entry& e) { return e.mate.get() == &mate; });
  if (it == mates_.end()) return;
  Entry entry = std::move(*it);
  mates_.erase(it);
  const MateInfo info = entry.mate->info();
  gone_.push_back(std::move(entry.mate));
  if (entry.size) update_mates_size();
  if (entry.announced && host_.on_mate) host_.on_mate(info, false);
}

void Session::input(const Mate& mate, std::string_view bytes) {
  // A read-only mate's input stops here, whatever it sends.
  if (ended_ || mate.role() != Role::kReadWrite || !host_.on_input) return;
  if (const Entry* e = find(mate); !e || e->removed) return;
  host_.on_input(bytes);
}

void Session::resized(const Mate& mate, Size size) {
  Entry* e = find(mate);
  if (!e || e->removed || mate.role() != Role::kReadWrite) return;  // read-only viewers never shrink the session
  e->size = Size{std::max(size.cols, kSmallestMateSize.cols), std::max(size.rows, kSmallestMateSize.rows)};
  update_mates_size();
}

void Session::update_mates_size() {
  std::optional<Size> smallest;
  for (const Entry& e : mates_) {
    if (!e.size) continue;
    if (!smallest) smallest = e.size;
    smallest->cols = std::min(smallest->cols, e.size->cols);
    smallest->rows = std::min(smallest->rows, e.size->rows);
  }
  if (smallest == mates_size_) return;
  mates_size_ = smallest;
  if (host_.on_mates_size) host_.on_mates_size(smallest);
}

std::vector<MateInfo> Session::mates() const {
  std::vector<MateInfo> out;
  for (const Entry& e : mates_) {
    if (e.announced) out.push_back(e.mate->info());
  }
  return out;
}

size_t Session::count(Via via, Role role) const {
  return size_t(std::count_if(mates_.begin(), mates_.end(), [&](const Entry& e) {
    const MateInfo m = e.mate->info();
    return m.via == via && (role == Role::kNone || m.role == role);
  }));
}

bool Session::has_link(uint64_t link_id, Role role) const {
  return std::any_of(mates_.begin(), mates_.end(), [&](const Entry& e) {
    return e.mate->role() == role && e.mate->has_link(link_id) && e.mate->connected();
  });
}

void Session::relay_stopping(const std::string& message) {
  if (ended_) return;
  set_host_notice(message);
  for (Entry& e : mates_) e.mate->relay_stopping(message);
}

size_t Session::connected_mates() const {
  return size_t(std::count_if(mates_.begin(), mates_.end(), [](const Entry& e) { return e.mate->connected(); }));
}

}  // namespace tandem::relay
