// What a viewer's terminal can show, from its TERM (and COLORTERM, where it is known):
// the DisplayOptions a display writes for it. As tmux decides per client: terminfo's
// `colors`, `RGB`/`Tc` (or COLORTERM=truecolor) for true colour, `Smulx`/`Su` for
// underline styles, `Setulc` for underline colours; a few terminals known by name
// (kitty, alacritty, foot, wezterm, *-direct) whatever the local terminfo says; a name
// the terminfo lacks is taken as xterm-256color. Lookups are cached per name: a relay
// asks once per kind of terminal, not per mate.
#pragma once

#include <string_view>

#include "statesync/screen/display.h"

namespace tandem::screen {

// Options for a terminal called `term` (untrusted: a name a peer sent). Only what the
// terminal can show is set; clipboard and cwd are the caller's to decide.
DisplayOptions options_for_terminal(std::string_view term, std::string_view colorterm = {});

}  // namespace tandem::screen
