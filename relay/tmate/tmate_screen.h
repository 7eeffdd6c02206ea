// What a tmate host shows, rebuilt on the relay: one emulator per pane fed with the
// pane's raw output (PTY_DATA), the windows and panes from SYNC_LAYOUT, the status
// line, and each pane's copy mode (the "output" view tmate fills with its messages).
// compose() draws what a tmate mate would see as one tandem screen: the active
// window's panes with their borders, and a status line below them. The session has
// one history, which mates' terminals get: the lines that scroll off a window of one
// pane while it is shown (and those it printed while hidden, once it is shown again),
// each once, however often the windows are switched.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "proto/tmate/daemon.h"
#include "statesync/screen/terminal.h"

namespace tandem::relay {

class TmateScreen {
 public:
  // `history`: scrollback lines each pane keeps.
  explicit TmateScreen(size_t history) : history_(history) {}

  void layout(const tmate::out::SyncLayout& layout);
  void pty_data(int64_t pane, std::string_view bytes);
  void status(const tmate::out::Status& status);
  void copy_mode(const tmate::out::SyncCopyMode& mode);
  void write_copy_mode(int64_t pane, std::string_view line);
  // A reconnecting host's panes, with their history: they replace what was kept.
  void snapshot(const tmate::out::Snapshot& snapshot);

  // The session as a tmate mate would see it.
  screen::ScreenState compose();
  // The active window's active pane, if the layout names one.
  const screen::Terminal* active_pane() const;
  bool has_layout() const { return !layout_.windows.empty(); }

  static constexpr size_t kMaxCopyLines = 200;  // lines of a copy-mode output view kept

 private:
  struct Pane {
    std::unique_ptr<screen::Terminal> term;
    size_t history = 0;  // scrollback lines it keeps
    tmate::out::SyncCopyMode copy;
    std::deque<std::string> copy_lines;
    uint64_t in_history = 0;  // its scrollback lines (a total) already in the session's history
  };
  Pane& pane(int64_t id, int cols, int rows);
  Pane& known(int64_t id);  // the pane, made if the layout has not named it yet
  const tmate::out::Window* active_window() const;
  void draw_pane(const tmate::out::Pane& geometry, const Pane& pane, screen::ScreenState& out) const;
  void draw_status(screen::ScreenState& out) const;
  std::string status_text() const;  // what the status line is made of

  size_t history_;
  tmate::out::SyncLayout layout_;
  std::map<int64_t, Pane> panes_;
  size_t cells_ = 0;  // what the panes' screens cost, as the last layout sized them
  std::string status_left_, status_right_;
  bool has_status_ = false;
  mutable screen::RowRef status_row_;  // the status line last drawn, and what it was drawn from
  mutable std::string status_source_;
  screen::Scrollback history_lines_{history_};  // the session's history, shared by every window
  uint64_t history_id_ = screen::ScreenState(1, 1, 0).history;
};

}  // namespace tandem::relay
