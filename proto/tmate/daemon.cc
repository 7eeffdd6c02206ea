#include "proto/tmate/daemon.h"

#include "proto/overloaded.h"

#include <msgpack.h>

#include <limits>
#include <memory>

namespace tandem::tmate {

namespace {

// ---- Writing: a msgpack packer appending to a string.

int append(void* data, const char* buf, size_t len) {
  static_cast<std::string*>(data)->append(buf, len);
  return 0;
}

class Writer {
 public:
  explicit Writer(size_t items) {
    msgpack_packer_init(&pk_, &out_, append);
    array(items);
  }
  Writer& array(size_t n) {
    msgpack_pack_array(&pk_, n);
    return *this;
  }
  Writer& i(int64_t v) {
    msgpack_pack_int64(&pk_, v);
    return *this;
  }
  Writer& u(uint64_t v) {
    msgpack_pack_uint64(&pk_, v);
    return *this;
  }
  Writer& s(std::string_view v) {
    msgpack_pack_str_with_body(&pk_, v.data(), v.size());
    return *this;
  }
  Writer& nil() {
    msgpack_pack_nil(&pk_);
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  msgpack_packer pk_;
};

// ---- Reading: one array's items, in order, each checked for its type.

struct Unpacked {
  msgpack_unpacked u;
  Unpacked() { msgpack_unpacked_init(&u); }
  ~Unpacked() { msgpack_unpacked_destroy(&u); }
};

class Items {
 public:
  Items(const msgpack_object& o, const char* what) : what_(what) {
    if (o.type != MSGPACK_OBJECT_ARRAY) {
      fail("not an array");
      return;
    }
    a_ = o.via.array;
  }
  bool ok() const { return !error_; }
  size_t size() const { return a_.size; }
  size_t left() const { return a_.size - next_; }
  std::optional<DecodeError> error() const { return error_; }

  const msgpack_object* take() {
    if (error_) return nullptr;
    if (next_ >= a_.size) {
      fail("too few items");
      return nullptr;
    }
    return &a_.ptr[next_++];
  }
  int64_t i() {
    const msgpack_object* o = take();
    if (!o) return 0;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
      if (o->via.u64 > uint64_t(std::numeric_limits<int64_t>::max())) return fail("an integer out of range"), 0;
      return int64_t(o->via.u64);
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) return o->via.i64;
    return fail("an integer expected"), 0;
  }
  uint64_t u() {
    const msgpack_object* o = take();
    if (!o) return 0;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) return o->via.u64;
    return fail("an unsigned integer expected"), 0;
  }
  // An int that must lie in [lo, hi].
  int small(int lo, int hi) {
    const int64_t v = i();
    if (ok() && (v < lo || v > hi)) return fail("a number out of range"), lo;
    return int(v);
  }
  std::string s() {
    const msgpack_object* o = take();
    if (!o) return {};
    // tmate packs strings as str; a relay that repacks them sends bin: take both.
    if (o->type == MSGPACK_OBJECT_STR) return std::string(o->via.str.ptr, o->via.str.size);
    if (o->type == MSGPACK_OBJECT_BIN) return std::string(o->via.bin.ptr, o->via.bin.size);
    return fail("a string expected"), std::string();
  }
  Items sub(const char* what) {
    const msgpack_object* o = take();
    if (!o) return Items(what);
    Items r(*o, what);
    if (!r.ok()) error_ = r.error_;
    return r;
  }
  bool next_is_nil() const { return !error_ && next_ < a_.size && a_.ptr[next_].type == MSGPACK_OBJECT_NIL; }
  void fail(const char* why) {
    if (!error_) error_ = DecodeError{std::string("tmate ") + what_ + ": " + why};
  }
  // A nested decoder's error becomes this one's.
  void adopt(const Items& other) {
    if (!error_ && other.error_) error_ = other.error_;
  }

