// Browser mates against a real relay on loopback: a WebSocket client that speaks the
// page's protocol (proto/web_message.h) and draws the frames it gets on tandem's own
// emulator, as xterm.js would. What is asserted is what a person at the page would
// see, and what reaches the host.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "proto/web_message.h"
#include "relay/relay.h"
#include "relay/web/web_mate.h"
#include "statesync/screen/terminal.h"
#include "transport/client_link.h"
#include "transport/web_socket_dialer.h"

namespace tandem {
namespace {

using namespace std::chrono_literals;

// A page: its socket, its terminal, what it was told.
struct Page {
  std::unique_ptr<transport::WebSocketDialer> dialer;
  std::unique_ptr<transport::WebSocket> socket;
  std::string error;
  screen::Terminal term{80, 24, 10000};
  std::string role, notice, bye;
  bool again = false, closed = false, welcomed = false;
  uint32_t last_frame = 0;
  int frames = 0;
  bool ack = true;  // acknowledges each frame, as the page does once xterm wrote it

  void on_message(std::string_view m) {
    if (m.empty()) return;
    const std::string_view body = m.substr(1);
    switch (m[0]) {
      case proto::web::kWelcome:
        welcomed = true;
        role = body.find("\"role\":\"rw\"") != std::string_view::npos ? "rw" : "ro";
        term = screen::Terminal(80, 24, 10000);
        break;
      case proto::web::kFrame: {
        ASSERT_GE(body.size(), 4u);
        const auto* p = reinterpret_cast<const uint8_t*>(body.data());
        last_frame = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
        term.write(body.substr(4));
        ++frames;
        if (ack) send(proto::web::Ack{last_frame});
        break;
      }
      case proto::web::kNotice:
        notice = std::string(body);
        break;
      case proto::web::kBye:
        bye = std::string(body);
        again = body.find("\"again\":true") != std::string_view::npos;
        break;
      default:
        break;
    }
  }
  void send(const proto::web::FromBrowser& m) {
    if (socket) socket->send(proto::web::encode(m));
  }
  std::string row(int y) const { return term.state().fb.row(y).text(); }
  std::string screen_text() const {
    std::string t;
    for (int y = 0; y < term.rows(); ++y) t += row(y) + "\n";
    return t;
  }
  std::string history_text() const {
    std::string t;
    const screen::Scrollback& s = term.state().scrollback;
    for (size_t i = 0; i < s.size(); ++i) t += s.line(i)->text() + "\n";
    return t;
  }
};

class WebMates : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = transport::make_event_base();
    relay::RelayOptions o;
    o.ssh_listen = *transport::Address::parse("127.0.0.1:0");
    o.udp_listen = *transport::Address::parse("127.0.0.1:0");
    o.web = relay::WebOptions{};
    o.web->listen = *transport::Address::parse("127.0.0.1:0");
    o.web->restart_grace = grace_;
    std::string error;
    relay_ = relay::Relay::open(base_.get(), o, &error);
    ASSERT_TRUE(relay_) << error;
    HostEvents events;
    events.on_input = [this](std::string_view b) { typed_ += b; };
    events.on_mates_size = [this](std::optional<Size> s) { mates_size_ = s; };
    events.on_mate = [this](const MateInfo& m, bool joined) {
      if (joined) joined_.push_back(m);
    };
    relay::SessionOptions so;
    so.name = "ann@laptop";
    session_ = &relay_->create_session(so, events);
    links_ = relay_->links(*session_, "127.0.0.1");
    host("tandem$ ");
  }

  // The host's program writes `bytes`; the session publishes its screen.
  void host(std::string_view bytes) {
    host_term_.write(bytes);
    session_->publish(host_term_.state());
  }

