#!/usr/bin/env bash
# End to end, part B of the legacy mode: `tandem` shares through a stock tmate relay
# (the unmodified tmate-ssh-server in ../shared/peers), named by ~/.tmate.conf as a
# tmate user has it; OpenSSH read-write and read-only mates join with the links the
# relay gave. Then the host's connection drops: it reconnects by itself and says its
# links changed (a standalone tmate relay keeps no session), and the new link works.
# Loopback only. Skips, saying why, without root (the relay jails each session).
# usage: tmate_relay_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
peer=$(realpath -m "$here/../../../shared/peers/tmate-ssh-server")
[ "$(id -u)" -eq 0 ] || { echo "SKIP: tmate-ssh-server needs root (chroot, namespaces)"; exit 0; }
[ -x "$peer/tmate-ssh-server" ] || { echo "SKIP: no tmate-ssh-server at $peer"; exit 0; }
work=$(mktemp -d)
host="tmr-host-$$" rw="tmr-rw-$$" ro="tmr-ro-$$" rw2="tmr-rw2-$$"
SOCKETS=("$host" "$rw" "$ro" "$rw2")
source "$here/lib.sh"
tss_pid=
stop_relay() {
  [ -n "$tss_pid" ] || return 0
  kill "$tss_pid" 2>/dev/null || true
  pkill -P "$tss_pid" 2>/dev/null || true
  wait "$tss_pid" 2>/dev/null || true
  tss_pid=
}
cleanup() {
  stop_relay
  kill_servers
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
fail_all() {
  echo "--- tmate-ssh-server log"
  cat "$work/tss.log" 2>/dev/null || true
  fail "$@"
}

# A free port for the relay (it binds what it is told).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_tmate_relay() {
  "$peer/start" "$port" "$work/keys" >"$work/tss.out" 2>>"$work/tss.log" &
  tss_pid=$!
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  fail_all "tmate-ssh-server does not listen on $port"
}
start_tmate_relay
grep '^set -g tmate-server' "$work/tss.out" >"$work/.tmate.conf"
[ "$(grep -c . "$work/.tmate.conf")" -eq 4 ] || fail_all "no ~/.tmate.conf lines from the relay"

# The host: ~/.tmate.conf names the relay and pins its keys; tandem finds it is a
# tmate relay by itself.
t "$host" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work $tandem --links-file $work/links -- bash --norc --noprofile; echo host-exit=\$?; sleep 60"
wait_file "$work/links" '^rw ssh -p' "the host writes the relay's links"
rw_link=$(sed -n 's/^rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
[[ $rw_link =~ ^ssh\ -p$port\ [A-Za-z0-9]+@127\.0\.0\.1$ ]] || fail_all "rw link is '$rw_link'"
[[ $ro_link =~ ^ssh\ -p$port\ ro-[A-Za-z0-9]+@127\.0\.0\.1$ ]] || fail_all "ro link is '$ro_link'"
wait_for "$host" '^\$ ?$' "host prompt"

mate() {  # SOCKET LINK
  t "$1" new-session -d -x 80 -y 24 "$2 $SSH_OPTS; echo mate-exit=\$?; sleep 60"
}
mate "$rw" "$rw_link"
mate "$ro" "$ro_link"
wait_for "$rw" '^\$ ?$' "rw mate sees the prompt"
wait_for "$ro" '^\$ ?$' "ro mate sees the prompt"

t "$rw" send-keys 'echo hi-$((6*7))' Enter
wait_for "$host" '^hi-42$' "host runs what the rw mate typed"
wait_for "$ro" '^hi-42$' "ro mate sees it"
t "$ro" send-keys "touch $work/ro-typed" Enter
t "$host" send-keys 'echo after-$((6*9))' Enter
wait_for "$ro" '^after-54$' "ro mate watches the host type"
wait_for "$rw" '^after-54$' "rw mate watches the host type"
[ "$(count "$host" 'hi-42')" -eq 1 ] || fail_all "hi-42 ran other than once"
[ ! -e "$work/ro-typed" ] || fail_all "the read-only mate's typing ran"
t "$rw" send-keys 'echo arrow-$((1+1))' Enter
wait_for "$host" '^arrow-2$' "command runs"
t "$rw" send-keys Up Enter
for _ in $(seq 1 100); do [ "$(count "$host" 'arrow-2')" -ge 2 ] && break; sleep 0.05; done
[ "$(count "$host" 'arrow-2')" -eq 2 ] || fail_all "Up from a tmate mate did not recall the command"

# A flood: everyone stays and shows the last line.
t "$rw" send-keys 'seq 1 200000; echo end-$((6*7))' Enter
for s in "$host" "$rw" "$ro"; do wait_for "$s" '^end-42$' "$s sees the end of the flood" 1200; done

# A tmate mate scrolls back with C-b [ (tmux's copy mode on the relay's pane, moved
# by the host): the flood's lines are there; q leaves, and nothing reached the shell.
t "$rw" send-keys C-b '['
t "$rw" send-keys PPage
wait_for "$rw" '\[[0-9]+/[0-9]+\] *$' "a tmate mate scrolls back"
t "$rw" send-keys q
t "$rw" send-keys 'echo scrolled-$((6*7))' Enter
wait_for "$host" '^scrolled-42$' "typing goes to the shell again"
[ "$(count "$host" '.*[qk].*scrolled.*')" -eq 0 ] || fail_all "copy-mode keys reached the shell"

# The host's connection drops (its session process on the relay is killed, as a
# network change would end it): the host comes back by itself, with new links (a
# standalone tmate relay keeps nothing) that it tells of; the old mates are let go.
token=${rw_link##* }
token=${token%@*}
ps -eo pid=,args= | awk -v tok="[${token:0:4}...]" \
  '$2 == "tmate-ssh-server" && $3 == tok && $0 ~ /\(daemon\)/ {print $1}' | xargs -r kill
wait_for "$rw" 'mate-exit=' "the ssh mate's session is gone"
for _ in $(seq 1 400); do
  new_rw=$(sed -n 's/^rw //p' "$work/links")
  [ -n "$new_rw" ] && [ "$new_rw" != "$rw_link" ] && break
  sleep 0.05
done
[ "$new_rw" != "$rw_link" ] || fail_all "the host did not come back with new links"
wait_for "$host" 'new links' "the host is told its links changed"
mate "$rw2" "$new_rw"
wait_for "$rw2" '^\$ ?$' "a mate joins with the new link"
t "$rw2" send-keys 'echo back-$((6*7))' Enter
wait_for "$host" '^back-42$' "the host runs what the new mate typed"
echo "PASS: tandem host on a tmate relay"
