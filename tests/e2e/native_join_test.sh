#!/usr/bin/env bash
# End to end: `tandem join` as a native mate over UDP state sync, through netsim so
# that the network can misbehave: a roam and a blackout in the middle of typing.
# Every screen is read from a real tmux. Loopback only.
# usage: native_join_test.sh PATH/TO/tandem PATH/TO/netsim
set -euo pipefail
tandem=$(realpath "$1")
netsim=$(realpath "$2")
work=$(mktemp -d)
host="tj-host-$$" rw="tj-rw-$$" ro="tj-ro-$$"
SOCKETS=("$host" "$rw" "$ro")
source "$(dirname "$0")/lib.sh"
netsim_pid=
cleanup() {
  kill_servers
  [ -n "$netsim_pid" ] && kill "$netsim_pid" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

t "$host" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work $tandem --listen 127.0.0.1:0 --links-file $work/links -- bash --norc --noprofile; sleep 60"
for _ in $(seq 1 200); do [ -s "$work/links" ] && break; sleep 0.05; done
[ -s "$work/links" ] || fail "no links file"
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
join_ro=$(sed -n 's/^join-ro //p' "$work/links")
udp=$(sed -n 's/^udp //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"

# The rw mate's UDP goes through netsim (a little delay and loss all along).
"$netsim" --listen 127.0.0.1:0 --server "127.0.0.1:$udp" --delay 10 --loss 0.1 --seed 5 >"$work/netsim.out" &
netsim_pid=$!
for _ in $(seq 1 100); do grep -q '^netsim: ' "$work/netsim.out" 2>/dev/null && break; sleep 0.05; done
via=$(sed -n 's/^netsim: \([^ ]*\) -> .*/\1/p' "$work/netsim.out" | head -1)
[ -n "$via" ] || fail "netsim did not start"

# 1. Join, see the screen, type into it.
t "$rw" new-session -d -x 70 -y 20 "env -u TANDEM $tandem join '$join_rw' --udp-endpoint $via; echo join-exit=\$?; sleep 60"
wait_for "$rw" '^\$ ?$' "mate sees the prompt"
wait_for "$host" 'read-write mate .* joined' "host told of the mate"
t "$rw" send-keys 'echo hi-$((6*7))' Enter
wait_for "$host" '^hi-42$' "host runs what the mate typed"
wait_for "$rw" '^hi-42$' "mate sees the result"

# 2. The mate's network changes mid-session: it carries on.
kill -USR1 "$netsim_pid"
t "$rw" send-keys 'echo after-$((1+1))-roam' Enter
wait_for "$host" '^after-2-roam$' "typing after a roam"
wait_for "$rw" '^after-2-roam$' "screen after a roam"

# 3. A blackout while both sides type: nothing lost, nothing doubled.
kill -USR2 "$netsim_pid"
t "$rw" send-keys 'echo dark-$((3*3))' Enter
t "$host" send-keys 'echo host-$((2*5))' Enter
wait_for "$rw" '^host-10$' "host's output reaches the mate after the blackout"
wait_for "$host" '^dark-9$' "mate's typing reaches the host after the blackout"
[ "$(count "$host" 'dark-9')" = 1 ] || fail "the keystrokes typed in the dark ran $(count "$host" 'dark-9') times"

# 4. A read-only native mate changes nothing.
t "$ro" new-session -d -x 80 -y 24 "env -u TANDEM $tandem join '$join_ro'; echo join-exit=\$?; sleep 60"
wait_for "$ro" '^host-10$' "ro mate sees the screen"
t "$ro" send-keys "touch $work/ro-native" Enter
wait_for "$ro" 'read-only: your keys are not sent' "ro mate is told"
t "$rw" send-keys 'echo later' Enter
wait_for "$host" '^later$' "later input"
[ ! -e "$work/ro-native" ] || fail "a read-only native mate's keys reached the shell"

# 5. Leaving with Ctrl-^ . ; a wrong relay key is refused.
t "$ro" send-keys C-^ .
wait_for "$ro" 'you left the session' "ro mate leaves"
wait_for "$host" 'read-only mate .* left' "host told the ro mate left"
bad=$(sed 's/#SHA256:./#SHA256:Z/' <<<"$join_rw")
if env -u TANDEM script -qec "$tandem join '$bad'" /dev/null >"$work/bad.out" 2>&1; then fail "joined with a wrong relay key"; fi
grep -q "refusing to join" "$work/bad.out" || fail "no clear refusal: $(cat "$work/bad.out")"

# 6. The host's shell exits: the mate is told and its join ends.
t "$host" send-keys 'exit' Enter
wait_for "$rw" 'the session has ended' "mate told the session ended"
wait_for "$rw" 'join-exit=0' "join exits cleanly"

echo "native join: 6 checks passed"