  std::unique_ptr<Page> open_page(const std::string& token, Size size = {80, 24}, std::string origin = {}) {
    auto page = std::make_unique<Page>();
    Page* p = page.get();
    transport::WebSocketDialer::Request r;
    r.address = *transport::Address::parse("127.0.0.1:" + std::to_string(relay_->web_port()));
    r.origin = std::move(origin);
    p->dialer = std::make_unique<transport::WebSocketDialer>(
        base_.get(), r,
        transport::WebSocket::Callbacks{.on_message = [p](std::string_view m) { p->on_message(m); },
                                        .on_closed = [p](const std::string&) { p->closed = true; },
                                        .on_drained = nullptr},
        [p, token, size](std::unique_ptr<transport::WebSocket> s, const std::string& error) {
          p->socket = std::move(s);
          p->error = error;
          if (p->socket) p->send(proto::web::Hello{size.cols, size.rows, token});
        });
    return page;
  }

  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds limit = 5s) {
    for (auto waited = 0ms; waited < limit; waited += 5ms) {
      if (done()) return true;
      transport::run_loop_for(base_.get(), 5ms);
    }
    return done();
  }

  static std::string token_of(const std::string& web_link) { return web_link.substr(web_link.find('#') + 1); }

  std::chrono::milliseconds grace_{0};
  transport::EventBasePtr base_;
  std::unique_ptr<relay::Relay> relay_;
  relay::Session* session_ = nullptr;
  Links links_;
  screen::Terminal host_term_{80, 24};
  std::string typed_;
  std::optional<Size> mates_size_;
  std::vector<MateInfo> joined_;
};

TEST_F(WebMates, LinksNameTheWebPortWithTheTokenInTheFragment) {
  const std::string base = "http://127.0.0.1:" + std::to_string(relay_->web_port()) + "/#";
  EXPECT_EQ(links_.web_rw, base + session_->rw_token());
  EXPECT_EQ(links_.web_ro, base + session_->ro_token());
}

TEST_F(WebMates, AReadWritePageSeesTheScreenAndItsKeysReachTheHostOnce) {
  auto page = open_page(token_of(links_.web_rw));
  ASSERT_TRUE(run_until([&] { return page->row(0).starts_with("tandem$"); })) << page->error << page->screen_text();
  EXPECT_EQ(page->role, "rw");
  ASSERT_EQ(joined_.size(), 1u);
  EXPECT_EQ(joined_[0].via, Via::kWeb);
  page->send(proto::web::Input{"echo hi-$((6*7))\r"});
  ASSERT_TRUE(run_until([&] { return typed_ == "echo hi-$((6*7))\r"; })) << typed_;
  host("echo hi-$((6*7))\r\nhi-42\r\ntandem$ ");
  ASSERT_TRUE(run_until([&] { return page->row(1) == "hi-42"; })) << page->screen_text();
  run_until([] { return false; }, 100ms);
  EXPECT_EQ(typed_, "echo hi-$((6*7))\r");  // once
}

TEST_F(WebMates, AReadOnlyPageWatchesButItsKeysAndSizeReachNothing) {
  auto page = open_page(token_of(links_.web_ro), {40, 10});
  ASSERT_TRUE(run_until([&] { return page->row(0).starts_with("tandem$"); })) << page->screen_text();
  EXPECT_EQ(page->role, "ro");
  page->send(proto::web::Input{"rm -rf ~\r"});
  page->send(proto::web::Resize{20, 5});
  host("ls\r\n");
  ASSERT_TRUE(run_until([&] { return page->row(0) == "tandem$ ls"; })) << page->screen_text();
  EXPECT_EQ(typed_, "");
  EXPECT_FALSE(mates_size_.has_value());
}

TEST_F(WebMates, AReadWritePagesSizeBoundsTheSession) {
  auto page = open_page(token_of(links_.web_rw), {100, 30});
  ASSERT_TRUE(run_until([&] { return mates_size_.has_value(); }));
  EXPECT_EQ(*mates_size_, (Size{100, 30}));
  page->send(proto::web::Resize{60, 20});
  ASSERT_TRUE(run_until([&] { return mates_size_ == Size{60, 20}; }));
}

