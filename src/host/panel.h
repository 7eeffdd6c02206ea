// A panel: lines laid over the host's own frame until the next key, never over the
// shared screen (what mates and `tandem status` see). It shows the links in full
// (Ctrl-^ then l), read-write ones included, or one link's QR code (--qr at start,
// Ctrl-^ then q). Long lines wrap at the terminal's width; `tandem join` takes a
// link back whole from such a wrapped copy.
#pragma once

#include <string>
#include <vector>

#include "proto/bootstrap.h"
#include "src/qr_code.h"
#include "statesync/screen/screen_state.h"

namespace tandem {

struct PanelLine {
  std::u32string text;
  bool code = false;  // a row of a QR code: dark on light, never wrapped

  bool operator==(const PanelLine&) const = default;
};

// Every link, under a title saying that only the host sees them.
std::vector<PanelLine> links_panel(const Links& links);
// `code` of the `role` ("read-only") link `link` under a title, and the link under it;
// when it cannot fit in cols x rows, a line saying so and where else it is.
std::vector<PanelLine> code_panel(const QrCode& code, const std::string& role, const std::string& link, int cols,
                                  int rows);

// `tandem --approve`: `mate` asks to join; `more` others wait after it.
std::vector<PanelLine> approval_panel(const MateInfo& mate, size_t more);

// Lines being shown. Their rows are made once per width and then shared by every
// frame, so a panel costs the display nothing while the session underneath changes.
class Panel {
 public:
  Panel() = default;
  explicit Panel(std::vector<PanelLine> lines) : lines_(std::move(lines)) {}

  bool shown() const { return !lines_.empty(); }
  const std::vector<PanelLine>& lines() const { return lines_; }
  // Lays the lines over `frame`, wrapped to its width, on the rows just above the
  // bottom one (which stays free for notices), or on the top rows when the cursor is
  // on those and below them; what does not fit is cut at the top.
  void lay_over(screen::ScreenState& frame);

 private:
  std::vector<PanelLine> lines_;
  int cols_ = -1;  // the width rows_ were made for
  std::vector<screen::RowRef> rows_;
};

}  // namespace tandem
