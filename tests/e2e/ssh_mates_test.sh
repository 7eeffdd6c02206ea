#!/usr/bin/env bash
# End to end with the real OpenSSH client: `tandem` shares a shell on its embedded
# relay; a read-write and a read-only mate join with plain ssh, each in its own tmux
# whose screen we read. Loopback only.
# usage: ssh_mates_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="tandem-host-$$" rw="tandem-rw-$$" ro="tandem-ro-$$" bad="tandem-bad-$$"
# Later sessions get servers of their own: a tmux socket name reused right after
# kill-server can reach the old server while it is still exiting.
host2="tandem-host2-$$" host3="tandem-host3-$$" rw3="tandem-rw3-$$" ro3="tandem-ro3-$$"
SOCKETS=("$host" "$rw" "$ro" "$bad" "$host2" "$host3" "$rw3" "$ro3")
source "$(dirname "$0")/lib.sh"
cleanup() { kill_servers; rm -rf "$work" 2>/dev/null || true; }
trap cleanup EXIT
ssh_opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes"
mate() {  # SOCKET LINK COLS ROWS
  t "$1" new-session -d -x "$3" -y "$4" "$2 $ssh_opts; echo ssh-exit=\$?; sleep 60"
}

# The host shares a shell on loopback and writes its links to a file.
t "$host" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work $tandem --listen 127.0.0.1:0 --links-file $work/links -- bash --norc --noprofile; sleep 60"
for _ in $(seq 1 200); do [ -s "$work/links" ] && break; sleep 0.05; done
[ -s "$work/links" ] || fail "no links file"
rw_link=$(sed -n 's/^rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
grep -q '^fingerprint SHA256:' "$work/links" || fail "no fingerprint"
wait_for "$host" '^\$ ?$' "host prompt"

# 1. A read-write mate sees the host's screen and types into it.
mate "$rw" "$rw_link" 70 20
wait_for "$rw" '^\$ ?$' "rw mate sees the prompt"
wait_for "$host" 'read-write mate .* joined' "host told of the rw mate"
t "$rw" send-keys 'echo hi-$((6*7))' Enter
wait_for "$host" '^hi-42$' "host runs what the rw mate typed"
wait_for "$rw" '^hi-42$' "rw mate sees the result"

# 1b. From inside the session: `tandem status` lists links and the mate; wait-ready returns.
t "$host" send-keys "$tandem status --json --rw > $work/status.json; $tandem wait-ready && echo READY-\$((1+1))" Enter
wait_for "$host" '^READY-2$' "wait-ready returns"
grep -q '"role":"read-write","via":"ssh"' "$work/status.json" || fail "status lacks the mate: $(cat "$work/status.json")"
grep -qF "$rw_link" "$work/status.json" || fail "status --rw lacks the rw link"
t "$host" send-keys "clear; $tandem status | grep -c 'mates: *1'" Enter
wait_for "$host" '^1$' "status in text"
if env -u TANDEM_SOCKET "$tandem" status >/dev/null 2>"$work/status.err"; then fail "status outside a session"; fi
grep -q 'not inside a tandem session' "$work/status.err" || fail "status outside: $(cat "$work/status.err")"

# 2. The host types; the mate sees it.
t "$host" send-keys 'echo from-$((1+1))-host' Enter
wait_for "$rw" '^from-2-host$' "rw mate sees the host's typing"

# 3. A read-only mate sees everything and changes nothing.
mate "$ro" "$ro_link" 100 30
wait_for "$ro" '^from-2-host$' "ro mate sees the screen"
wait_for "$ro" "read-only view of .*'s session" "ro mate's join notice"
t "$ro" send-keys "touch $work/ro-was-here" Enter
t "$rw" send-keys 'echo after-ro' Enter
wait_for "$host" '^after-ro$' "later input still works"
[ ! -e "$work/ro-was-here" ] || fail "a read-only mate's keystrokes reached the shell"
t "$host" capture-pane -p | grep -q 'ro-was-here' && fail "read-only keystrokes were echoed on the host"

# 3b. Garbage on the SSH port and on the UDP port disturbs nobody.
udp=$(sed -n 's/^udp //p' "$work/links")
sshport=$(sed -n 's/.*-p \([0-9]*\) .*/\1/p' <<<"$rw_link" | head -1)
for _ in 1 2 3; do
  (exec 3<>"/dev/tcp/127.0.0.1/$sshport" && head -c 4000 /dev/urandom >&3 && exec 3>&-) 2>/dev/null || true
  (exec 3<>"/dev/tcp/127.0.0.1/$sshport" && printf 'SSH-2.0-junk\r\n%s' "$(head -c 3000 /dev/urandom | base64)" >&3 && exec 3>&-) 2>/dev/null || true
  head -c 1200 /dev/urandom >"/dev/udp/127.0.0.1/$udp" 2>/dev/null || true
done
t "$rw" send-keys 'echo after-$((5*5))-junk' Enter
wait_for "$host" '^after-25-junk$' "rw mate still served after garbage"
wait_for "$ro" '^after-25-junk$' "ro mate still served after garbage"

# 4. An unknown token gets a clear message and no session (a client proving a key).
mate_key "$work"
bad_link="$(sed 's/ [a-z2-7]\{32\}@/ nosuchtoken@/' <<<"$rw_link") $KEY_OPTS"
mate "$bad" "$bad_link" 80 24
wait_for "$bad" 'no session with this token' "unknown token message"
wait_for "$bad" 'ssh-exit=' "unknown token disconnects"

# 5. Guessing tokens gets slow, but never shuts the address out: every guess is told
#    so, and the right link from the same address still gets in (a shared NAT).
port=$(sed -n 's/.*-p \([0-9]*\) .*/\1/p' <<<"$rw_link" | head -1)
# The host's notice shows for a while only and the slowed guesses take longer: watch
# for it while they go on.
(
  for i in $(seq 1 12); do
    ssh $ssh_opts $KEY_OPTS -p "$port" "guess$i@127.0.0.1" </dev/null >"$work/guess$i.out" 2>&1 || true
  done
) &
guesses=$!
wait_for "$host" 'wrong links were tried on this relay' "the host is told of the guessing" 1200
wait "$guesses"
told=$(cat "$work"/guess*.out | grep -c 'no session with this token' || true)
[ "$told" = 12 ] || fail "only $told of 12 wrong tokens were told so"
late="sm-late-$$"
SOCKETS+=("$late")
mate "$late" "$ro_link" 80 24
wait_for "$late" "read-only view of" "the right link gets in after the guessing"
t "$late" kill-server 2>/dev/null || true
t "$rw" send-keys 'echo still-$((2+2))' Enter
wait_for "$host" '^still-4$' "mates unaffected by the guessing"

# 6. The shell exits: every mate is told, and their ssh ends cleanly.
t "$host" send-keys 'exit 7' Enter
wait_for "$host" 'session ended; bash exited with status 7' "host exit message"
wait_for "$rw" 'session ended; bash exited with status 7' "rw mate told"
wait_for "$ro" 'session ended; bash exited with status 7' "ro mate told"
wait_for "$rw" 'ssh-exit=0' "rw ssh ends cleanly"

# 7. A read-only-only session has no read-write link at all.
rm -f "$work/links"
t "$host2" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM HOME=$work $tandem --read-only --listen 127.0.0.1:0 --links-file $work/links -- bash --norc --noprofile; sleep 60"
for _ in $(seq 1 200); do [ -s "$work/links" ] && break; sleep 0.05; done
grep -q '^ro ssh ' "$work/links" || fail "read-only session has no ro link"
if grep -qE '^(rw|join-rw) ' "$work/links"; then fail "read-only session has a rw link"; fi

# 8. --size smallest: a smaller read-write mate shrinks the session; a read-only one
#    never does; when the small mate leaves, the host's size returns.
rm -f "$work/links"
t "$host3" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work $tandem --size smallest --listen 127.0.0.1:0 --links-file $work/links -- bash --norc --noprofile; sleep 60"
for _ in $(seq 1 200); do [ -s "$work/links" ] && break; sleep 0.05; done
rw_link=$(sed -n 's/^rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
wait_for "$host3" '^\$ ?$' "host prompt (size smallest)"
mate "$ro3" "$ro_link" 40 10
wait_for "$host3" 'read-only mate .* joined' "small ro mate joined"
t "$host3" send-keys 'stty size' Enter
wait_for "$host3" '^24 80$' "a read-only mate does not shrink the session"
mate "$rw3" "$rw_link" 60 15
wait_for "$host3" 'read-write mate .* joined' "small rw mate joined"
t "$host3" send-keys 'clear; stty size' Enter
wait_for "$host3" '^15 60$' "a smaller read-write mate shrinks the session"
#    Its view is the whole session now: no notice of a partial view stays (within 1 s,
#    well before the join notice's 5 s are up).
for _ in $(seq 1 20); do t "$rw3" capture-pane -p | grep -q 'view 60x15 of' || break; sleep 0.05; done
t "$rw3" capture-pane -p | grep -q 'view 60x15 of' && fail "the mate the session shrank to is told of a partial view"
t "$rw3" kill-server 2>/dev/null || true  # tmux may report its own exit as an error
wait_for "$host3" 'read-write mate .* left' "small rw mate left"
t "$host3" send-keys 'clear; stty size' Enter
wait_for "$host3" '^24 80$' "the host's size returns"

echo "ssh mates: 8 checks passed"
