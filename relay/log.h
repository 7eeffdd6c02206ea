// The relay's log: one line per notable event (a session made or ended, a host back,
// bad input dropped), with the time. Silent unless enabled: an embedded relay shares
// the host's terminal, which must not be written over.
#pragma once

namespace tandem::relay {

void enable_log(bool on);
[[gnu::format(printf, 1, 2)]] void log(const char* format, ...);

}  // namespace tandem::relay