TEST_F(WebMates, ALateJoinerGetsTheHistoryInItsScrollback) {
  for (int i = 1; i <= 100; ++i) host(std::to_string(i) + "\r\n");
  auto page = open_page(token_of(links_.web_ro));
  // No blank lines above the history: the page's terminal was blank.
  ASSERT_TRUE(run_until([&] { return page->history_text().starts_with("tandem$ 1\n2\n"); }))
      << page->history_text();
  const std::string all = page->history_text() + page->screen_text();
  for (int i = 2; i <= 100; ++i) EXPECT_NE(all.find("\n" + std::to_string(i) + "\n"), std::string::npos) << i;
}

TEST_F(WebMates, APageThatDoesNotAcknowledgeGetsAtMostTwoFramesThenTheNewest) {
  auto page = open_page(token_of(links_.web_ro));
  page->ack = false;
  ASSERT_TRUE(run_until([&] { return page->frames >= 1; }));
  for (int i = 0; i < 50; ++i) {
    host("line " + std::to_string(i) + "\r\n");
    transport::run_loop_for(base_.get(), 2ms);
  }
  run_until([] { return false; }, 200ms);
  EXPECT_LE(page->frames, int(relay::WebMate::kFramesInFlight));
  page->ack = true;
  page->send(proto::web::Ack{page->last_frame});
  ASSERT_TRUE(run_until([&] { return page->screen_text().find("line 49") != std::string::npos; }))
      << page->screen_text();
}

TEST_F(WebMates, AMistypedTokenIsToldInWordsAndJoinsNothing) {
  auto page = open_page("not-a-token");
  ASSERT_TRUE(run_until([&] { return page->closed; }));
  EXPECT_NE(page->bye.find("not valid"), std::string::npos) << page->bye;
  EXPECT_FALSE(page->again);
  EXPECT_FALSE(page->welcomed);
  EXPECT_TRUE(joined_.empty());
}

class WebMatesJustStarted : public WebMates {
 protected:
  WebMatesJustStarted() { grace_ = std::chrono::milliseconds(60000); }
};

TEST_F(WebMatesJustStarted, AnUnknownTokenIsToldToComeBackWhileTheRelayHasJustStarted) {
  auto page = open_page("not-known-yet");
  ASSERT_TRUE(run_until([&] { return page->closed; }));
  EXPECT_NE(page->bye.find("just restarted"), std::string::npos) << page->bye;
  EXPECT_TRUE(page->again);
}

TEST_F(WebMates, TheGoodbyeIsInAPagesWordsAfterTheLastScreen) {
  auto page = open_page(token_of(links_.web_ro));
  ASSERT_TRUE(run_until([&] { return page->welcomed && page->frames > 0; }));
  page->ack = false;  // a frame in flight: the last screen must still come before the goodbye
  for (const char* line : {"exit\r\n", "one\r\n", "two\r\n", "logout\r\n"}) {
    host(line);
    transport::run_loop_for(base_.get(), 5ms);
  }
  ASSERT_EQ(page->screen_text().find("logout"), std::string::npos);  // held back: two frames in flight
  relay_->end_session(*session_, "[tandem: session ended by the host]");
  ASSERT_TRUE(run_until([&] { return page->closed; }));
  EXPECT_NE(page->screen_text().find("logout"), std::string::npos) << page->screen_text();
  EXPECT_NE(page->bye.find("\"session ended by the host\""), std::string::npos) << page->bye;
}

TEST_F(WebMates, APageFromAnotherSiteCannotOpenASocket) {
  auto page = open_page(token_of(links_.web_rw), {80, 24}, "http://evil.example");
  ASSERT_TRUE(run_until([&] { return !page->error.empty(); }));
  EXPECT_NE(page->error.find("403"), std::string::npos) << page->error;
  auto same = open_page(token_of(links_.web_rw), {80, 24},
                        "http://127.0.0.1:" + std::to_string(relay_->web_port()));
  ASSERT_TRUE(run_until([&] { return same->welcomed; })) << same->error;
}

