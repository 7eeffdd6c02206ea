#!/usr/bin/env bash
# End to end: nobody is stranded. A relay restart (SIGTERM, then the same state dir
# and ports): the ssh mate is told why it was dropped, the native mate comes back by
# itself and shows fresh output without anyone touching it, keys typed into it during
# the outage reach the host exactly once, and the host hears that the relay
# restarted, not that its mates left.
# usage: recovery_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="rc-host-$$" nat="rc-nat-$$" ssh1="rc-ssh-$$"
SOCKETS=("$host" "$nat" "$ssh1")
source "$(dirname "$0")/lib.sh"
trap cleanup_all EXIT

start_relay "$work"
relay_home "$work/home"
t "$host" new-session -d -x 100 -y 30 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home $tandem --links-file $work/links -- bash --norc --noprofile; sleep 60"
wait_file "$work/links" '^fingerprint ' "links from the relay"
rw_link=$(sed -n 's/^rw //p' "$work/links")
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"
t "$nat" new-session -d -x 100 -y 30 "env -u TANDEM HOME=$work $tandem join '$join_rw'; echo join-exit=\$?; sleep 60"
t "$ssh1" new-session -d -x 100 -y 30 "$rw_link $SSH_OPTS; echo ssh-exit; sleep 60"
wait_for "$nat" '^\$ ?$' "native mate sees the prompt"
wait_for "$ssh1" '^\$ ?$' "ssh mate sees the prompt"
t "$host" send-keys 'clear; echo before-$((2*3))' Enter
wait_for "$nat" '^before-6$' "native mate sees the host's output"

# 1. The relay stops: the ssh mate is told why; nobody tells the native mate goodbye.
kill "$relay_pid"
wait "$relay_pid" 2>/dev/null || true
wait_for "$ssh1" 'relay is shutting down, most likely to restart' "ssh mate told why it was dropped"
wait_for "$ssh1" '^ssh-exit' "ssh mate's connection closed"
# Keys typed while the relay is away wait in the native mate.
t "$nat" send-keys 'echo typed-$((3*3))' Enter
wait_for "$nat" 'last contact|relay refuses connections|relay does not' "native mate says the relay is quiet" 400

# 2. The relay comes back with the same state: the host restores its session, the
# native mate re-joins by itself, and what it typed runs once.
start_relay "$work" "$ssh_port" "$udp_port"
wait_file "$work/relay.log" 'restored for host' "host restores its session"
wait_for "$host" 'the relay restarted; the session is back with the same links' "host told the relay restarted" 800
wait_for "$host" '^typed-9$' "keys typed during the outage reach the host" 800
t "$host" send-keys 'echo fresh-$((5*5))' Enter
wait_for "$nat" '^fresh-25$' "native mate shows fresh output, untouched" 800
[ "$(count "$host" 'typed-9')" = 1 ] || fail "typed-9 ran $(count "$host" 'typed-9') times"
t "$nat" send-keys 'echo after-$((4*4))' Enter
wait_for "$host" '^after-16$' "the native mate types through the restarted relay"
[ "$(count "$host" 'after-16')" = 1 ] || fail "after-16 ran $(count "$host" 'after-16') times"
! t "$host" capture-pane -p | grep -q 'native mate .* left' || fail "the host was told the native mate left"
! t "$host" capture-pane -p | grep -q 'native mate .* joined' || fail "the host was told the native mate joined again"
! t "$nat" capture-pane -p | grep -q 'join-exit' || fail "tandem join exited"

echo "PASS: recovery (relay restart)"
