#!/usr/bin/env bash
# End to end: `tandem join --predict always` over a long, lossy path (netsim: 100 ms
# each way, 10 % loss). What the mate types shows on its screen before the host has
# it (an outage proves it: the host cannot have it); a password is never shown; a
# program that echoes something else leaves no trace of the guess; once the network
# is back, the mate's screen is the host's and every key arrived once.
# Every screen is read from a real tmux. Loopback only.
# usage: predict_test.sh PATH/TO/tandem PATH/TO/netsim
set -euo pipefail
tandem=$(realpath "$1")
netsim=$(realpath "$2")
work=$(mktemp -d)
host="tp-host-$$" rw="tp-rw-$$"
SOCKETS=("$host" "$rw")
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
udp=$(sed -n 's/^udp //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"

"$netsim" --listen 127.0.0.1:0 --server "127.0.0.1:$udp" --delay 100 --loss 0.1 --seed 13 --blackout-ms 15000 \
  >"$work/netsim.out" &
netsim_pid=$!
for _ in $(seq 1 100); do grep -q '^netsim: ' "$work/netsim.out" 2>/dev/null && break; sleep 0.05; done
via=$(sed -n 's/^netsim: \([^ ]*\) -> .*/\1/p' "$work/netsim.out" | head -1)
[ -n "$via" ] || fail "netsim did not start"

t "$rw" new-session -d -x 80 -y 24 "env -u TANDEM $tandem join --predict always '$join_rw' --udp-endpoint $via; echo join-exit=\$?; sleep 60"
wait_for "$rw" '^\$ ?$' "mate sees the prompt"
wait_for "$host" 'read-write mate .* joined' "host told of the mate"

# 1. Typing confirmed by the session's echo; then an outage: what is typed in it shows
# on the mate's screen at once (predicted), and not on the host's.
t "$rw" send-keys 'echo '
wait_for "$host" '^\$ echo ?$' "host has the first keys"
wait_for "$rw" '^\$ echo ?$' "mate sees their echo"
kill -USR2 "$netsim_pid"
sleep 0.2
t "$rw" send-keys 'predicted'
wait_for "$rw" '^\$ echo predicted$' "the mate sees its keys during the outage"
t "$host" capture-pane -p | grep -q 'predicted' && fail "the host had keys typed in the outage"
# 2. The network comes back: the keys arrive once, and the screens agree.
t "$rw" send-keys Enter
wait_for "$host" '^predicted$' "the keys reach the host after the outage" 800
wait_for "$rw" '^predicted$' "the mate sees the output"
[ "$(count "$host" 'predicted')" = 1 ] || fail "the output ran $(count "$host" 'predicted') times"
[ "$(count "$host" '\$ echo predicted')" = 1 ] || fail "the command line is not once on the host"
[ "$(count "$rw" '\$ echo predicted')" = 1 ] || fail "the command line is not once on the mate"

# 3. A password prompt: the program does not echo, so nothing is predicted there.
t "$rw" send-keys "read -s -p 'pw: ' x; echo; echo got-\${#x}" Enter
wait_for "$rw" '^pw: ?$' "mate sees the password prompt"
t "$rw" send-keys 'hunter2'
for _ in $(seq 1 20); do
  t "$rw" capture-pane -p | grep -q 'hunter2' && fail "a password was shown"
  sleep 0.05
done
t "$rw" send-keys Enter
wait_for "$rw" '^got-7$' "the password reached the program"
t "$rw" capture-pane -p | grep -q 'hunter2' && fail "a password was shown"

# 4. A program that echoes something else than what was typed: the mate ends up
# showing what the program wrote, and no guess of its own.
t "$rw" send-keys "stty -echo; while IFS= read -rsn1 c; do [ \"\$c\" = q ] && break; printf '%s' \"\${c^^}\"; done; stty echo; echo; echo done-upper" Enter
sleep 0.5
t "$rw" send-keys 'abcxyz'
wait_for "$host" '^ABCXYZ$' "the program echoes in capitals"
wait_for "$rw" '^ABCXYZ$' "the mate shows what the program echoed"
t "$rw" send-keys 'q'
wait_for "$rw" '^done-upper$' "the program ends"
t "$rw" capture-pane -p | grep -q 'abcxyz' && fail "a wrong guess stayed on the mate's screen"

# 5. The mate's screen is the host's, line for line, once everything has arrived (but
# the host's own notices: the outage may end sooner, over the TCP path, than its links notice).
sleep 1
diff <(t "$host" capture-pane -p | grep -v '^$' | grep -v 'mate .* joined' | grep -v '^ *tandem: ') \
  <(t "$rw" capture-pane -p | grep -v '^$') >"$work/diff" || fail "the screens differ: $(cat "$work/diff")"

t "$rw" send-keys C-^ .
wait_for "$rw" 'you left the session' "mate leaves"
echo "PASS"
