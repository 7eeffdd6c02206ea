#!/usr/bin/env bash
# End to end: a session that admits only listed SSH keys (--allow). The token is
# still needed; an unlisted key or no key is refused, for ssh and for tandem join.
# With "relay", the session lives on a `tandem relay` (the list travels in the host's
# hello) instead of the embedded one.
# usage: allow_list_test.sh PATH/TO/tandem [embedded|relay]
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="ta-host-$$" good="ta-good-$$" join="ta-join-$$"
SOCKETS=("$host" "$good" "$join")
source "$(dirname "$0")/lib.sh"
relay_pid=
cleanup() {
  kill_servers
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
where="--listen 127.0.0.1:0"
if [ "${2:-embedded}" = relay ]; then
  start_relay "$work"
  relay_home "$work"  # the host's config names the relay
  where=""
fi

ssh-keygen -q -t ed25519 -N '' -f "$work/listed" -C listed
ssh-keygen -q -t ed25519 -N '' -f "$work/other" -C other
cp "$work/listed.pub" "$work/allowed_keys"
mkdir -p "$work/home/.ssh" && cp "$work/listed" "$work/home/.ssh/id_ed25519" && cp "$work/listed.pub" "$work/home/.ssh/id_ed25519.pub"
chmod 700 "$work/home/.ssh" && chmod 600 "$work/home/.ssh/id_ed25519"

t "$host" new-session -d -x 80 -y 24 \
  "cd $work; env -u TANDEM -u SSH_AUTH_SOCK PS1='$ ' HOME=$work $tandem --allow $work/allowed_keys $where --links-file $work/links -- bash --norc --noprofile; sleep 60"
for _ in $(seq 1 200); do [ -s "$work/links" ] && break; sleep 0.05; done
[ -s "$work/links" ] || fail "no links file"
rw_link=$(sed -n 's/^rw //p' "$work/links")
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"
opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes"

# 1. The listed key with the token joins.
t "$good" new-session -d -x 80 -y 24 "env -u SSH_AUTH_SOCK $rw_link $opts -i $work/listed; echo ssh-exit=\$?; sleep 60"
wait_for "$good" '^\$ ?$' "listed key sees the session"
t "$good" send-keys 'echo listed-$((4*4))' Enter
wait_for "$host" '^listed-16$' "listed key types"

# 2. Another key, or none, is refused, and answered as an unknown token would be (no
#    token-validity oracle): another key is told in words, no key sees the banner.
env -u SSH_AUTH_SOCK script -qec "$rw_link $opts -i $work/other" /dev/null </dev/null >"$work/other.out" 2>&1 || true
grep -q 'no session with this token that admits you' "$work/other.out" || fail "unlisted key: $(cat "$work/other.out")"
grep -q 'listed-16' "$work/other.out" && fail "an unlisted key saw the session"
if env -u SSH_AUTH_SOCK ${rw_link/ssh /ssh -o LogLevel=INFO } $opts -o PubkeyAuthentication=no true </dev/null >"$work/none.out" 2>&1; then fail "no key admitted"; fi
grep -q 'Permission denied' "$work/none.out" || fail "no key: $(cat "$work/none.out")"
grep -q 'no session admits this link without an SSH key' "$work/none.out" || fail "no banner: $(cat "$work/none.out")"

# 3. tandem join uses ~/.ssh/id_*: the listed one joins; with the other key it is refused.
t "$join" new-session -d -x 80 -y 24 "env -u TANDEM -u SSH_AUTH_SOCK HOME=$work/home $tandem join '$join_rw'; echo join-exit=\$?; sleep 60"
wait_for "$join" 'listed-16' "native join with the listed key"
cp "$work/other" "$work/home/.ssh/id_ed25519" && cp "$work/other.pub" "$work/home/.ssh/id_ed25519.pub"
if env -u TANDEM -u SSH_AUTH_SOCK HOME="$work/home" script -qec "$tandem join '$join_rw'" /dev/null >"$work/join.out" 2>&1; then
  fail "native join with an unlisted key"
fi
grep -q 'only admits listed SSH keys' "$work/join.out" || fail "join refusal: $(cat "$work/join.out")"

echo "allow list (${2:-embedded}): 3 checks passed"
