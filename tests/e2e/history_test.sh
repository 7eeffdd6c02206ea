#!/usr/bin/env bash
# End to end: nobody loses history (issue 12, point 2). The host, a plain-ssh mate,
# a smaller ssh mate and a native mate each run in a tmux of their own; after
# `seq 1 500`, each one's own terminal history (capture-pane -S -) holds 1..500 in
# order, each once; `tandem join` scrolls and searches it too. A full-screen program
# leaves nothing behind in it. A late joiner gets the session's last N lines
# (--history N). Loopback only.
# usage: history_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="th-host-$$" rw="th-rw-$$" small="th-small-$$" native="th-native-$$"
host2="th-host2-$$" late="th-late-$$" host3="th-host3-$$" late3="th-late3-$$" early3="th-early3-$$"
late_native="th-laten-$$"
SOCKETS=("$host" "$rw" "$small" "$native" "$host2" "$late" "$host3" "$late3" "$early3" "$late_native")
source "$(dirname "$0")/lib.sh"
relay_pid=
cleanup() {
  kill_servers
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
ssh_opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes"

# share LINKS_FILE SOCKET [FLAGS]: a host sharing bash on its embedded relay.
share() {
  t "$2" new-session -d -x 80 -y 24 \
    "cd $work; env -u TANDEM PS1='$ ' HOME=$work $tandem --listen 127.0.0.1:0 --links-file $1 ${3:-} -- bash --norc --noprofile; sleep 60"
  for _ in $(seq 1 200); do [ -s "$1" ] && break; sleep 0.05; done
  [ -s "$1" ] || fail "no links file"
  wait_for "$2" '^\$ ?$' "host prompt"
}

# numbers SOCKET: the lines of its whole history and screen that are only a number.
numbers() { t "$1" capture-pane -p -S - | grep -xE '[0-9]+' || true; }

# expect_numbers SOCKET FIRST LAST WHAT: those lines are exactly FIRST..LAST. An ssh
# mate's history after a flood comes once the flood pauses: wait for it (bounded).
expect_numbers() {
  for _ in $(seq 1 100); do
    diff <(numbers "$1") <(seq "$2" "$3") >/dev/null && return 0
    sleep 0.05
  done
  if ! diff <(numbers "$1") <(seq "$2" "$3") >"$work/diff"; then
    fail "$4: history is not $2..$3 once each: $(head -c 600 "$work/diff")"
  fi
}

share "$work/links" "$host"
rw_link=$(sed -n 's/^rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
join_ro=$(sed -n 's/^join-ro //p' "$work/links")
t "$rw" new-session -d -x 80 -y 24 "$rw_link $ssh_opts; sleep 60"
t "$small" new-session -d -x 60 -y 15 "$ro_link $ssh_opts; sleep 60"
t "$native" new-session -d -x 80 -y 24 "env -u TANDEM $tandem join '$join_ro'; sleep 60"
for s in "$rw" "$small" "$native"; do wait_for "$s" '^\$ ?$' "$s sees the prompt"; done

# 1. seq 1 500: every terminal's own history holds 1..500, in order, once.
t "$host" send-keys 'seq 1 500; echo seq-$((2*3))-done' Enter
for s in "$host" "$rw" "$small" "$native"; do
  wait_for "$s" '^seq-6-done$' "$s sees the end of seq"
  expect_numbers "$s" 1 500 "$s after seq 1 500"
done

# 1b. tandem join's scroll mode: Ctrl-^ [ shows the history here, / searches it, q
#     leaves; nothing typed in it reaches the session.
t "$native" send-keys C-^ '['
wait_for "$native" 'scroll: lines .* of ' "the scroll mode's status line"
t "$native" send-keys '/' '2' '5' '0' Enter
wait_for "$native" '^250$' "the search shows line 250"
t "$native" send-keys 'g'
wait_for "$native" '^1$' "g shows the oldest line"
t "$native" send-keys q
wait_for "$native" '^seq-6-done$' "q is back at the session"
if t "$host" capture-pane -p | grep -q '/250'; then fail "the scroll mode's keys reached the session"; fi
expect_numbers "$native" 1 500 "the native mate after its scroll mode"

# 2. A full-screen program on the alternate screen scrolls and leaves: nothing of it
#    stays in anyone's history, and the shell's screen comes back.
t "$host" send-keys "printf '\\033[?1049h\\033[H'; for i in \$(seq 1 60); do echo 9\$i; done; sleep 0.5; printf '\\033[?1049l'; echo alt-done" Enter
for s in "$host" "$rw" "$small" "$native"; do
  wait_for "$s" '^alt-done$' "$s sees the end of the full-screen program"
  expect_numbers "$s" 1 500 "$s after a full-screen program"
done

# 3. A late joiner gets the last N lines of the session's history (--history 100).
share "$work/links2" "$host2" "--history 100"
t "$host2" send-keys 'seq 1 300; echo late-$((3*3))' Enter
wait_for "$host2" '^late-9$' "host 2 ran seq"
rw2=$(sed -n 's/^ro //p' "$work/links2")
t "$late" new-session -d -x 80 -y 24 "$rw2 $ssh_opts; sleep 60"
wait_for "$late" '^late-9$' "the late joiner sees the screen"
# The host's screen still shows the last lines of seq: history plus screen, not more.
got=$(numbers "$late")
first=$(head -1 <<<"$got")
[ "$(tail -1 <<<"$got")" = 300 ] || fail "late joiner: history does not end at 300: $(tail -3 <<<"$got")"
[ "$(wc -l <<<"$got")" = $((300 - first + 1)) ] || fail "late joiner: history has gaps or repeats from $first"
[ "$first" -gt 150 ] && [ "$first" -le 201 ] || fail "late joiner: history starts at $first, not about 300-100-24"
# A late native joiner: in its own terminal's scrollback too, not only its scroll mode.
join2=$(sed -n 's/^join-ro //p' "$work/links2")
t "$late_native" new-session -d -x 80 -y 24 "env -u TANDEM $tandem join '$join2'; sleep 60"
wait_for "$late_native" '^late-9$' "the late native joiner sees the screen"
for _ in $(seq 1 100); do [ "$(numbers "$late_native" | head -1)" = "$first" ] && break; sleep 0.05; done
got_native=$(numbers "$late_native")
[ "$got_native" = "$got" ] || fail "late native joiner: history is not what the ssh one got: $(head -3 <<<"$got_native")"

# 4. Through `tandem relay`, which packs a still session's history: a late joiner
#    gets the last 1000 lines, whole and in order, from the packed copy. An ssh mate
#    there before the flood gets them too, once (the host and the relay send a
#    flood's history when it pauses).
start_relay "$work"
relay_home "$work/home3"
t "$host3" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home3 $tandem --links-file $work/links3 -- bash --norc --noprofile; sleep 60"
for _ in $(seq 1 200); do [ -s "$work/links3" ] && break; sleep 0.05; done
[ -s "$work/links3" ] || fail "no links file through the relay"
wait_for "$host3" '^\$ ?$' "host 3 prompt"
ro3=$(sed -n 's/^ro //p' "$work/links3")
t "$early3" new-session -d -x 80 -y 24 "$ro3 $ssh_opts; sleep 60"
wait_for "$early3" '^\$ ?$' "the early mate through the relay sees the prompt"
t "$host3" send-keys 'seq 1 3000; echo relay-$((4*4))' Enter
wait_for "$host3" '^relay-16$' "host 3 ran seq"
# expect_history_end SOCKET WHAT: its numbers are FIRST..3000, FIRST at most 1000 lines back.
expect_history_end() {
  local got first
  for _ in $(seq 1 100); do
    got=$(numbers "$1")
    first=$(head -1 <<<"$got")
    [ "$(tail -1 <<<"$got")" = 3000 ] && [ "$(wc -l <<<"$got")" = $((3000 - first + 1)) ] && [ "$first" -le 2001 ] && return 0
    sleep 0.05
  done
  [ "$(tail -1 <<<"$got")" = 3000 ] || fail "$2: history does not end at 3000"
  [ "$(wc -l <<<"$got")" = $((3000 - first + 1)) ] || fail "$2: gaps or repeats from $first"
  fail "$2: history starts at $first, not 1000 lines back"
}
wait_for "$early3" '^relay-16$' "the early mate through the relay sees the end"
expect_history_end "$early3" "relay early mate"
sleep 4  # still for longer than the relay waits before packing (2 s, swept every second)
t "$late3" new-session -d -x 80 -y 24 "$ro3 $ssh_opts; sleep 60"
wait_for "$late3" '^relay-16$' "the late joiner through the relay sees the screen"
expect_history_end "$late3" "relay late joiner"

echo "history: 20 checks passed"
