#!/usr/bin/env bash
# End to end: nobody is stranded. A relay restart (SIGTERM, then the same state dir
# and ports): the ssh mate is told why it was dropped, the native mate comes back by
# itself and shows fresh output without anyone touching it, keys typed into it during
# the outage reach the host exactly once, and the host hears that the relay
# restarted, not that its mates left. Named sessions (--name): a host killed with
# SIGKILL and started again has the same links and, on a relay elsewhere, its
# waiting native mate back untouched; on the embedded relay the native mate learns
# within seconds that the session is gone, says so and exits non-zero.
# usage: recovery_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="rc-host-$$" nat="rc-nat-$$" ssh1="rc-ssh-$$"
named1="rc-named1-$$" named2="rc-named2-$$" natn="rc-natn-$$"
emb1="rc-emb1-$$" emb2="rc-emb2-$$" nate="rc-nate-$$" nate2="rc-nate2-$$"
SOCKETS=("$host" "$nat" "$ssh1" "$named1" "$named2" "$natn" "$emb1" "$emb2" "$nate" "$nate2")
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
start_relay "$work" "$ssh_port" "$udp_port" "$web_port"
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

# run_host SOCKET NAME ARGS...: a host sharing bash in tmux; its pid goes to WORK/NAME.pid.
cat >"$work/run-host.sh" <<EOF
#!/bin/sh
echo \$\$ >"$work/\$1.pid"
shift
cd "$work" && exec env -u TANDEM PS1='$ ' HOME="$work/home" "$tandem" "\$@" -- bash --norc --noprofile
EOF
chmod +x "$work/run-host.sh"
run_host() {
  local socket=$1 name=$2
  shift 2
  t "$socket" new-session -d -x 100 -y 30 "$work/run-host.sh $name $*; sleep 60"
}
same_links() { diff <(grep -v '^udp' "$1") <(grep -v '^udp' "$2") >/dev/null || fail "links changed: $(cat "$1" "$2")"; }

# 3. A named session on the relay: its host is killed; the relay keeps the session,
# and the host started again with the same name has the same links and takes its
# waiting native mate back, untouched.
run_host "$named1" named --name pair --links-file "$work/named1"
wait_file "$work/named1" '^fingerprint ' "a named session's links"
[ "$(stat -c %a "$work/home/.config/tandem/sessions/pair/session")" = 600 ] || fail "the named session's file is not 0600"
[ "$(stat -c %a "$work/home/.config/tandem/sessions/pair")" = 700 ] || fail "the named session's directory is not 0700"
wait_for "$named1" '^\$ ?$' "named host prompt"
t "$natn" new-session -d -x 100 -y 30 "env -u TANDEM HOME=$work $tandem join '$(sed -n 's/^join-rw //p' "$work/named1")'; echo join-exit=\$?; sleep 60"
t "$named1" send-keys 'echo one-$((1+1))' Enter
wait_for "$natn" '^one-2$' "the named session's mate sees its output"
kill -9 "$(cat "$work/named.pid")"
wait_for "$natn" 'host unreachable since' "the mate is told the host is away" 400
run_host "$named2" named --name pair --links-file "$work/named2"
wait_file "$work/named2" '^fingerprint ' "the named session's links again"
same_links "$work/named1" "$work/named2"
wait_for "$named2" '^\$ ?$' "the named host's new prompt"
t "$named2" send-keys 'echo back-$((3*3))' Enter
wait_for "$natn" '^back-9$' "the waiting native mate is back by itself" 800
t "$natn" send-keys 'echo mate-$((2*5))' Enter
wait_for "$named2" '^mate-10$' "the waiting mate types into the new host"
[ "$(count "$named2" 'mate-10')" = 1 ] || fail "mate-10 ran $(count "$named2" 'mate-10') times"
! t "$natn" capture-pane -p | grep -q 'join-exit' || fail "tandem join exited"

# 4. A named session on the embedded relay: the host is killed, and its native mate
# says within seconds that the session is gone, and exits non-zero. Started again,
# the host has the same links (same key, port and tokens), and they work.
run_host "$emb1" emb --local --listen 127.0.0.1:0 --web-listen 127.0.0.1:0 --name solo --links-file "$work/emb1"
wait_file "$work/emb1" '^fingerprint ' "an embedded named session's links"
wait_for "$emb1" '^\$ ?$' "embedded host prompt"
emb_join=$(sed -n 's/^join-rw //p' "$work/emb1")
t "$nate" new-session -d -x 100 -y 30 "env -u TANDEM HOME=$work $tandem join '$emb_join'; echo join-exit=\$?; sleep 60"
wait_for "$nate" '^\$ ?$' "the embedded session's mate sees the prompt"
kill -9 "$(cat "$work/emb.pid")"
wait_for "$nate" "the session's relay is gone \(connection refused\): the host may have quit" "the mate says the session is gone" 600
wait_for "$nate" '^join-exit=1$' "tandem join exits non-zero"
run_host "$emb2" emb --local --listen 127.0.0.1:0 --web-listen 127.0.0.1:0 --name solo --links-file "$work/emb2"
wait_file "$work/emb2" '^fingerprint ' "the embedded named session's links again"
same_links "$work/emb1" "$work/emb2"
wait_for "$emb2" '^\$ ?$' "embedded host's new prompt"
t "$nate2" new-session -d -x 100 -y 30 "env -u TANDEM HOME=$work $tandem join '$emb_join'; echo join-exit=\$?; sleep 60"
t "$emb2" send-keys 'echo again-$((6*7))' Enter
wait_for "$nate2" '^again-42$' "the old link joins the restarted host"

echo "PASS: recovery (relay restart, named sessions, a killed host)"
