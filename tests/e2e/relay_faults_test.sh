#!/usr/bin/env bash
# End to end: faults a session must shrug off, on the embedded relay or (with
# "relay") on a `tandem relay`. The last read-write mate leaving must not stop later
# mates' keys or leave a --size smallest host shrunk; mates whose TCP connection is
# reset while a flood is being written to them leave no hung neighbour and no open
# fd; the links file is 0600; a killed host's control directory is cleaned at the
# next start; a relay's existing state dir is tightened and SIGHUP does not stop it.
# usage: relay_faults_test.sh PATH/TO/tandem [embedded|relay]
set -euo pipefail
tandem=$(realpath "$1")
mode=${2:-embedded}
work=$(mktemp -d)
host="tf-host-$$" mate="tf-mate-$$" late="tf-late-$$" fresh="tf-fresh-$$"
SOCKETS=("$host" "$mate" "$late" "$fresh")
source "$(dirname "$0")/lib.sh"
trap cleanup_all EXIT

where="--listen 127.0.0.1:0"
if [ "$mode" = relay ]; then
  mkdir -p "$work/state" && chmod 755 "$work/state"  # an operator's loose dir
  start_relay "$work"
  [ "$(stat -c %a "$work/state")" = 700 ] || fail_relay "state dir left $(stat -c %a "$work/state")"
  relay_home "$work/home"
  where=""
  kill -HUP "$relay_pid"
  sleep 0.2
  kill -0 "$relay_pid" || fail_relay "SIGHUP stopped the relay"
fi

# A host killed earlier left its control directory behind (no destructor ran).
mkdir -p "$work/run"
sh -c 'exit 0' & dead=$!
wait "$dead"
mkdir -p "$work/run/tandem-$(id -u)-$dead" && : >"$work/run/tandem-$(id -u)-$dead/control"

t "$host" new-session -d -x 100 -y 30 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home XDG_RUNTIME_DIR=$work/run $tandem $where --size smallest --links-file $work/links -- bash --norc --noprofile; sleep 60"
wait_file "$work/links" '^fingerprint ' "links"
[ "$(stat -c %a "$work/links")" = 600 ] || fail "the links file is $(stat -c %a "$work/links"), not 600"
[ ! -e "$work/run/tandem-$(id -u)-$dead" ] || fail "a dead host's control directory is still there"
rw_link=$(sed -n 's/^rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"

# 1. The only read-write mate (smaller than the host) joins, then leaves.
t "$mate" new-session -d -x 60 -y 15 "$rw_link $SSH_OPTS; sleep 60"
wait_for "$mate" '^\$ ?$' "mate sees the prompt"
t "$host" send-keys 'clear; stty size' Enter
wait_for "$host" '^15 60$' "the session is the mate's size"
t "$mate" kill-server
wait_for "$host" 'read-write mate .* left' "host told the mate left"
t "$host" send-keys 'clear; stty size' Enter
wait_for "$host" '^30 100$' "the host is back to its own size"

# 2. Keys from any later mate still reach the host, once.
t "$late" new-session -d -x 100 -y 30 "env -u TANDEM HOME=$work $tandem join '$join_rw'; sleep 60"
wait_for "$late" '^30 100$' "a native mate sees the screen"
t "$late" send-keys 'echo after-$((5*5))' Enter
wait_for "$host" '^after-25$' "the host runs what a later mate typed"
[ "$(count "$host" 'after-25')" = 1 ] || fail "after-25 ran $(count "$host" 'after-25') times"
t "$late" kill-server

# 3. Mates reset mid-write while the host floods: no fd is kept, the next mate is served.
if [ "$mode" = relay ]; then pid=$relay_pid; else pid=$(pgrep -f "$tandem $where --size smallest" | head -1); fi
fds_before=$(ls /proc/"$pid"/fd | wc -l)
t "$host" send-keys 'clear; for i in $(seq 1 400); do head -c 3000 /dev/urandom | base64 -w 190; done; echo flood-done' Enter
ro_token=$(sed 's/.* \([a-z2-7]*\)@.*/\1/' <<<"$ro_link")
for i in $(seq 1 12); do (
  # A big terminal and SIGKILL with unread data in the socket: the kernel sends RST.
  script -qec "stty rows 200 cols 400; $ro_link $SSH_OPTS" /dev/null >/dev/null 2>&1 </dev/null &
  sleep "0.$((i % 5 + 1))"
  pkill -KILL -f "$ro_token" || true
  wait "$!" 2>/dev/null || true
) 2>/dev/null; done
wait_for "$host" '^flood-done$' "the flood ends"
t "$fresh" new-session -d -x 100 -y 30 "$rw_link $SSH_OPTS; sleep 60"
wait_for "$fresh" 'flood-done' "a new mate is served after the resets"
t "$fresh" send-keys 'clear; echo fresh-$((3*3))' Enter
wait_for "$host" '^fresh-9$' "and types"
t "$fresh" kill-server
for _ in $(seq 1 200); do [ "$(ls /proc/"$pid"/fd | wc -l)" -le "$fds_before" ] && break; sleep 0.05; done
[ "$(ls /proc/"$pid"/fd | wc -l)" -le "$fds_before" ] || fail "fds: $fds_before before the resets, $(ls /proc/"$pid"/fd | wc -l) after"

# 4. A mate smaller than the session sees where the host types (issue 12): its view
#    follows the cursor, and says so.
small="tf-small-$$" smallnat="tf-smallnat-$$"
SOCKETS+=("$small" "$smallnat")
t "$host" send-keys 'clear; seq 1 60; echo end-of-$((30*2))' Enter
wait_for "$host" '^end-of-60$' "the host's output"
t "$small" new-session -d -x 60 -y 12 "$ro_link $SSH_OPTS; sleep 60"
join_ro=$(sed -n 's/^join-ro //p' "$work/links")
t "$smallnat" new-session -d -x 60 -y 12 "env -u TANDEM HOME=$work $tandem join '$join_ro'; sleep 60"
# (on both kinds of mate the notice sits just above the prompt for a while, the last
# line's row: every notice is read first, while it is up, then the last lines after)
for m in "$small" "$smallnat"; do
  wait_for "$m" 'view 60x12 of 100x30' "a 60x12 mate ($m) is told its view is partial"
done
for m in "$small" "$smallnat"; do
  wait_for "$m" '^end-of-60$' "a 60x12 mate ($m) sees the last lines"
done
t "$host" send-keys 'echo typed-at-the-bottom' Enter
wait_for "$small" '^typed-at-the-bottom$' "the small view follows the typing"

t "$host" send-keys 'exit' Enter
echo "relay faults ($mode): passed"
