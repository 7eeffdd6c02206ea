#!/usr/bin/env bash
# End to end: big pastes (finding 2 of the relay probe: 2 MB or more never arrived,
# and pinned the relay's CPU). A read-write mate pastes 10 MB, natively and over
# plain ssh, through a `tandem relay`; the host's program receives every byte, in
# order (checked by hash), while the relay's memory stays bounded.
# usage: paste_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="tp-host-$$" nat="tp-nat-$$" rw="tp-rw-$$"
SOCKETS=("$host" "$nat" "$rw")
source "$(dirname "$0")/lib.sh"
trap cleanup_all EXIT
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

start_relay "$work"
relay_home "$work/home"
t "$host" new-session -d -x 100 -y 30 \
  "cd $work; env -u TANDEM PS1='$ ' HOME=$work/home $tandem --links-file $work/links -- bash --norc --noprofile; sleep 60"
wait_file "$work/links" '^fingerprint ' "links"
rw_link=$(sed -n 's/^rw //p' "$work/links")
join_rw=$(sed -n 's/^join-rw //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"
# 10 MB of text, lines of 76, no Ctrl-^ (the joiner's escape) and nothing a terminal eats.
head -c 7680000 /dev/urandom | base64 >"$work/paste"
size=$(stat -c %s "$work/paste")
want=$(sha256sum <"$work/paste" | cut -d' ' -f1)
t "$host" load-buffer -b big "$work/paste" 2>/dev/null || true

paste_through() {  # MATE-SOCKET NAME
  local mate=$1 name=$2 before grown
  rm -f "$work/got"
  t "$host" send-keys "clear; stty raw -echo; head -c $size > $work/got; stty sane; echo got-$name" Enter
  sleep 0.3
  before=$(rss_kb "$relay_pid")
  # tmux writes the buffer into the mate's terminal as if typed (LFs kept, -r).
  t "$mate" load-buffer -b big "$work/paste"
  t "$mate" paste-buffer -r -b big
  wait_for "$host" "^got-$name" "the host's program reads all $size bytes pasted by the $name mate" 2400
  [ "$(sha256sum <"$work/got" | cut -d' ' -f1)" = "$want" ] || fail "the $name mate's paste arrived damaged ($(stat -c %s "$work/got") bytes)"
  grown=$(($(rss_kb "$relay_pid") - before))
  echo "paste via $name: $size bytes intact; relay RSS grew ${grown} KB"
  [ -n "${TANDEM_RSS_UNRELIABLE:-}" ] || [ "$grown" -lt 32768 ] || fail_relay "the relay grew ${grown} KB for one paste"
}

t "$nat" new-session -d -x 100 -y 30 "env -u TANDEM HOME=$work $tandem join '$join_rw'; sleep 60"
wait_for "$nat" '^\$ ?$' "native mate sees the prompt"
paste_through "$nat" native
t "$nat" kill-server

t "$rw" new-session -d -x 100 -y 30 "$rw_link $SSH_OPTS; sleep 60"
wait_for "$rw" '^\$ ?$' "ssh mate sees the prompt"
paste_through "$rw" ssh

# Typing still works after, once.
t "$rw" send-keys 'clear; echo typed-$((8*8))' Enter
wait_for "$host" '^typed-64$' "keys after the pastes"
[ "$(count "$host" 'typed-64')" = 1 ] || fail "typed-64 ran $(count "$host" 'typed-64') times"
kill -0 "$relay_pid" || fail_relay "the relay died"
echo "paste: 2 pastes of $size bytes passed"
