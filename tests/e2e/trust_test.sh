#!/usr/bin/env bash
# End to end: trust cues for the host and for viewers (issue 12, point 5). A real
# tandem shares bash on loopback; mates join with `tandem join` and OpenSSH. What the
# host is told of who joins and leaves, what read-only viewers are told, `tandem
# kick`, `tandem rotate [--kick-all]`, and `tandem --approve` (admit, refuse; ssh and
# native). Every screen is read from a real tmux. With "relay", the sessions live on
# a separate `tandem relay` (the host's controls travel on its link) instead of the
# embedded one, and every check is the same; the --approve host's UDP goes through a
# netsim that loses, duplicates and reorders (and blacks out once), and at the end
# the relay restarts under the first host, which still kicks and rotates after.
# usage: trust_test.sh PATH/TO/tandem [embedded|relay PATH/TO/netsim]
set -euo pipefail
tandem=$(realpath "$1")
mode=${2:-embedded}
work=$(mktemp -d)
host="tt-host-$$" alice="tt-alice-$$" bob="tt-bob-$$" sro="tt-sro-$$" old="tt-old-$$" new="tt-new-$$"
ahost="tt-ahost-$$" a1="tt-a1-$$" a2="tt-a2-$$" a3="tt-a3-$$" a4="tt-a4-$$" late="tt-late-$$" old2="tt-old2-$$"
SOCKETS=("$host" "$alice" "$bob" "$sro" "$old" "$new" "$ahost" "$a1" "$a2" "$a3" "$a4" "$late" "$old2")
source "$(dirname "$0")/lib.sh"
net_pid=
trap 'cleanup_all; [ -n "$net_pid" ] && kill "$net_pid" 2>/dev/null || true' EXIT
mkdir -p "$work/home" "$work/ahome"
where="--listen 127.0.0.1:0" awhere="--listen 127.0.0.1:0"
if [ "$mode" = relay ]; then
  netsim=$(realpath "$3")
  start_relay "$work"
  relay_home "$work/home"  # the hosts' configs name the relay
  relay_home "$work/ahome"
  "$netsim" --listen 127.0.0.1:0 --server "127.0.0.1:$udp_port" --delay 5 --jitter 5 --loss 0.2 --duplicate 0.1 \
    --reorder 0.1 --seed 7 >"$work/net.out" &
  net_pid=$!
  wait_file "$work/net.out" '^netsim: ' "netsim starts"
  where="" awhere="--udp-endpoint $(sed -n 's/^netsim: \([^ ]*\) -> .*/\1/p' "$work/net.out" | head -1)"
fi

# run_in_host SOCKET COMMAND TAG: runs COMMAND in the host's shell, its output in
# $work/TAG.out, and waits for it to finish.
run_in_host() {
  t "$1" send-keys "clear; $2 >$work/$3.out 2>&1; echo \$? >$work/$3.rc" Enter
  wait_file "$work/$3.rc" '^[0-9]+$' "$3 finishes"
}

