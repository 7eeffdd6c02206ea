#include "src/host/host_keys.h"

namespace tandem {

HostKeys::Read HostKeys::read(std::string_view bytes, std::string_view commands) {
  Read out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (!escape_pending_) {
      if (c == kEscapeKey) {
        escape_pending_ = true;
      } else {
        out.typed.push_back(c);
      }
      continue;
    }
    escape_pending_ = false;
    if (c != kEscapeKey && commands.find(c) != std::string_view::npos) {
      out.command = c;
      out.rest = bytes.substr(i + 1);
      return out;
    }
    // Not a command: the Ctrl-^ was meant for the program, and so is the key.
    out.typed.push_back(kEscapeKey);
    if (c != kEscapeKey) out.typed.push_back(c);
  }
  return out;
}

}  // namespace tandem