 private:
  explicit Items(const char* what) : what_(what) { error_ = DecodeError{std::string("tmate ") + what + ": missing"}; }
  const char* what_;
  msgpack_object_array a_{0, nullptr};
  size_t next_ = 0;
  std::optional<DecodeError> error_;
};

// Parses one object; the caller's `decode` reads it.
template <typename F>
auto with_object(std::string_view bytes, F&& decode) -> decltype(decode(std::declval<const msgpack_object&>())) {
  Unpacked up;
  size_t off = 0;
  const msgpack_unpack_return r = msgpack_unpack_next(&up.u, bytes.data(), bytes.size(), &off);
  if (r != MSGPACK_UNPACK_SUCCESS && r != MSGPACK_UNPACK_EXTRA_BYTES) return DecodeError{"tmate: not msgpack"};
  if (off != bytes.size()) return DecodeError{"tmate: bytes after the message"};
  return decode(up.u.data);
}

std::vector<std::string> strings(Items& m, size_t max) {
  std::vector<std::string> v;
  if (m.left() > max) {
    m.fail("too many arguments");
    return v;
  }
  while (m.ok() && m.left() > 0) v.push_back(m.s());
  return v;
}

out::SyncLayout layout(Items& m) {
  out::SyncLayout l;
  l.cols = m.small(0, 10000);
  l.rows = m.small(0, 10000);
  Items windows = m.sub("layout windows");
  if (windows.size() > kMaxWindows) windows.fail("too many windows");
  size_t panes = 0;
  while (windows.ok() && windows.left() > 0) {
    Items w = windows.sub("window");
    out::Window win;
    win.index = w.i();
    win.name = w.s();
    Items ps = w.sub("window panes");
    panes += ps.size();
    if (panes > kMaxPanes) ps.fail("too many panes");
    while (ps.ok() && ps.left() > 0) {
      Items p = ps.sub("pane");
      out::Pane pane;
      pane.id = p.i();
      pane.cols = p.small(0, 10000);
      pane.rows = p.small(0, 10000);
      pane.x = p.small(0, 10000);
      pane.y = p.small(0, 10000);
      ps.adopt(p);
      win.panes.push_back(pane);
    }
    w.adopt(ps);
    win.active_pane = w.i();
    windows.adopt(w);
    l.windows.push_back(std::move(win));
  }
  m.adopt(windows);
  l.active_window = m.i();
  return l;
}

out::SyncCopyMode copy_mode(Items& m) {
  out::SyncCopyMode c;
  c.pane = m.i();
  Items st = m.sub("copy mode");
  if (st.ok() && st.size() > 0) {
    c.on = true;
    c.backing_screen = st.i() != 0;
    c.oy = st.i();
    c.cx = st.i();
    c.cy = st.i();
    st.sub("copy mode selection");
    Items input = st.sub("copy mode input");
    if (input.ok() && input.size() >= 3) {
      input.i();
      c.prompt = input.s();
      c.input = input.s();
    }
    st.adopt(input);
  }
  m.adopt(st);
  return c;
}

out::Snapshot snapshot(Items& m) {
  out::Snapshot snap;
  Items panes = m.sub("snapshot panes");
  if (panes.size() > kMaxPanes) panes.fail("too many panes");
  size_t lines = 0;
  while (panes.ok() && panes.left() > 0) {
    Items p = panes.sub("snapshot pane");
    out::SnapshotPane pane;
    pane.id = p.i();
    pane.mode = uint32_t(p.u());
    Items grid = p.sub("snapshot grid");
    pane.cx = grid.i();
    pane.cy = grid.i();
    Items ls = grid.sub("snapshot lines");
    lines += ls.size();
    if (lines > kMaxSnapshotLines) ls.fail("too many lines");
    while (ls.ok() && ls.left() > 0) {
      Items l = ls.sub("snapshot line");
      out::SnapshotLine line;
      line.text = l.s();
      Items cells = l.sub("snapshot cells");
      line.cells.reserve(cells.size());
      while (cells.ok() && cells.left() > 0) line.cells.push_back(uint32_t(cells.u()));
      l.adopt(cells);
      ls.adopt(l);
      pane.lines.push_back(std::move(line));
    }
    grid.adopt(ls);
    p.adopt(grid);
    if (p.ok() && p.left() > 0) p.take();  // the saved (alternate screen's other) grid: not shown
    panes.adopt(p);
    snap.panes.push_back(std::move(pane));
  }
  m.adopt(panes);
  return snap;
}

std::variant<out::Message, DecodeError> decode_out(const msgpack_object& o) {
  Items m(o, "message");
  const int64_t type = m.i();
  if (!m.ok()) return *m.error();
  out::Message msg;
  switch (type) {
    case out::kHeader: {
      out::Header h;
      h.protocol = m.i();
      // Protocol 1 and 2 hosts sent no version.
      h.version = m.left() > 0 ? m.s() : std::string("1.8.5");
      msg = std::move(h);
      break;
    }
    case out::kSyncLayout: msg = layout(m); break;
    case out::kPtyData: {
      out::PtyData d;
      d.pane = m.i();
      d.bytes = m.s();
      msg = std::move(d);
      break;
    }
    case out::kExecCmdStr: msg = out::ExecCmdStr{m.s()}; break;
    case out::kFailedCmd: {
      out::FailedCmd f;
      f.client = m.i();
      f.cause = m.s();
      msg = std::move(f);
      break;
    }
    case out::kStatus: {
      out::Status s;
      s.left = m.s();
      s.right = m.s();
      msg = std::move(s);
      break;
    }
    case out::kSyncCopyMode: msg = copy_mode(m); break;
    case out::kWriteCopyMode: {
      out::WriteCopyMode w;
      w.pane = m.i();
      w.line = m.s();
      msg = std::move(w);
      break;
    }
    case out::kFin: msg = out::Fin{}; break;
    case out::kReady: msg = out::Ready{}; break;
    case out::kReconnect: msg = out::Reconnect{m.s()}; break;
    case out::kSnapshot: msg = snapshot(m); break;
    case out::kExecCmd: msg = out::ExecCmd{strings(m, kMaxArgs)}; break;
    case out::kUname: msg = out::Uname{strings(m, 8)}; break;
    default: return DecodeError{"tmate: unknown message type " + std::to_string(type)};
  }
  if (!m.ok()) return *m.error();
  return msg;
}

std::variant<in::Message, DecodeError> decode_in(const msgpack_object& o) {
  Items m(o, "message");
  const int64_t type = m.i();
  if (!m.ok()) return *m.error();
  in::Message msg;
  switch (type) {
    case in::kNotify: msg = in::Notify{m.s()}; break;
    case in::kResize: {
      in::Resize r;
      r.cols = int(std::max<int64_t>(-1, std::min<int64_t>(m.i(), 10000)));
      r.rows = int(std::max<int64_t>(-1, std::min<int64_t>(m.i(), 10000)));
      msg = r;
      break;
    }
    case in::kExecCmdStr: {
      in::ExecCmdStr e;
      e.client = m.i();
      e.command = m.s();
      msg = std::move(e);
      break;
    }
    case in::kSetEnv: {
      in::SetEnv e;
      e.name = m.s();
      e.value = m.s();
      msg = std::move(e);
      break;
    }
    case in::kReady: msg = in::Ready{}; break;
    case in::kPaneKey: {
      in::PaneKey k;
      k.pane = m.i();
      k.key = m.u();
      msg = k;
      break;
    }
    case in::kExecCmd: {
      in::ExecCmd e;
      e.client = m.i();
      e.argv = strings(m, kMaxArgs);
      msg = std::move(e);
      break;
    }
    default: return DecodeError{"tmate: unknown message type " + std::to_string(type)};
  }
  if (!m.ok()) return *m.error();
  return msg;
}

}  // namespace

