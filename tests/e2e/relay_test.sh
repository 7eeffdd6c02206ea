#!/usr/bin/env bash
# End to end with a relay of its own: `tandem relay`, a host that registers with it
# (named in its config file), plain-ssh (OpenSSH) and native mates read-write and
# read-only, bad input on both ports, a relay restart (same tokens, old links still
# good), read-only-only sessions, tmate.conf and trust-on-first-use. Every screen is
# read from a real tmux. Loopback only.
# usage: relay_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="tr-host-$$" rw="tr-rw-$$" ro="tr-ro-$$" nat="tr-nat-$$" natro="tr-natro-$$" other="tr-other-$$"
SOCKETS=("$host" "$rw" "$ro" "$nat" "$natro" "$other")
source "$(dirname "$0")/lib.sh"
relay_pid=
cleanup() {
  kill_servers
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
fail_relay() { echo "--- relay log"; cat "$work/relay.log"; fail "$@"; }

start_relay "$work"
[ "$(stat -c %a "$work/state/ssh_host_ed25519_key")" = 600 ] || fail "host key is not 0600"
[ "$(stat -c %a "$work/state/resume.key")" = 600 ] || fail "resume key is not 0600"
grep -q "^  relay-fingerprint = $relay_fp" "$work/relay.out" || fail "no pin line printed"

relay_home "$work/home"
t "$host" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home $tandem --links-file $work/links -- bash --norc --noprofile; sleep 60"
wait_file "$work/links" '^fingerprint ' "links from the relay"
rw_link=$(sed -n 's/^rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
join_ro=$(sed -n 's/^join-ro //p' "$work/links")
grep -q "^rw ssh -p $ssh_port [a-z2-7]\{32\}@127.0.0.1$" "$work/links" || fail "odd rw link: $rw_link"
grep -q "#$relay_fp$" <<<"$join_rw" || fail "join link does not pin the relay's key: $join_rw"
wait_for "$host" '^\$ ?$' "host prompt"
grep -q "session .* created for host SHA256:" "$work/relay.log" || fail_relay "relay did not log the session"

# 1. Mates of all kinds see the host's screen; read-write ones type into it.
t "$rw" new-session -d -x 70 -y 20 "$rw_link $SSH_OPTS; sleep 60"
t "$ro" new-session -d -x 80 -y 24 "$ro_link $SSH_OPTS; sleep 60"
t "$nat" new-session -d -x 80 -y 24 "env -u TANDEM HOME=$work $tandem join '$join_rw'; echo join-exit=\$?; sleep 60"
t "$natro" new-session -d -x 80 -y 24 "env -u TANDEM HOME=$work $tandem join '$join_ro'; sleep 60"
for m in "$rw" "$ro" "$nat" "$natro"; do wait_for "$m" '^\$ ?$' "mate $m sees the prompt"; done
wait_for "$ro" "read-only view of .*'s session" "ro ssh mate's notice"
t "$host" send-keys 'echo from-host-$((1+2))' Enter
for m in "$rw" "$ro" "$nat" "$natro"; do wait_for "$m" '^from-host-3$' "mate $m sees the host's output"; done
t "$rw" send-keys 'echo hi-$((6*7))' Enter
wait_for "$host" '^hi-42$' "host runs what the ssh mate typed"
for m in "$rw" "$ro" "$nat" "$natro"; do wait_for "$m" '^hi-42$' "mate $m sees hi-42"; done
t "$nat" send-keys 'echo nat-$((2*4))' Enter
wait_for "$host" '^nat-8$' "host runs what the native mate typed"
[ "$(count "$host" 'hi-42')" = 1 ] || fail "hi-42 ran $(count "$host" 'hi-42') times"
[ "$(count "$host" 'nat-8')" = 1 ] || fail "nat-8 ran $(count "$host" 'nat-8') times"

# 2. Read-only mates' keys never reach the host.
t "$ro" send-keys "touch $work/ro-ssh" Enter
t "$natro" send-keys "touch $work/ro-native" Enter
wait_for "$natro" 'read-only: your keys are not sent' "ro native mate is told"
t "$rw" send-keys 'echo sync-$((7+1))' Enter
wait_for "$host" '^sync-8$' "later input"
[ ! -e "$work/ro-ssh" ] || fail "a read-only ssh mate's keys reached the shell"
[ ! -e "$work/ro-native" ] || fail "a read-only native mate's keys reached the shell"

# 3. `tandem status` inside the session knows the relay and the mates.
t "$host" send-keys "clear; $tandem status --json > $work/status.json" Enter
wait_file "$work/status.json" '"embedded":false' "status names the relay"
grep -q "\"address\":\"127.0.0.1:$ssh_port\"" "$work/status.json" || fail "status: $(cat "$work/status.json")"
[ "$(grep -o '"via":' "$work/status.json" | wc -l)" = 4 ] || fail "status lists not 4 mates: $(cat "$work/status.json")"

# 4. Bad tokens and garbage on both ports: clean refusals, the relay serves on.
mate_key "$work"
script -qec "ssh -p $ssh_port $SSH_OPTS $KEY_OPTS aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@127.0.0.1" /dev/null >"$work/bad-token.out" 2>&1 || true
grep -q "no session with this token" "$work/bad-token.out" || fail "bad token: $(cat "$work/bad-token.out")"
# Without a key, the banner says what to check.
script -qec "ssh -o LogLevel=INFO -p $ssh_port $SSH_OPTS -o PubkeyAuthentication=no -o BatchMode=yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@127.0.0.1" \
  /dev/null >"$work/bad-token-nokey.out" 2>&1 || true
grep -q "no session admits this link without an SSH key" "$work/bad-token-nokey.out" || fail "no banner: $(cat "$work/bad-token-nokey.out")"
head -c 65536 /dev/urandom >/dev/tcp/127.0.0.1/"$ssh_port" 2>/dev/null || true
printf 'SSH-2.0-garbage\r\n%s\r\n' "$(head -c 3000 /dev/urandom | base64 -w0)" >/dev/tcp/127.0.0.1/"$ssh_port" 2>/dev/null || true
for i in $(seq 1 50); do head -c $((i * 23)) /dev/urandom >/dev/udp/127.0.0.1/"$udp_port"; done
kill -0 "$relay_pid" || fail_relay "the relay died of garbage"
t "$nat" send-keys 'echo still-$((5+5))' Enter
wait_for "$host" '^still-10$' "native mate still types after the garbage"
wait_for "$rw" '^still-10$' "ssh mate still watches after the garbage"

# 5. A host pinning another key is refused with a clear message.
if env -u TANDEM HOME="$work/nohome" script -qec \
  "$tandem --relay 127.0.0.1:$ssh_port --relay-fingerprint SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA -- true" \
  /dev/null >"$work/wrong-key.out" 2>&1; then fail "shared through a relay with the wrong key"; fi
grep -q "refusing to share through it" "$work/wrong-key.out" || fail "wrong key: $(cat "$work/wrong-key.out")"

# 6. A read-only-only session (relay named in ~/.tmate.conf, its key trusted on first
# use) has no read-write link at all.
mkdir -p "$work/home2"
printf 'set -g tmate-server-host "127.0.0.1"\nset -g tmate-server-port %s\n' "$ssh_port" >"$work/home2/.tmate.conf"
t "$other" new-session -d -x 80 -y 24 \
  "env -u TANDEM PS1='$ ' HOME=$work/home2 $tandem --read-only --links-file $work/links2 -- bash --norc --noprofile; sleep 60"
wait_file "$work/links2" '^fingerprint ' "a read-only-only session's links"
! grep -q '^rw \|^join-rw ' "$work/links2" || fail "a read-only-only session has a rw link: $(cat "$work/links2")"
grep -q "^127.0.0.1:$ssh_port $relay_fp$" "$work/home2/.config/tandem/known_relays" || fail "relay key not remembered"
t "$other" send-keys 'exit' Enter

# 7. The relay restarts: the host gets its session back with the same tokens, and the
# old links work for new mates.
kill "$relay_pid"
wait "$relay_pid" 2>/dev/null || true
wait_for "$host" 'relay unreachable for [0-9]+ s' "host's banner while the relay is away"
start_relay "$work" "$ssh_port" "$udp_port" "$web_port"
wait_file "$work/relay.log" 'restored for host' "host restores its session"
t "$rw" kill-server
t "$nat" kill-server
# A native mate whose terminal went away while its relay forgot it still leaves, and
# does not spin.
rw_token=$(sed 's#^tandem://\([a-z2-7]*\)@.*#\1#' <<<"$join_rw")
for _ in $(seq 1 400); do pgrep -f "tandem join tandem://$rw_token" >/dev/null || break; sleep 0.05; done
! pgrep -f "tandem join tandem://$rw_token" >/dev/null || fail "tandem join lives on without its terminal"
rw2="tr-rw2-$$" nat2="tr-nat2-$$"
SOCKETS+=("$rw2" "$nat2")
t "$rw2" new-session -d -x 70 -y 20 "$rw_link $SSH_OPTS; sleep 60"
t "$nat2" new-session -d -x 80 -y 24 "env -u TANDEM HOME=$work $tandem join '$join_rw'; echo join-exit=\$?; sleep 60"
wait_for "$rw2" '^still-10$' "a new ssh mate with the old link sees the screen"
wait_for "$nat2" '^still-10$' "a new native mate with the old link sees the screen"
t "$rw2" send-keys 'echo again-$((4*4))' Enter
wait_for "$host" '^again-16$' "typing through the restarted relay"
wait_for "$nat2" '^again-16$' "native mate sees it"
[ "$(count "$host" 'again-16')" = 1 ] || fail "again-16 ran $(count "$host" 'again-16') times"
[ "$(sed -n 's/^rw //p' "$work/links")" = "$rw_link" ] || fail "the links changed"

# 8. The host's shell exits: mates are told, and the native one ends cleanly.
t "$host" send-keys 'exit' Enter
wait_for "$nat2" 'the session has ended' "native mate told the session ended"
wait_for "$nat2" 'join-exit=0' "join exits cleanly"
wait_for "$rw2" 'session ended by the host' "ssh mate told the session ended"
wait_file "$work/relay.log" 'ended: ' "relay logs the end"
echo "PASS: relay end to end (6 mates, restart, bad input)"
