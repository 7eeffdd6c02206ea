// tmate's daemon protocol: framing in any split, the messages both ways, the real
// bytes a tmate 2.4 host sent (fuzz/corpus/tmate), and tmux key codes both ways.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "proto/tmate/daemon.h"
#include "proto/tmate/keys.h"
#include "proto/tmate/msgpack_framer.h"

namespace tandem::tmate {
namespace {

std::string read(const std::string& name) {
  std::ifstream in(std::string(TANDEM_SOURCE_DIR) + "/fuzz/corpus/tmate/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Frames `bytes` fed in pieces of `piece` bytes.
std::vector<std::string> frame(std::string_view bytes, size_t piece, size_t cap = 1 << 20, size_t* dropped = nullptr) {
  MsgpackFramer f(cap);
  std::vector<std::string> objects;
  MsgpackFramer::Sink sink{.object = [&](std::string_view o) { objects.emplace_back(o); },
                           .dropped = [&](size_t n) {
                             if (dropped) *dropped += n;
                           }};
  for (size_t i = 0; i < bytes.size(); i += piece) {
    EXPECT_FALSE(f.feed(bytes.substr(i, piece), sink));
  }
  return objects;
}

TEST(MsgpackFramer, FindsEveryObjectHoweverTheBytesAreSplit) {
  const std::string a = out::encode(out::Header{});
  const std::string b = out::encode(out::PtyData{3, std::string(70000, 'x')});
  const std::string c = out::encode(out::SyncLayout{80, 23, {{0, "bash", {{0, 80, 23, 0, 0}}, 0}}, 0});
  const std::string all = a + b + c;
  for (size_t piece : {1, 2, 3, 7, 100, 65536, 1 << 20}) {
    std::vector<std::string> objects = frame(all, piece);
    ASSERT_EQ(objects.size(), 3u) << piece;
    EXPECT_EQ(objects[0], a);
    EXPECT_EQ(objects[1], b);
    EXPECT_EQ(objects[2], c);
  }
}

TEST(MsgpackFramer, DropsAnObjectOverTheCapAndGoesOnAfterIt) {
  const std::string big = out::encode(out::PtyData{1, std::string(5000, 'y')});
  const std::string small = out::encode(out::Ready{});
  size_t dropped = 0;
  std::vector<std::string> objects = frame(small + big + small, 10, 1000, &dropped);
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[1], small);
  EXPECT_EQ(dropped, big.size());
}

TEST(MsgpackFramer, RefusesBytesThatAreNoMsgpackAndNestingPastTheLimit) {
  MsgpackFramer f(1000);
  EXPECT_TRUE(f.feed("\xc1", {}));
  EXPECT_TRUE(f.feed("\x90", {}));  // dead after an error
  MsgpackFramer deep(1000);
  EXPECT_TRUE(deep.feed(std::string(MsgpackFramer::kMaxDepth + 1, '\x91'), {}));
}

TEST(TmateDaemon, EveryMessageComesBackAsItWasSent) {
  out::SyncLayout layout{100, 29, {{0, "bash", {{0, 50, 29, 0, 0}, {1, 49, 29, 51, 0}}, 1}, {1, "vim", {{2, 100, 29, 0, 0}}, 2}}, 1};
  auto back = out::decode(out::encode(layout));
  ASSERT_TRUE(std::holds_alternative<out::Message>(back));
  EXPECT_EQ(std::get<out::SyncLayout>(std::get<out::Message>(back)), layout);

  out::SyncCopyMode copy{.pane = 2, .on = true, .backing_screen = false, .oy = 3, .cx = 4, .cy = 5, .prompt = "Search Up", .input = "foo"};
  auto c = std::get<out::SyncCopyMode>(std::get<out::Message>(out::decode(out::encode(copy))));
  EXPECT_TRUE(c.on);
  EXPECT_FALSE(c.backing_screen);
  EXPECT_EQ(c.prompt, "Search Up");

  auto k = std::get<in::PaneKey>(std::get<in::Message>(in::decode(in::encode(in::PaneKey{-1, key::kUp}))));
  EXPECT_EQ(k.key, key::kUp);
  EXPECT_EQ(k.pane, -1);
  auto e = std::get<in::SetEnv>(std::get<in::Message>(in::decode(in::encode(in::SetEnv{"tmate_ssh", "ssh x@y"}))));
  EXPECT_EQ(e.value, "ssh x@y");
}

TEST(TmateDaemon, TheWireBytesAreTmates) {
  // From the notes' decrypted trace of tmate 2.4.0.
  EXPECT_EQ(out::encode(out::Header{}), std::string("\x93\x00\x06\xa5" "2.4.0", 9));
  EXPECT_EQ(in::encode(in::PaneKey{-1, 'q'}), "\x93\x06\xff\x71");
  EXPECT_EQ(in::encode(in::Resize{-1, -1}), "\x93\x02\xff\xff");
  EXPECT_EQ(in::encode(in::Ready{}), "\x91\x05");
}

TEST(TmateDaemon, WrongShapesAreErrorsInWords) {
  for (const std::string& bad : {std::string("\x91\xa1x"), std::string("\x92\x02\x01"), std::string("\x93\x02\x01\x02"),
                                 std::string("\x91\x63"), std::string("\xc0"), std::string("\x92\x01\x02")}) {
    auto r = out::decode(bad);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(r));
    EXPECT_FALSE(std::get<DecodeError>(r).what.empty());
  }
}

// The bytes a real tmate 2.4.0 host sent tandem's relay: a session (HEADER, 83
// bind-keys, READY, layouts, output, a split, a new window, FIN), and a reconnect
// after the relay restarted (RECONNECT, SNAPSHOT with colours and wide characters).
TEST(TmateDaemon, DecodesWhatARealTmateSent) {
  for (const char* name : {"tmate-2.4-session", "tmate-2.4-reconnect"}) {
    const std::string bytes = read(name);
    ASSERT_FALSE(bytes.empty()) << name;
    std::map<int, int> seen;
    out::Snapshot snapshot;
    for (const std::string& object : frame(bytes, 1000)) {
      auto r = out::decode(object);
      ASSERT_TRUE(std::holds_alternative<out::Message>(r)) << name << ": " << std::get<DecodeError>(r).what;
      const out::Message& m = std::get<out::Message>(r);
      ++seen[int(m.index())];
      if (auto* s = std::get_if<out::Snapshot>(&m)) snapshot = *s;
    }
    EXPECT_EQ(seen[0], 1) << "one HEADER";
    EXPECT_GT(seen[12], 80) << "the key table";
    EXPECT_EQ(seen[9], 1) << "one READY";
    EXPECT_GE(seen[1], 1) << "a layout";
    if (std::string(name) == "tmate-2.4-session") {
      EXPECT_EQ(seen[8], 1) << "FIN";
    } else {
      EXPECT_EQ(seen[10], 1) << "RECONNECT";
      ASSERT_EQ(snapshot.panes.size(), 1u);
      bool red = false;
      for (const out::SnapshotLine& l : snapshot.panes[0].lines) {
        if (l.text.find("red") != std::string::npos) red = true;
      }
      EXPECT_TRUE(red);
    }
  }
}

TEST(TmateKeys, TerminalBytesBecomeTmuxKeyCodes) {
  using V = std::vector<uint64_t>;
  EXPECT_EQ(keys_from_bytes("ab\r"), (V{'a', 'b', '\r'}));
  EXPECT_EQ(keys_from_bytes("\x1b[A\x1bOB\x1b[1;5C\x1b[3~\x7f"),
            (V{key::kUp, key::kDown, key::kRight | key::kCtrl, key::kDelete, key::kBackspace}));
  EXPECT_EQ(keys_from_bytes("\x1bx"), (V{key::kMeta | 'x'}));
  EXPECT_EQ(keys_from_bytes("\x1b"), (V{0x1b}));
  EXPECT_EQ(keys_from_bytes("é漢"), (V{0xe9, 0x6f22}));
  EXPECT_EQ(keys_from_bytes("\x1bOP\x1b[15~\x1b[24~"), (V{key::kF1, key::kF1 + 4, key::kF1 + 11}));
  EXPECT_EQ(keys_from_bytes("\x1b[200~hi\x1b[201~"), (V{'h', 'i'}));          // paste brackets dropped
  EXPECT_EQ(keys_from_bytes("\x1b[<0;3;4M\x1b[M !!z"), (V{'z'}));              // mouse reports dropped
  EXPECT_EQ(keys_from_bytes("\xff" "a"), (V{'a'}));                           // broken UTF-8 dropped
}

TEST(TmateKeys, ACharacterCutBetweenTwoPiecesIsKeptWhole) {
  const std::string text = "a漢字b";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    std::string rest;
    std::vector<uint64_t> keys = keys_from_bytes(text.substr(0, cut), &rest);
    std::vector<uint64_t> more = keys_from_bytes(rest + text.substr(cut), &rest);
    keys.insert(keys.end(), more.begin(), more.end());
    EXPECT_EQ(keys, (std::vector<uint64_t>{'a', 0x6f22, 0x5b57, 'b'})) << cut;
    EXPECT_TRUE(rest.empty());
  }
}

TEST(TmateKeys, KeyNamesAreTmuxs) {
  EXPECT_EQ(key_from_name("C-b"), 0x02u);
  EXPECT_EQ(key_from_name("^A"), 0x01u);
  EXPECT_EQ(key_from_name("c"), uint64_t('c'));
  EXPECT_EQ(key_from_name("%"), uint64_t('%'));
  EXPECT_EQ(key_from_name("Space"), uint64_t(' '));
  EXPECT_EQ(key_from_name("PPage"), key::kPageUp);
  EXPECT_EQ(key_from_name("M-Up"), key::kMeta | key::kUp);
  EXPECT_EQ(key_from_name("C-Up"), key::kCtrl | key::kUp);
  EXPECT_EQ(key_from_name("M-o"), key::kMeta | 'o');
  EXPECT_EQ(key_from_name("F12"), key::kF1 + 11);
  EXPECT_EQ(key_from_name("Nonsense"), std::nullopt);
  EXPECT_EQ(key_from_name(""), std::nullopt);
}

TEST(TmateKeys, KeyCodesBecomeTheBytesTmux22Writes) {
  EXPECT_EQ(bytes_from_key('a', false, false), "a");
  EXPECT_EQ(bytes_from_key(key::kMeta | 'a', false, false), "\x1b" "a");
  EXPECT_EQ(bytes_from_key(0xe9, false, false), "é");
  EXPECT_EQ(bytes_from_key(key::kUp, false, false), "\x1b[A");
  EXPECT_EQ(bytes_from_key(key::kUp, true, false), "\x1bOA");
  EXPECT_EQ(bytes_from_key(key::kLeft | key::kCtrl, false, false), "\x1bOD");
  EXPECT_EQ(bytes_from_key(key::kBackspace, false, false), "\x7f");
  EXPECT_EQ(bytes_from_key(key::kF1 + 4, false, false), "\x1b[15~");
  EXPECT_EQ(bytes_from_key(key::kPageUp, false, false), "\x1b[5~");
  EXPECT_EQ(bytes_from_key(key::kKeypadSlash + 13, false, false), "\n");  // KP_ENTER
  EXPECT_EQ(bytes_from_key(key::kKeypadSlash + 13, false, true), "\x1bOM");
  EXPECT_EQ(bytes_from_key(key::kBase + 3, false, false), "");  // a mouse key: nothing
  // What a terminal sends comes back out the same (the relay's and host's halves agree).
  for (std::string s : {"x", "\x1b[A", "\x1b[3~", "\x1b[5~", "\x1bOQ", "\x7f", "\x1b" "b", "é"}) {
    std::string back;
    for (uint64_t k : keys_from_bytes(s)) back += bytes_from_key(k, false, false);
    EXPECT_EQ(back, s);
  }
}

}  // namespace
}  // namespace tandem::tmate