t "$host" new-session -d -x 100 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home $tandem $where --links-file $work/links -- bash --norc --noprofile; sleep 60"
wait_file "$work/links" '^join-ro ' "links file"
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
join_ro=$(sed -n 's/^join-ro //p' "$work/links")
ro_ssh=$(sed -n "s/^ro ssh //p" "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"

# 1. A named native mate: the host is told its name and address.
t "$alice" new-session -d -x 100 -y 24 "env -u TANDEM HOME=$work/home $tandem join --name alice '$join_rw'; echo join-exit=\$?; sleep 60"
wait_for "$host" 'read-write mate alice \(127\.0\.0\.1:[0-9]+\) joined' "the host sees alice by name"

# 2. Two mates joining at once are both shown (notices stack), and the program's
#    last row, where the cursor is, stays whole. A read-only native mate is told it
#    is read-only at join, before any key.
t "$bob" new-session -d -x 100 -y 24 "env -u TANDEM HOME=$work/home $tandem join --name 'bob'\$'\\e''[2J' '$join_ro'; echo join-exit=\$?; sleep 60"
t "$sro" new-session -d -x 100 -y 24 "ssh $SSH_OPTS $ro_ssh; echo ssh-exit=\$?; sleep 60"
wait_for "$host" 'read-only mate bob\?\[2J \(127\.0\.0\.1:[0-9]+\) joined' "bob's join (his name made printable)"
wait_for "$host" 'read-only mate 127\.0\.0\.1:[0-9]+ joined' "the ssh mate's join"
screen=$(t "$host" capture-pane -p)
grep -qE 'mate bob.* joined' <<<"$screen" && grep -qE 'mate 127\.0\.0\.1:[0-9]+ joined' <<<"$screen" ||
  fail "both joins are not shown at once: $screen"
wait_for "$bob" "read-only view of .*'s session; your keys are not sent" "bob told he is read-only at join"

# 3. Read-only viewers who type are told their keys are not sent (native and ssh).
wait_for "$sro" '^\$ ?$' "the ssh viewer sees the prompt"
t "$bob" send-keys x
wait_for "$bob" 'read-only: your keys are not sent' "the native viewer's note on typing"
t "$sro" send-keys x
wait_for "$sro" 'read-only: your keys are not sent' "the ssh viewer's note on typing"
[ "$(count "$host" '\$ x+')" = 0 ] || fail "a viewer's keys reached the host"

# 4. `tandem kick`: by name (native), then by the number `tandem status` lists.
run_in_host "$host" "$tandem kick alice" kick1
grep -q 'removed alice' "$work/kick1.out" || fail "kick alice: $(cat "$work/kick1.out")"
wait_for "$alice" '^\[tandem: the host removed you\]' "alice is told she was removed"
wait_for "$alice" 'join-exit=1' "tandem join exits 1 when removed"
wait_for "$host" 'read-write mate alice .* left' "the host is told alice left"
run_in_host "$host" "$tandem status" status
n=$(sed -n 's/^ *\([0-9]*\)\. 127\.0\.0\.1:[0-9]*  read-only  ssh.*/\1/p' "$work/status.out")
[ -n "$n" ] || fail "no ssh mate in status: $(cat "$work/status.out")"
run_in_host "$host" "$tandem kick $n" kick2
wait_for "$sro" 'the host removed you' "the ssh mate is told it was removed"
wait_for "$sro" 'ssh-exit=1' "the ssh mate is let go (ssh exits 1)"
run_in_host "$host" "$tandem kick nobody" kick3
[ "$(cat "$work/kick3.rc")" = 1 ] || fail "kicking nobody did not fail"
grep -qx "tandem: cannot kick 'nobody': no mate has that name or address (\`tandem status\` lists them)" "$work/kick3.out" || fail "kick nobody: $(cat "$work/kick3.out")"

# 5. `tandem rotate`: the old links stop working for new joins, mates in stay, and
#    the links file, `tandem links` and the host's notice have the new ones.
run_in_host "$host" "$tandem rotate" rotate
grep -q 'new links' "$work/rotate.out" || fail "rotate: $(cat "$work/rotate.out")"
wait_file "$work/links" '^ro ' "links file rewritten"
new_ro=$(sed -n "s/^ro ssh //p" "$work/links")
[ "$new_ro" != "$ro_ssh" ] || fail "rotate kept the old link"
grep -qF -- "$new_ro" "$work/rotate.out" || fail "rotate does not print the new read-only link $new_ro: $(cat "$work/rotate.out"; cat "$work/links")"
wait_for "$host" 'tandem: new links' "the host's notice of the new links"
mate_key "$work"
t "$old" new-session -d -x 80 -y 24 "ssh $SSH_OPTS $KEY_OPTS $ro_ssh; echo ssh-exit=\$?; sleep 60"
wait_for "$old" 'no session with this token' "the old link is refused"
wait_for "$old" 'ssh-exit=1' "ssh exits 1 on the old link"
if env -u TANDEM HOME="$work/home" script -qec "$tandem join '$join_ro'" /dev/null </dev/null >"$work/oldjoin.out" 2>&1; then
  fail "tandem join got in with the old link"
fi
grep -q 'no session with this token' "$work/oldjoin.out" || fail "old link, tandem join: $(cat "$work/oldjoin.out")"
run_in_host "$host" "$tandem links" links_now
grep -qF -- "$new_ro" "$work/links_now.out" || fail "tandem links after rotate: $(cat "$work/links_now.out")"
t "$new" new-session -d -x 100 -y 24 "ssh $SSH_OPTS $new_ro; echo ssh-exit=\$?; sleep 60"
wait_for "$new" '^\$ ?$' "the new link works"
t "$host" send-keys 'clear; echo still-$((3*3))' Enter
wait_for "$bob" '^still-9$' "a mate already in stays"

# 6. --approve: every mate waits for the host's Ctrl-^ y or Ctrl-^ n, asked in a
#    prompt only the host sees; ordinary typing (y and n in it) still goes to bash.
t "$ahost" new-session -d -x 160 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/ahome $tandem --approve $awhere --links-file $work/alinks -- bash --norc --noprofile; sleep 60"
wait_file "$work/alinks" '^join-ro ' "links file (--approve)"
a_join_rw=$(sed -n 's/^join-rw //p' "$work/alinks")
a_ro=$(sed -n "s/^ro ssh //p" "$work/alinks")
a_rw=$(sed -n "s/^rw ssh //p" "$work/alinks")
wait_for "$ahost" '^\$ ?$' "host prompt (--approve)"
#    An ssh viewer, admitted.
t "$a1" new-session -d -x 100 -y 24 "ssh $SSH_OPTS $a_ro; echo ssh-exit=\$?; sleep 60"
wait_for "$a1" 'waiting for the host to admit you' "the ssh mate waits"
wait_for "$ahost" 'mate \(no key, 127\.0\.0\.1:[0-9]+, ssh\) wants to join read-only' "the host is asked"
wait_for "$ahost" 'Ctrl-\^ then y to admit, Ctrl-\^ then n to refuse' "the prompt says which keys answer it"
t "$ahost" send-keys 'echo typed-while-prompt-$((2*3)) yes no' Enter
wait_for "$ahost" '^typed-while-prompt-6 yes no$' "typing while the prompt is up reaches bash"
sleep 0.5
t "$a1" capture-pane -p | grep -q 'waiting for the host to admit you' || fail "typing answered the prompt: $(t "$a1" capture-pane -p)"
t "$ahost" send-keys C-^ y
wait_for "$a1" '^\$ ?$' "the admitted ssh mate sees the session"
wait_for "$ahost" 'read-only mate 127\.0\.0\.1:[0-9]+ joined' "the host is told it joined"
#    A native mate, refused: told in words, exit 1.
t "$a2" new-session -d -x 100 -y 24 "env -u TANDEM HOME=$work/ahome $tandem join --name carol '$a_join_rw'; echo join-exit=\$?; sleep 60"
wait_for "$a2" 'waiting for the host to admit you' "the native mate waits"
wait_for "$ahost" 'mate carol \(no key, 127\.0\.0\.1:[0-9]+, native\) wants to join read-write' "the host is asked of carol"
t "$ahost" send-keys C-^ n
wait_for "$a2" 'the host refused you' "carol is told she was refused"
wait_for "$a2" 'join-exit=1' "tandem join exits 1 when refused"
#    An ssh mate, refused: exit status 1. A native one, admitted.
t "$a3" new-session -d -x 100 -y 24 "ssh $SSH_OPTS $a_rw; echo ssh-exit=\$?; sleep 60"
wait_for "$ahost" 'mate \(no key, 127\.0\.0\.1:[0-9]+, ssh\) wants to join read-write' "the host is asked of the ssh mate"
t "$ahost" send-keys C-^ n
wait_for "$a3" 'the host refused you' "the ssh mate is told it was refused"
wait_for "$a3" 'ssh-exit=1' "ssh exits 1 when refused"
t "$a4" new-session -d -x 100 -y 24 "env -u TANDEM HOME=$work/ahome $tandem join --name dave '$a_join_rw'; echo join-exit=\$?; sleep 60"
wait_for "$ahost" 'mate dave \(no key, 127\.0\.0\.1:[0-9]+, native\) wants to join read-write' "the host is asked of dave"
t "$ahost" send-keys C-^ y
wait_for "$a4" '^\$ ?$' "dave sees the session"
t "$a4" send-keys 'echo dave-$((4*4))' Enter
wait_for "$ahost" '^dave-16$' "dave types into the session"
shared=$(t "$a1" capture-pane -p)
grep -qF 'wants to join' <<<"$shared" && fail "the prompt reached the shared screen: $shared"

# 7. `tandem rotate --kick-all`: every mate is told and let go (ssh and native). Through
#    a relay, the host's link blacks out for 3 s first: the request waits it out.
[ "$mode" = relay ] && kill -USR2 "$net_pid"
run_in_host "$ahost" "$tandem rotate --kick-all" rotate_all
grep -q 'every mate was removed' "$work/rotate_all.out" || fail "rotate --kick-all: $(cat "$work/rotate_all.out")"
wait_for "$a1" 'the host made new links and removed every mate' "the ssh mate is told every mate was removed"
wait_for "$a1" 'ssh-exit=1' "the ssh mate is let go"
wait_for "$a4" 'the host made new links and removed every mate' "dave is told every mate was removed"
wait_for "$a4" 'join-exit=1' "dave's tandem join exits 1"
run_in_host "$ahost" "$tandem status" astatus
grep -qE '^ *mates: +0$' "$work/astatus.out" ||
  fail "mates are still listed after --kick-all: $(cat "$work/astatus.out")"

# 8. Through a relay: it restarts and gives the host its session back (same links).
#    Kick and rotate work on the restored session, and nothing asked before the
#    restart (the rotation of step 5) is done again.
if [ "$mode" = relay ]; then
  cp "$work/links" "$work/links.before"
  kill "$relay_pid"
  wait "$relay_pid" 2>/dev/null || true
  start_relay "$work" "$ssh_port" "$udp_port" "$web_port"
  wait_for "$host" 'the relay restarted; the session is back with the same links' "the host is told the relay restarted" 800
  join_rw_now=$(sed -n 's/^join-rw //p' "$work/links")
  ro_now=$(sed -n "s/^ro ssh //p" "$work/links")
  t "$late" new-session -d -x 100 -y 24 "env -u TANDEM HOME=$work/home $tandem join --name late '$join_rw_now'; echo join-exit=\$?; sleep 60"
  # Read-write: the read-only ones at this address are expected back (not announced).
  wait_for "$host" 'read-write mate late \(127\.0\.0\.1:[0-9]+\) joined' "a mate joins the restored session" 800
  run_in_host "$host" "$tandem kick late" kick_late
  grep -q 'removed late' "$work/kick_late.out" || fail "kick after the restart: $(cat "$work/kick_late.out")"
  wait_for "$late" 'the host removed you' "the mate is told it was removed, after the restart"
  cmp -s "$work/links" "$work/links.before" || fail "the links changed by themselves after the restart"
  run_in_host "$host" "$tandem rotate" rotate_late
  grep -q 'new links' "$work/rotate_late.out" || fail "rotate after the restart: $(cat "$work/rotate_late.out")"
  [ "$(sed -n "s/^ro ssh //p" "$work/links")" != "$ro_now" ] || fail "rotate after the restart kept the link"
  t "$old2" new-session -d -x 80 -y 24 "ssh $SSH_OPTS $KEY_OPTS $ro_now; echo ssh-exit=\$?; sleep 60"
  wait_for "$old2" 'no session with this token' "the link from before is refused"
fi
echo "trust ($mode): ok"
