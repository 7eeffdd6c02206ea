#!/usr/bin/env bash
# End to end: what programs send for the user's terminal reaches every terminal that
# can show it (issue 12, point 6). The host shares bash on its embedded relay with
# --mate-clipboard; each party's terminal is a tmux of its own with set-clipboard on,
# so a copy (OSC 52) lands in that tmux's paste buffer. Loopback only.
#  - printf and vim copy inside the session: the host's terminal gets it; a read-write
#    ssh mate too (--mate-clipboard), a read-only one never;
#  - the session's environment says COLORTERM=truecolor; tmux inside tandem, by itself,
#    keeps true colour all the way to a true-colour mate;
#  - an ssh mate whose TERM is `screen` gets no true-colour SGR (8 colours), one with
#    xterm-256color gets 256 (no 38;2), one that also sends COLORTERM=truecolor gets it.
# usage: program_output_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
work=$(mktemp -d)
host="tandem-osc-host-$$" rw="tandem-osc-rw-$$" ro="tandem-osc-ro-$$" rgb="tandem-osc-rgb-$$"
inner="tandem-osc-inner-$$"
SOCKETS=("$host" "$rw" "$ro" "$rgb")
source "$(dirname "$0")/lib.sh"
cleanup() { tmux -L "$inner" kill-server 2>/dev/null || true; kill_servers; rm -rf "$work" 2>/dev/null || true; }
trap cleanup EXIT
ssh_opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes"
# A terminal of its own whose clipboard is its tmux's paste buffers.
terminal() {  # SOCKET COMMAND
  t "$1" new-session -d -x 80 -y 24 "$2"
  t "$1" set -g set-clipboard on
}
buffer() { t "$1" show-buffer 2>/dev/null || true; }
wait_buffer() {  # SOCKET TEXT WHAT
  for _ in $(seq 1 400); do
    [ "$(buffer "$1")" = "$2" ] && return 0
    sleep 0.05
  done
  fail "$3: $1's paste buffer is '$(buffer "$1")', not '$2'"
}

terminal "$host" "cd $work; env -u TANDEM -u TMUX PS1='$ ' HOME=$work $tandem --listen 127.0.0.1:0 --links-file $work/links --mate-clipboard -- bash --norc --noprofile; sleep 60"
for _ in $(seq 1 200); do [ -s "$work/links" ] && break; sleep 0.05; done
[ -s "$work/links" ] || fail "no links file"
rw_link=$(sed -n 's/^rw //p' "$work/links")
ro_link=$(sed -n 's/^ro //p' "$work/links")
wait_for "$host" '^\$ ?$' "host prompt"

# The mates: TERM=screen (the read-write one), xterm-256color (read-only), and one
# that says COLORTERM=truecolor.
terminal "$rw" "env TERM=screen $rw_link $ssh_opts; sleep 60"
terminal "$ro" "env TERM=xterm-256color $ro_link $ssh_opts; sleep 60"
terminal "$rgb" "env TERM=xterm-256color COLORTERM=truecolor $ro_link $ssh_opts -o SendEnv=COLORTERM; sleep 60"
for s in "$rw" "$ro" "$rgb"; do wait_for "$s" '^\$ ?$' "$s sees the prompt"; done

# 1. The child's environment says true colour.
t "$host" send-keys 'echo "term=$TERM colorterm=$COLORTERM"' Enter
wait_for "$host" '^term=xterm-256color colorterm=truecolor$' "TERM and COLORTERM in the session"

# 2. A copy from printf reaches the host's terminal and the read-write mate's, not the read-only one's.
t "$host" send-keys "printf '\\033]52;c;%s\\007' \$(printf from-printf | base64); echo copied-1" Enter
wait_for "$host" '^copied-1$' "printf ran"
wait_buffer "$host" from-printf "OSC 52 from printf reaches the host's terminal"
wait_buffer "$rw" from-printf "OSC 52 reaches the read-write mate (--mate-clipboard)"