TEST_F(WebMates, BadMessagesCostOnlyThatPage) {
  auto bad = open_page(token_of(links_.web_rw));
  auto good = open_page(token_of(links_.web_rw));
  ASSERT_TRUE(run_until([&] { return bad->welcomed && good->welcomed; }));
  bad->socket->send(std::string("\x07garbage"));
  ASSERT_TRUE(run_until([&] { return bad->closed; }));
  good->send(proto::web::Input{"x"});
  ASSERT_TRUE(run_until([&] { return typed_ == "x"; }));
  EXPECT_FALSE(good->closed);
}

TEST_F(WebMates, TheEndOfTheSessionIsSaidAndTheRelayStoppingAsksToComeBack) {
  auto a = open_page(token_of(links_.web_rw));
  ASSERT_TRUE(run_until([&] { return a->welcomed; }));
  relay_->stopping("[tandem: the relay is restarting]");
  ASSERT_TRUE(run_until([&] { return a->closed; }));
  EXPECT_TRUE(a->again);
  EXPECT_NE(a->bye.find("restarting"), std::string::npos);
  auto b = open_page(token_of(links_.web_rw));
  ASSERT_TRUE(run_until([&] { return b->welcomed; }));
  relay_->end_session(*session_, "[tandem: session ended by the host]");
  ASSERT_TRUE(run_until([&] { return b->closed; }));
  EXPECT_FALSE(b->again);
  EXPECT_NE(b->bye.find("ended by the host"), std::string::npos);
}

TEST_F(WebMates, ThePageIsServedWithItsSecurityHeaders) {
  // A raw request, as a browser's first: the page (or the words saying it was not built).
  bool done = false;
  std::string answer;
  transport::BuffereventPtr bev(bufferevent_socket_new(base_.get(), -1, BEV_OPT_CLOSE_ON_FREE));
  struct Ctx {
    std::string* answer;
    bool* done;
  } ctx{&answer, &done};
  bufferevent_setcb(
      bev.get(),
      [](bufferevent* b, void* arg) {
        auto* c = static_cast<Ctx*>(arg);
        char buf[4096];
        size_t n;
        while ((n = bufferevent_read(b, buf, sizeof buf)) > 0) c->answer->append(buf, n);
      },
      nullptr, [](bufferevent*, short, void* arg) { *static_cast<Ctx*>(arg)->done = true; }, &ctx);
  bufferevent_enable(bev.get(), EV_READ | EV_WRITE);
  const transport::Address a = *transport::Address::parse("127.0.0.1:" + std::to_string(relay_->web_port()));
  bufferevent_socket_connect(bev.get(), const_cast<sockaddr*>(a.sockaddr_ptr()), int(a.length()));
  const std::string req = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  bufferevent_write(bev.get(), req.data(), req.size());
  ASSERT_TRUE(run_until([&] { return answer.find("</") != std::string::npos || done; }));
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer.substr(0, 200);
  EXPECT_NE(answer.find("X-Frame-Options: DENY"), std::string::npos);
  EXPECT_NE(answer.find("Content-Security-Policy:"), std::string::npos);
}

}  // namespace
}  // namespace tandem

