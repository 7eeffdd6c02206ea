// The host's keystrokes, split: Ctrl-^ then a key tandem knows is a command to
// tandem, Ctrl-^ twice types one Ctrl-^, and everything else goes to the program as
// it came. Only the prefix makes a command, so ordinary typing can never answer
// tandem (above all the --approve prompt, where a stray `y` would admit a mate).
#pragma once

#include <string>
#include <string_view>

namespace tandem {

class HostKeys {
 public:
  static constexpr char kEscapeKey = 0x1e;  // Ctrl-^, as `tandem join`'s (and mosh's)

  struct Read {
    std::string typed;      // for the program, in order
    char command = 0;       // the key after Ctrl-^, if it is one of the commands asked for; else 0
    std::string_view rest;  // what came after the command, not read yet
  };
  // Reads `bytes` up to the first command among `commands` (a Ctrl-^ at the very end
  // waits for the next read).
  Read read(std::string_view bytes, std::string_view commands);

 private:
  bool escape_pending_ = false;  // Ctrl-^ came; the next key says what for
};

}  // namespace tandem
