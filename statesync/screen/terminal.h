// tandem's terminal emulator: PTY bytes in, a ScreenState out.
//
// It understands what bash, vim, less, htop, tmux, git and ncurses programs send:
// C0 controls, cursor movement, erasing, insert/delete, scroll regions, SGR in full,
// the DEC private modes a viewer needs, the alternate screen, titles, OSC 52 (the
// clipboard), OSC 8 (hyperlinks), OSC 7 (the working directory), underline colours
// (SGR 58) and the DEC line-drawing set. Replies to queries (DSR, CPR, DA) accumulate as answer-back
// bytes that the host writes back to the PTY. Widths come from utf8proc, so they do
// not depend on the locale.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "statesync/screen/parser.h"
#include "statesync/screen/screen_state.h"

namespace tandem::screen {

class Terminal : private ParserListener {
 public:
  Terminal(int cols, int rows, size_t scrollback_limit = kDefaultScrollbackLines);

  void write(std::span<const uint8_t> bytes) { parser_.feed(bytes, *this); }
  void write(std::string_view bytes) {
    write(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  void resize(int cols, int rows);
  // Whether a change of width rewraps the screen's lines (as tmux does) rather than
  // cutting them (as xterm does). Off by default.
  void set_reflow(bool on) { reflow_ = on; }

  const ScreenState& state() const { return state_; }
  int cols() const { return state_.cols(); }
  int rows() const { return state_.rows(); }
  // Bytes the terminal answers with (to DSR, DA ...); taking them empties the buffer.
  std::string take_answerback() { return std::exchange(answer_, {}); }

 private:
  enum class Charset : uint8_t { kAscii, kDecGraphics };
  struct SavedCursor {
    int x = 0, y = 0;
    Pen pen;
    Color underline = kDefaultColor;
    bool pending_wrap = false;
    bool origin = false;
    std::array<Charset, 2> charsets{Charset::kAscii, Charset::kAscii};
    int gl = 0;
  };

  // ParserListener
  void print_ascii(const uint8_t* text, size_t n) override;
  void print(char32_t cp) override;
  void execute(uint8_t c0) override;
  void esc_dispatch(const Sequence& seq) override;
  void csi_dispatch(const Sequence& seq) override;
  void osc_dispatch(std::string_view text) override;

  Cell blank() const { return Cell::blank(pen_.bg); }
  CursorState& cursor() { return state_.cursor; }
  bool alt_screen() const { return (state_.modes & mode::kAltScreen) != 0; }

  void wrap_line();
  void index();
  void reverse_index();
  void scroll_up(int n, bool to_scrollback);
  void scroll_down(int n);
  void move_to(int x, int y);
  void move_to_origin_relative(int x, int y);
  void tab_forward(int n);
  void tab_backward(int n);

  void erase_in_display(int how);
  void erase_in_line(int how);
  void erase_cells(int y, int x0, int x1);
  void insert_cells(int n);
  void delete_cells(int n);
  void insert_lines(int n);
  void delete_lines(int n);

  void select_graphic_rendition(const CsiParams& p);
  void set_mode(const Sequence& seq, bool on);
  void set_private_mode(int mode, bool on);
  void switch_screen(bool alt, bool clear_alt);
  void save_cursor();
  void restore_cursor();
  void soft_reset();
  void full_reset();
  void reply(std::string_view bytes) { answer_.append(bytes); }

  ScreenState state_;
  Framebuffer other_;  // the buffer not shown: the main screen while the alternate one is up
  bool reflow_ = false;
  void rewrap(int cols, int rows);
  Parser parser_;
  Pen pen_;
  CellExtra pen_extra_;        // underline colour and hyperlink of what is printed
  uint32_t links_made_ = 0;    // for ids of links that came without one
  bool zwj_ = false;           // a zero-width joiner came last: it joins only a mark
  bool pending_wrap_ = false;  // the last column was written; the next character wraps first
  int top_ = 0;                // scroll region, inclusive
  int bottom_ = 0;
  bool origin_ = false;
  bool autowrap_ = true;
  bool insert_ = false;
  bool newline_mode_ = false;
  std::array<Charset, 2> charsets_{Charset::kAscii, Charset::kAscii};
  int gl_ = 0;
  SavedCursor saved_[2];  // main screen, alternate screen
  std::vector<bool> tabs_;
  char32_t last_char_ = 0;  // for REP
  std::string answer_;
};

}  // namespace tandem::screen