namespace tandem {
namespace {

using namespace std::chrono_literals;

// A self-signed certificate for 127.0.0.1, made with the openssl command.
struct Certificate {
  std::string dir, cert, key;
  Certificate() {
    char d[] = "/tmp/tandem-tls-XXXXXX";
    dir = mkdtemp(d);
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " +
                            key + " -out " + cert + " >/dev/null 2>&1";
    ok = std::system(cmd.c_str()) == 0;
  }
  ~Certificate() { std::filesystem::remove_all(dir); }
  bool ok = false;
};

template <class Pred>
bool run_until(event_base* base, Pred done, std::chrono::milliseconds limit = 5s) {
  for (auto waited = 0ms; waited < limit; waited += 5ms) {
    if (done()) return true;
    transport::run_loop_for(base, 5ms);
  }
  return done();
}

TEST(WebPortOverTls, APageAndALinksDatagramsGoOverTls) {
  Certificate c;
  ASSERT_TRUE(c.ok) << "openssl could not make a certificate";
  transport::EventBasePtr base = transport::make_event_base();
  std::string error;
  std::unique_ptr<transport::ServerEndpoint> endpoint =
      transport::ServerEndpoint::open(base.get(), *transport::Address::parse("127.0.0.1:0"), &error);
  ASSERT_TRUE(endpoint) << error;
  relay::WebOptions o;
  o.listen = *transport::Address::parse("127.0.0.1:0");
  o.tls_cert = c.cert;
  o.tls_key = c.key;
  o.restart_grace = std::chrono::milliseconds(0);  // a first start: a wrong token is wrong at once
  std::unique_ptr<relay::WebDoor> door = relay::WebDoor::open(
      base.get(), o, [](std::string_view) { return nullptr; }, endpoint.get(), &error);
  ASSERT_TRUE(door) << error;
  EXPECT_TRUE(door->base_url("h").starts_with("https://h:"));
  const transport::Address web = *transport::Address::parse("127.0.0.1:" + std::to_string(door->port()));

  // A page's socket over TLS: a wrong token is answered in words.
  std::string said, dial_error;
  std::unique_ptr<transport::WebSocket> page;
  transport::WebSocketDialer::Request r;
  r.address = web;
  r.tls = true;
  transport::WebSocketDialer dialer(
      base.get(), r,
      transport::WebSocket::Callbacks{.on_message = [&](std::string_view m) { said = std::string(m); },
                                      .on_closed = nullptr,
                                      .on_drained = nullptr},
      [&](std::unique_ptr<transport::WebSocket> s, const std::string& e) {
        page = std::move(s);
        dial_error = e;
        if (page) page->send(proto::web::encode(proto::web::Hello{80, 24, "nope"}));
      });
  ASSERT_TRUE(run_until(base.get(), [&] { return !said.empty() || !dial_error.empty(); })) << dial_error;
  EXPECT_NE(said.find("not valid"), std::string::npos) << said << dial_error;

  // A link whose datagrams take the TCP path, over TLS, both ways.
  const transport::LinkKey key = transport::random_link_key();
  std::string at_server, at_client;
  endpoint->add_link(42, key,
                     transport::LinkCallbacks{[&](std::span<const uint8_t> m) { at_server.assign(m.begin(), m.end()); },
                                              {}});
  transport::ClientLinkOptions lo;
  lo.transport = transport::LinkTransport::kTcp;
  lo.tcp_server = web;
  lo.tcp_tls = true;
  std::unique_ptr<transport::ClientLink> client = transport::ClientLink::open(
      base.get(), endpoint->local_address(), key, 42,
      transport::LinkCallbacks{[&](std::span<const uint8_t> m) { at_client.assign(m.begin(), m.end()); }, {}}, lo,
      &error);
  ASSERT_TRUE(client) << error;
  ASSERT_TRUE(run_until(base.get(), [&] { return client->on_tcp(); }));
  const std::string hello = "over tls";
  client->send(std::span(reinterpret_cast<const uint8_t*>(hello.data()), hello.size()));
  ASSERT_TRUE(run_until(base.get(), [&] { return at_server == hello; }));
  EXPECT_TRUE(endpoint->find(42)->peer().stream_id().has_value());
  const std::string back = "and back";
  ASSERT_TRUE(endpoint->send(42, std::span(reinterpret_cast<const uint8_t*>(back.data()), back.size())));
  ASSERT_TRUE(run_until(base.get(), [&] { return at_client == back; }));
  EXPECT_EQ(endpoint->counters().datagrams_in, 1u);
}

}  // namespace
}  // namespace tandem
