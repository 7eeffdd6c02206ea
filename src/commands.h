// tandem's sub-commands, one file each (cmd_NAME.cc), all of the same shape: they
// take the arguments after their name and return the process's exit code.
#pragma once

#include <string>
#include <vector>

namespace tandem {

using Args = std::vector<std::string>;

int cmd_share(const Args& args);  // the default: run a shell (or `-- CMD`) as a session
int cmd_join(const Args& args);   // join a session as a native mate
int cmd_relay(const Args& args);  // a relay of one's own, for many sessions
int cmd_status(const Args& args);       // inside a session: links, mates, link health
int cmd_wait_ready(const Args& args);   // inside a session: returns once it can be joined

}  // namespace tandem
