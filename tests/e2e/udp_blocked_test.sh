#!/usr/bin/env bash
# End to end through a relay of its own, with the host's and the native mate's UDP
# each through a netsim, when the network drops all UDP for 30 s: both take the TCP
# path (a WebSocket to the relay's web port) within seconds and the session goes on,
# then both go back to UDP once it works again. No keystroke is lost or doubled, and
# the links stay the same. A mate with --transport tcp never uses UDP at all.
# Loopback only.
# usage: udp_blocked_test.sh PATH/TO/tandem PATH/TO/netsim
set -euo pipefail
tandem=$(realpath "$1")
netsim=$(realpath "$2")
work=$(mktemp -d)
host="tub-host-$$" nat="tub-nat-$$" tcp="tub-tcp-$$"
SOCKETS=("$host" "$nat" "$tcp")
source "$(dirname "$0")/lib.sh"
relay_pid= host_net= mate_net=
cleanup() {
  kill_servers
  for p in "$relay_pid" "$host_net" "$mate_net"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
paths() { grep -c 'a TCP path for datagrams' "$work/relay.log" || true; }
closed_paths() { grep -c 'TCP path for datagrams closed' "$work/relay.log" || true; }
# wait_log COUNT_FN N WHAT [TRIES]: until the relay's log counts at least N.
wait_log() {
  for _ in $(seq 1 "${4:-800}"); do [ "$($1)" -ge "$2" ] && return 0; sleep 0.05; done
  fail_relay "$3: the relay's log counts $($1)"
}

start_relay "$work"
host_via=$(start_netsim host 21 --delay 5 --blackout-ms 30000)
host_net=$(cat "$work/host.pid")
mate_via=$(start_netsim mate 22 --delay 5 --blackout-ms 30000)
mate_net=$(cat "$work/mate.pid")

relay_home "$work/home"
t "$host" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home $tandem --udp-endpoint $host_via --links-file $work/links -- bash --norc --noprofile; sleep 120"
wait_file "$work/links" '^fingerprint ' "links from the relay"
cp "$work/links" "$work/links.before"
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"
t "$nat" new-session -d -x 80 -y 24 \
  "env -u TANDEM HOME=$work $tandem join '$join_rw' --udp-endpoint $mate_via; echo join-exit=\$?; sleep 120"
wait_for "$nat" '^\$ ?$' "native mate sees the prompt"
t "$nat" send-keys 'echo one-$((1+0))' Enter
wait_for "$host" '^one-1$' "typing over UDP"
[ "$(paths)" = 0 ] || fail_relay "a TCP path while UDP works"

# 1. UDP is dropped both ways: within seconds both take the TCP path and typing works.
kill -USR2 "$mate_net"
kill -USR2 "$host_net"
t "$nat" send-keys 'echo dark-$((3*3))' Enter
wait_log paths 2 "both the host and the mate take the TCP path"
wait_for "$host" '^dark-9$' "the mate's typing reaches the host over TCP" 400
wait_for "$nat" '^dark-9$' "the mate sees the output over TCP" 400
t "$host" send-keys 'echo host-$((2*5))' Enter
wait_for "$nat" '^host-10$' "the host's output reaches the mate over TCP" 400
# A mate that asks for TCP only joins while UDP is still blocked.
t "$tcp" new-session -d -x 80 -y 24 \
  "env -u TANDEM HOME=$work $tandem join --transport tcp '$join_rw' --udp-endpoint 127.0.0.1:9; echo join-exit=\$?; sleep 120"
wait_for "$tcp" '^host-10$' "a --transport tcp mate sees the session"
t "$tcp" send-keys 'echo tcp-$((5*5))' Enter
wait_for "$host" '^tcp-25$' "the --transport tcp mate's typing reaches the host"

# 2. UDP works again (30 s after it stopped): both go back to it, the TCP mate stays.
wait_log closed_paths 2 "both go back to UDP and close their TCP paths" 1600
t "$nat" send-keys 'echo light-$((4*4))' Enter
wait_for "$host" '^light-16$' "typing back on UDP"
wait_for "$nat" '^light-16$' "the mate sees it"
wait_for "$tcp" '^light-16$' "the TCP mate sees it"
for line in one-1 dark-9 host-10 tcp-25 light-16; do
  [ "$(count "$host" "$line")" = 1 ] || fail "$line ran $(count "$host" "$line") times"
done
cmp -s "$work/links" "$work/links.before" || fail "the links changed"
[ "$(grep -c 'created for host' "$work/relay.log")" = 1 ] || fail_relay "the host made a new session"
t "$host" send-keys 'exit' Enter
wait_for "$nat" 'join-exit=0' "join exits cleanly"
echo "PASS: UDP blocked: the TCP path, and back to UDP"
