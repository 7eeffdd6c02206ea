// The session's terminfo: xterm-256color as it is everywhere, plus what tandem's
// emulator does that the entry does not say: true colour (tmux's Tc), styled and
// coloured underlines (Smulx, Setulc). A tmux older than 3.6 inside tandem reads
// those, not COLORTERM, to keep true colour and styled underlines; each viewer still
// gets what its own terminal shows. TERM stays xterm-256color, so ssh-ing on from
// the session finds an entry on any machine.
#pragma once

#include <string>
#include <vector>

namespace tandem {

// The environment entry that puts the entry before the system's (TERMINFO_DIRS),
// compiled with tic into tandem's cache the first time; none if that cannot be done
// (no tic, no usable $HOME): the session then has the plain entry.
std::vector<std::string> session_terminfo_env();

}  // namespace tandem
