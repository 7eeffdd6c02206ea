#!/usr/bin/env bash
# End to end: links are easy to find, hard to leak and forgiving to paste (issue 12,
# point 3). A real tandem shares bash on loopback; a plain-ssh read-only mate watches
# the shared screen, native mates join with what a user would paste. Every screen is
# read from a real tmux.
# usage: links_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="tl-host-$$" ro="tl-ro-$$" other="tl-other-$$"
mates=("tl-wrapped-$$" "tl-pieces-$$" "tl-ssh-$$" "tl-known-$$" "tl-bad-$$")  # a tmux server each
SOCKETS=("$host" "$ro" "$other" "${mates[@]}")
source "$(dirname "$0")/lib.sh"
trap cleanup_all EXIT
mkdir -p "$work/home" "$work/mate-home"

# wait_gone SOCKET PATTERN WHAT: waits, bounded (20 s), until the screen no longer matches.
wait_gone() {
  for _ in $(seq 1 400); do
    if ! t "$1" capture-pane -p | grep -qE -- "$2"; then return 0; fi
    sleep 0.05
  done
  fail "$3: /$2/ never went from $1"
}
history_of() { t "$1" capture-pane -p -J -S -; }

# 1. --listen with an address alone (the default port, or any free one); --qr shows
#    the read-only link's QR code to the host alone, until a key (which is not typed).
t "$host" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home $tandem --listen 127.0.0.1 --qr --links-file $work/links -- bash --norc --noprofile; sleep 60"
wait_file "$work/links" '^join-ro ' "links file"
rw_link=$(sed -n 's/^rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
join_ro=$(sed -n 's/^join-ro //p' "$work/links")
fp=$(sed -n 's/^fingerprint //p' "$work/links")
port=$(sed -n 's/^ro ssh -p \([0-9]*\) .*/\1/p' "$work/links")
rw_token=$(sed -n 's/^rw ssh -p [0-9]* \([a-z0-9]*\)@.*/\1/p' "$work/links")
ro_token=$(sed -n 's/^ro ssh -p [0-9]* \([a-z0-9]*\)@.*/\1/p' "$work/links")
[ -n "$rw_token" ] && [ -n "$ro_token" ] && [ -n "$port" ] || fail "odd links: $(cat "$work/links")"
grep -q "@127.0.0.1$" <<<"$ro_link" || fail "the links do not name the address listened on: $ro_link"
wait_for "$host" 'read-only link as a QR code, shown to you alone' "the QR code at start"
wait_for "$host" '█▀▀▀▀▀█' "the QR code's finder pattern"
wait_for "$host" "ssh://$ro_token@127.0.0.1:$port" "the QR code's link"
t "$host" send-keys x
wait_gone "$host" 'as a QR code' "the QR code closes at the first key"
wait_for "$host" '^\$ ?$' "host prompt"
[ "$(count "$host" '\$ x')" = 0 ] || fail "the key that closed the QR code was typed"

# 2. The links block, the QR code and the word on a loopback address stay in the
#    host terminal's own history, above the session.
hist=$(history_of "$host")
grep -qF "tandem: sharing this session" <<<"$hist" || fail "no links block in the host's history"
grep -qF "read-write: $rw_link" <<<"$hist" || fail "no rw link in the host's history: $hist"
grep -qF "tandem join $join_ro" <<<"$hist" || fail "no native ro link in the host's history"
grep -qF "127.0.0.1 is a loopback address:" <<<"$hist" || fail "no word on the loopback address"
grep -qF '"Host your own relay"' <<<"$hist" || fail "the word does not point at Host your own relay"
grep -qF "ssh://$ro_token@127.0.0.1:$port" <<<"$hist" || fail "no QR code in the host's history"

# 3. A plain-ssh read-only mate watches. The host's Ctrl-^ l shows every link on the
#    host's terminal only, while the session goes on underneath; any key closes it.
t "$ro" new-session -d -x 80 -y 24 "ssh $SSH_OPTS -p $port $ro_token@127.0.0.1; echo ssh-exit=\$?; sleep 60"
wait_for "$host" 'read-only mate .* joined' "ro mate joins"
t "$host" send-keys 'for i in 1 2 3 4 5 6; do sleep 0.3; echo tick-$i; done' Enter C-^ l
wait_for "$host" "the session's links, shown to you alone" "the links panel"
wait_for "$host" "read-write: $rw_link" "the rw link in the panel"
wait_for "$ro" '^tick-6$' "the session goes on under the panel"
wait_for "$host" "the session's links, shown to you alone" "the panel stays up"
shared=$(t "$ro" capture-pane -p)
grep -qF -e "$rw_token" -e "shown to you alone" <<<"$shared" && fail "the panel reached the shared screen: $shared"
t "$host" send-keys q
wait_gone "$host" 'shown to you alone' "the panel closes at a key"
t "$host" send-keys 'echo after-$((2+3))' Enter
wait_for "$host" '^after-5$' "typing after the panel"
[ "$(count "$host" '\$ qecho after.*')" = 0 ] || fail "the key that closed the panel was typed"

# 4. Inside the session: status and links leave the rw links out unless --rw;
#    $TANDEM_LINKS holds every link.
t "$host" send-keys "clear; $tandem status; $tandem links; echo shown-\$((1+1))" Enter
wait_for "$ro" '^shown-2$' "status and links reach the shared screen"
for s in "$host" "$ro"; do
  screen=$(t "$s" capture-pane -p -J)
  grep -qF "$rw_token" <<<"$screen" && fail "a read-write token is on the shared screen ($s)"
  grep -qF "read-only:  $ro_link" <<<"$screen" || fail "no ro link on the shared screen ($s): $screen"
  [ "$(grep -c 'read-write: not shown on the shared screen' <<<"$screen")" = 2 ] || fail "the omission is not said ($s)"
done
t "$host" send-keys "clear; $tandem links --rw > $work/links-rw; $tandem status --json > $work/status.json" Enter
t "$host" send-keys "printf '%s\\n' \"\$TANDEM_LINKS\" > $work/env-links; echo saved-\$((2+2))" Enter
wait_for "$host" '^saved-4$' "links saved"
grep -qF "read-write: $rw_link" "$work/links-rw" || fail "links --rw lacks the rw link: $(cat "$work/links-rw")"
grep -qF "$rw_token" "$work/status.json" && fail "status --json shows the rw token"
grep -q '"rw_hidden":true' "$work/status.json" || fail "status --json does not say rw is hidden"
grep -qF "\"join_ro\":\"$join_ro\"" "$work/status.json" || fail "status --json lacks the ro link"
[ "$(grep -vE '^(udp|fingerprint) ' "$work/links")" = "$(cat "$work/env-links")" ] ||
  fail "TANDEM_LINKS is not every link: $(cat "$work/env-links")"

# 5. tandem join takes a link wrapped across lines (one argument with a newline in it)
#    and a link pasted as two pieces.
printf '%s\n               %s\n' "${join_ro:0:40}" "${join_ro:40}" >"$work/pasted"
t "${mates[0]}" new-session -d -x 80 -y 24 \
  "env -u TANDEM HOME=$work/mate-home $tandem join \"\$(cat $work/pasted)\"; echo join-exit=\$?; sleep 60"
t "$host" send-keys 'clear; echo wrapped-$((3+3))' Enter
wait_for "${mates[0]}" '^wrapped-6$' "a wrapped link joins"
t "${mates[0]}" send-keys C-^ .
wait_for "${mates[0]}" 'join-exit=0' "the wrapped join leaves"
t "${mates[1]}" new-session -d -x 80 -y 24 \
  "env -u TANDEM HOME=$work/mate-home $tandem join '${join_ro:0:25}' ' ${join_ro:25}'; echo join-exit=\$?; sleep 60"
t "$host" send-keys 'clear; echo pieces-$((4+4))' Enter
wait_for "${mates[1]}" '^pieces-8$' "a link in two pieces joins"
t "${mates[1]}" send-keys C-^ .
wait_for "${mates[1]}" 'join-exit=0' "the join in pieces leaves"

# 6. A pasted ssh line: refused with a hint when this machine does not know the
#    relay's key; joined natively, and said so, when it does.
t "${mates[2]}" new-session -d -x 100 -y 24 \
  "env -u TANDEM HOME=$work/mate-home $tandem join $ro_link; echo join-exit=\$?; sleep 60"
wait_for "${mates[2]}" 'join-exit=2' "an unknown relay's ssh line is refused"
wait_for "${mates[2]}" 'that is a plain-ssh line' "the refusal says why"
wait_for "${mates[2]}" 'Ask the host for the tandem://... link' "the refusal says what to ask for"
mkdir -p "$work/mate-home/.config/tandem"
echo "127.0.0.1:$port $fp" >"$work/mate-home/.config/tandem/known_relays"
t "${mates[3]}" new-session -d -x 100 -y 24 \
  "env -u TANDEM HOME=$work/mate-home $tandem join $ro_link; echo join-exit=\$?; sleep 60"
t "$host" send-keys 'clear; echo native-$((5+5))' Enter
wait_for "${mates[3]}" '^native-10$' "an ssh line of a known relay joins natively"
t "${mates[3]}" send-keys C-^ .
wait_for "${mates[3]}" 'join-exit=0' "the native join from an ssh line leaves"
# The hint was printed before the session was drawn: it is in the terminal's history.
t "${mates[3]}" capture-pane -p -S - | grep -qF "a plain-ssh line: joining natively, with the key this machine knows for 127.0.0.1:$port" ||
  fail "the hint is not in the mate's terminal history"

# 7. A wrong token: tandem join and ssh both exit non-zero, with a message in words.
bad_token=$(tr 'a-z2-7' 'b-z2-7a' <<<"$ro_token")
t "${mates[4]}" new-session -d -x 100 -y 24 \
  "env -u TANDEM HOME=$work/mate-home $tandem join 'tandem://$bad_token@127.0.0.1:$port#$fp'; echo join-exit=\$?; sleep 60"
wait_for "${mates[4]}" 'join-exit=1' "tandem join with a wrong token exits 1"
wait_for "${mates[4]}" 'tandem join: .*token' "tandem join says the token is wrong"
mate_key "$work"
rc=0
ssh $SSH_OPTS $KEY_OPTS -p "$port" "$bad_token@127.0.0.1" </dev/null >"$work/bad-ssh.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "ssh with a wrong token exited $rc, not 1: $(cat "$work/bad-ssh.out")"
grep -q "no session with this token" "$work/bad-ssh.out" || fail "ssh is not told why: $(cat "$work/bad-ssh.out")"

# 8. --public-host names the embedded relay in the links (no word on reach for a name);
#    it means nothing for a relay elsewhere, and says so.
t "$other" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home $tandem --listen 127.0.0.1:0 --public-host tandem.example --links-file $work/links2 -- bash --norc --noprofile; sleep 60"
wait_file "$work/links2" '^join-ro tandem://[a-z0-9]+@tandem.example:[0-9]+#SHA256:' "links name the public host"
grep -q '^ro ssh -p [0-9]* [a-z0-9]*@tandem.example$' "$work/links2" || fail "odd ssh link: $(cat "$work/links2")"
wait_for "$other" '^\$ ?$' "second host's prompt"
hist=$(history_of "$other")
grep -q "cannot reach" <<<"$hist" && fail "a word on reach for a name"
rc=0
env -u TANDEM HOME=$work/home "$tandem" --relay 127.0.0.1:1 --public-host x -- true >"$work/ph.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--public-host with --relay exited $rc"
grep -q -- "--public-host names an embedded relay" "$work/ph.out" || fail "no word on --public-host: $(cat "$work/ph.out")"

echo "links: 8 checks passed"
