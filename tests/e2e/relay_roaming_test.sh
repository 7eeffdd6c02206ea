#!/usr/bin/env bash
# End to end through a relay of its own, with the host's and the native mate's UDP
# each through a netsim: both roam, then both black out for 20 s while both sides
# type. The session carries on with the same tokens, the screens converge, and no
# keystroke is lost or doubled; meanwhile a plain-ssh mate is told the host is
# unreachable, and the host that the relay is. Both keep to UDP (--transport udp):
# udp_blocked_test.sh is the one where they take the TCP path. Loopback only.
# usage: relay_roaming_test.sh PATH/TO/tandem PATH/TO/netsim
set -euo pipefail
tandem=$(realpath "$1")
netsim=$(realpath "$2")
work=$(mktemp -d)
host="trr-host-$$" nat="trr-nat-$$" ro="trr-ro-$$"
SOCKETS=("$host" "$nat" "$ro")
source "$(dirname "$0")/lib.sh"
relay_pid= host_net= mate_net=
cleanup() {
  kill_servers
  for p in "$relay_pid" "$host_net" "$mate_net"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

start_relay "$work"
host_via=$(start_netsim host 11 --delay 10 --loss 0.05 --blackout-ms 20000)
host_net=$(cat "$work/host.pid")
mate_via=$(start_netsim mate 12 --delay 10 --loss 0.05 --blackout-ms 20000)
mate_net=$(cat "$work/mate.pid")

relay_home "$work/home"
t "$host" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home $tandem --transport udp --udp-endpoint $host_via --links-file $work/links -- bash --norc --noprofile; sleep 90"
wait_file "$work/links" '^fingerprint ' "links from the relay"
cp "$work/links" "$work/links.before"
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"
t "$nat" new-session -d -x 80 -y 24 \
  "env -u TANDEM HOME=$work $tandem join --transport udp '$join_rw' --udp-endpoint $mate_via; echo join-exit=\$?; sleep 90"
t "$ro" new-session -d -x 80 -y 24 "$ro_link $SSH_OPTS; sleep 90"
wait_for "$nat" '^\$ ?$' "native mate sees the prompt"
t "$nat" send-keys 'echo one-$((1+0))' Enter
wait_for "$host" '^one-1$' "typing through both netsims"
wait_for "$ro" '^one-1$' "ssh mate sees it"

# 1. Both roam (new source addresses): the next keystrokes get through.
kill -USR1 "$mate_net"
kill -USR1 "$host_net"
t "$nat" send-keys 'echo two-$((1+1))' Enter
wait_for "$host" '^two-2$' "typing after both roamed"
wait_for "$nat" '^two-2$' "mate's screen after both roamed"
t "$host" send-keys 'echo three-$((1+2))' Enter
wait_for "$nat" '^three-3$' "host's output after both roamed"

# 2. Both black out for 20 s while both sides type.
kill -USR2 "$mate_net"
kill -USR2 "$host_net"
t "$nat" send-keys 'echo dark-$((3*3))' Enter
t "$host" send-keys 'echo host-$((2*5))' Enter
wait_for "$ro" 'host unreachable since' "ssh mate told the host is unreachable"
wait_for "$host" 'relay unreachable for [0-9]+ s' "host's banner"
wait_for "$nat" 'last contact [0-9]+ s ago' "native mate's notice"
# After the blackout (20 s) the screens converge: up to 40 s.
wait_for "$nat" '^host-10$' "host's output reaches the mate after the blackout" 800
wait_for "$host" '^dark-9$' "mate's typing reaches the host after the blackout" 800
wait_for "$nat" '^dark-9$' "mate sees its own command's output" 800
t "$nat" send-keys 'echo light-$((4*4))' Enter
wait_for "$host" '^light-16$' "typing after the blackout"
wait_for "$ro" '^light-16$' "ssh mate sees it"
for _ in $(seq 1 200); do t "$ro" capture-pane -p | grep -q 'host unreachable' || break; sleep 0.05; done
! t "$ro" capture-pane -p | grep -q 'host unreachable' || fail "the unreachable notice stayed"
[ "$(count "$host" 'dark-9')" = 1 ] || fail "the keys typed in the dark ran $(count "$host" 'dark-9') times"
[ "$(count "$host" 'light-16')" = 1 ] || fail "light-16 ran $(count "$host" 'light-16') times"
cmp -s "$work/links" "$work/links.before" || fail "the links changed"
[ "$(grep -c 'created for host' "$work/relay.log")" = 1 ] || fail "the host made a new session: $(cat "$work/relay.log")"
t "$host" send-keys 'exit' Enter
wait_for "$nat" 'join-exit=0' "join exits cleanly"
echo "PASS: relay roaming and 20 s blackouts"
