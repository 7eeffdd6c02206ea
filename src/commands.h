// tandem's sub-commands, one file each (cmd_NAME.cc), all of the same shape: a Command
// entry (name, usage, description, flags) and the function that runs it with the
// parsed Options, returning the process's exit code. main.cc tables them.
#pragma once

#include "src/command.h"
#include "src/options.h"

namespace tandem {

extern const Command kShare;      // the default: run a shell (or `-- CMD`) as a session
extern const Command kJoin;       // join a session as a native mate
extern const Command kRelay;      // a relay of one's own, for many sessions
extern const Command kStatus;     // inside a session: links, mates, link health
extern const Command kLinks;      // inside a session: the links
extern const Command kWaitReady;  // inside a session: returns once it can be joined
extern const Command kKick;       // inside a session: removes a mate
extern const Command kRotate;     // inside a session: new links

}  // namespace tandem