std::variant<out::Message, DecodeError> out::decode(std::string_view object) { return with_object(object, decode_out); }
std::variant<in::Message, DecodeError> in::decode(std::string_view object) { return with_object(object, decode_in); }

std::string out::encode(const Message& m) {
  return std::visit(
      overloaded{
          [](const Header& h) { return Writer(3).i(kHeader).i(h.protocol).s(h.version).take(); },
          [](const SyncLayout& l) {
            Writer w(5);
            w.i(kSyncLayout).i(l.cols).i(l.rows).array(l.windows.size());
            for (const Window& win : l.windows) {
              w.array(4).i(win.index).s(win.name).array(win.panes.size());
              for (const Pane& p : win.panes) w.array(5).i(p.id).i(p.cols).i(p.rows).i(p.x).i(p.y);
              w.i(win.active_pane);
            }
            return w.i(l.active_window).take();
          },
          [](const PtyData& d) { return Writer(3).i(kPtyData).i(d.pane).s(d.bytes).take(); },
          [](const ExecCmdStr& e) { return Writer(2).i(kExecCmdStr).s(e.command).take(); },
          [](const FailedCmd& f) { return Writer(3).i(kFailedCmd).i(f.client).s(f.cause).take(); },
          [](const Status& s) { return Writer(3).i(kStatus).s(s.left).s(s.right).take(); },
          [](const SyncCopyMode& c) {
            Writer w(3);
            w.i(kSyncCopyMode).i(c.pane);
            if (!c.on) return w.array(0).take();
            w.array(6).i(c.backing_screen ? 1 : 0).i(c.oy).i(c.cx).i(c.cy).array(0);
            if (c.prompt.empty() && c.input.empty()) return w.array(0).take();
            return w.array(3).i(0).s(c.prompt).s(c.input).take();
          },
          [](const WriteCopyMode& c) { return Writer(3).i(kWriteCopyMode).i(c.pane).s(c.line).take(); },
          [](const Fin&) { return Writer(1).i(kFin).take(); },
          [](const Ready&) { return Writer(1).i(kReady).take(); },
          [](const Reconnect& r) { return Writer(2).i(kReconnect).s(r.data).take(); },
          [](const Snapshot& s) {
            Writer w(2);
            w.i(kSnapshot).array(s.panes.size());
            for (const SnapshotPane& p : s.panes) {
              w.array(4).i(p.id).u(p.mode).array(3).i(p.cx).i(p.cy).array(p.lines.size());
              for (const SnapshotLine& l : p.lines) {
                w.array(2).s(l.text).array(l.cells.size());
                for (uint32_t c : l.cells) w.u(c);
              }
              w.nil();
            }
            return w.take();
          },
          [](const ExecCmd& e) {
            Writer w(1 + e.argv.size());
            w.i(kExecCmd);
            for (const std::string& a : e.argv) w.s(a);
            return w.take();
          },
          [](const Uname& u) {
            Writer w(1 + u.fields.size());
            w.i(kUname);
            for (const std::string& a : u.fields) w.s(a);
            return w.take();
          },
      },
      m);
}

std::string in::encode(const Message& m) {
  return std::visit(overloaded{
                        [](const Notify& n) { return Writer(2).i(kNotify).s(n.text).take(); },
                        [](const Resize& r) { return Writer(3).i(kResize).i(r.cols).i(r.rows).take(); },
                        [](const ExecCmdStr& e) { return Writer(3).i(kExecCmdStr).i(e.client).s(e.command).take(); },
                        [](const SetEnv& e) { return Writer(3).i(kSetEnv).s(e.name).s(e.value).take(); },
                        [](const Ready&) { return Writer(1).i(kReady).take(); },
                        [](const PaneKey& k) { return Writer(3).i(kPaneKey).i(k.pane).u(k.key).take(); },
                        [](const ExecCmd& e) {
                          Writer w(2 + e.argv.size());
                          w.i(kExecCmd).i(e.client);
                          for (const std::string& a : e.argv) w.s(a);
                          return w.take();
                        },
                    },
                    m);
}

}  // namespace tandem::tmate