# 3. The same text copied again is a copy again (the host's buffer was replaced meanwhile).
t "$host" delete-buffer
t "$rw" delete-buffer
t "$host" send-keys "printf '\\033]52;c;%s\\007' \$(printf from-printf | base64); echo copied-2" Enter
wait_for "$host" '^copied-2$' "printf ran again"
wait_buffer "$host" from-printf "the same text copied twice reaches the host twice"
wait_buffer "$rw" from-printf "the same text copied twice reaches the mate twice"

# 4. vim yanks through OSC 52 as clipboard plugins do (echoraw of a base64 payload).
t "$host" send-keys "vim -u NONE -N $work/yank.txt" Enter
wait_for "$host" 'yank.txt' "vim starts"
t "$host" send-keys ":call echoraw(\"\\e]52;c;\" . trim(system('printf from-vim | base64')) . \"\\x07\")" Enter
wait_buffer "$host" from-vim "OSC 52 from vim reaches the host's terminal"
t "$host" send-keys ':q!' Enter
wait_for "$host" '^\$ ?$' "vim quits"
sleep 0.5
[ -z "$(buffer "$ro")" ] || fail "a read-only mate's clipboard was written: '$(buffer "$ro")'"
[ -z "$(buffer "$rgb")" ] || fail "a read-only mate's clipboard was written: '$(buffer "$rgb")'"

# 5. Colours for each mate's terminal: true colour only where the terminal says so.
t "$host" send-keys "clear; printf '\\033[38;2;255;0;0mTRUE-RED\\033[m \\033[38;5;208mORANGE\\033[m\\n'" Enter
for s in "$rw" "$ro" "$rgb"; do wait_for "$s" 'TRUE-RED ORANGE' "$s sees the colours"; done
line() { t "$1" capture-pane -p -e | grep 'TRUE-RED' | tail -1; }
case "$(line "$rw")" in
  *"38;2"* | *"38;5"*) fail "TERM=screen mate got more than 8 colours: $(line "$rw" | od -c | head -5)" ;;
  *$'\e[31m'*TRUE-RED*) ;;
  *) fail "TERM=screen mate lacks red: $(line "$rw" | od -c | head -5)" ;;
esac
case "$(line "$ro")" in
  *"38;2"*) fail "xterm-256color mate got true colour: $(line "$ro" | od -c | head -5)" ;;
  *"38;5;196m"*TRUE-RED*"38;5;208m"*) ;;
  *) fail "xterm-256color mate lacks 256 colours: $(line "$ro" | od -c | head -5)" ;;
esac
case "$(line "$rgb")" in
  *"38;2;255;0;0m"*TRUE-RED*) ;;
  *) fail "COLORTERM=truecolor mate lacks true colour: $(line "$rgb" | od -c | head -5)" ;;
esac

# 6. tmux inside tandem keeps true colour end to end, told by nobody: tmux up to 3.5
# ignores COLORTERM (tmux issue 4300), and reads Tc from the session's terminfo
# instead; what it draws in true colour must reach a true-colour mate as true colour
# (38;2), not brought down to 256 on the way.
printf 'set -g status off\n' >"$work/inner.conf"
t "$host" send-keys "clear; tmux -L $inner -f $work/inner.conf new-session" Enter
sleep 1
t "$host" send-keys "tmux display -p '#{client_termfeatures}' > $work/features; clear; printf '\\033[38;2;1;2;3mINNER-RGB\\033[m\\n'" Enter
wait_file "$work/features" '.' "inner tmux reports its features"
grep -q 'RGB' "$work/features" || fail "tmux inside tandem lacks RGB: $(cat "$work/features")"
wait_for "$rgb" 'INNER-RGB' "the true-colour mate sees inner tmux"
t "$rgb" capture-pane -p -e | grep 'INNER-RGB' | grep -q '38;2;1;2;3m' ||
  fail "inner tmux's true colour was lost: $(t "$rgb" capture-pane -p -e | grep 'INNER-RGB' | od -c | head -5)"
tmux -L "$inner" kill-server 2>/dev/null || true
echo PASS
