#!/usr/bin/env bash
# End to end: `tandem` runs a real shell on a PTY and draws it, inside a real tmux
# whose screen we read. What a user sees is what is asserted.
# usage: local_session_test.sh PATH/TO/tandem
set -euo pipefail
tandem=$(realpath "$1")
sock="tandem-e2e-$$"
work=$(mktemp -d)
SOCKETS=("$sock")
source "$(dirname "$0")/lib.sh"
tmux_() { t "$sock" "$@"; }
cleanup() { kill_servers; rm -rf "$work" 2>/dev/null || true; }
trap cleanup EXIT

# wait_for on the one pane, with colours kept (-e) so that SGR can be matched.
wait_for_here() {
  for _ in $(seq 1 200); do
    if tmux_ capture-pane -p -e | grep -qE -- "$1"; then return 0; fi
    sleep 0.05
  done
  fail "$2: never saw /$1/"
}

# Waits (bounded) until the top lines of the pane are exactly these (joined by |).
wait_for_top() {
  local want=$1 what=$2 n
  n=$(awk -F'|' '{print NF}' <<<"$want")
  for _ in $(seq 1 200); do
    if [ "$(tmux_ capture-pane -p | head -n "$n" | paste -sd'|')" = "$want" ]; then return 0; fi
    sleep 0.05
  done
  fail "$what: top lines never became '$want'"
}

start() {  # start a fresh 80x24 tmux running $1
  tmux_ kill-server 2>/dev/null || true
  tmux_ new-session -d -x 80 -y 24 "cd $work; env -u TANDEM PS1='$ ' HOME=$work $1; echo \"tmux-saw-exit=\$?\"; sleep 60"
}

# 1. A shell: a command runs and its output is drawn.
start "$tandem --listen 127.0.0.1:0 -- bash --norc --noprofile"
wait_for_here '^\$ ?$' "first prompt"
tmux_ send-keys 'echo hi-$((6*7))' Enter
wait_for_here '^hi-42$' "command output"

# 2. Colours reach the outer terminal.
tmux_ send-keys "printf '\\e[31mRED\\e[0m plain\\n'" Enter
wait_for_here $'\e\\[31mRED' "red text"

# 3. Scrolling output, then the screen is the last lines.
tmux_ send-keys 'seq 1 500' Enter
wait_for_here '^500$' "seq output"

# 4. A full-screen program draws, edits and leaves.
printf 'alpha\nbeta\n' > "$work/f.txt"
tmux_ send-keys 'vim -u NONE -N f.txt' Enter
wait_for_here '"f.txt" 2L' "vim status line"
wait_for_top 'alpha|beta' "vim draws the file"
tmux_ send-keys 'ddp'
wait_for_top 'beta|alpha' "vim edit"
tmux_ send-keys ':q!' Enter
wait_for_here '^\$ ?$' "prompt after vim"

# 5. The shell exits: a clear message and its status.
tmux_ send-keys 'exit 3' Enter
wait_for_here 'session ended; bash exited with status 3' "exit message"
wait_for_here 'tmux-saw-exit=3' "exit status"
# The message follows the session's last lines (the cursor stays where the session left it).
before=$(tmux_ capture-pane -p -S - | awk 'NF && /session ended; bash exited with status 3/ { print last } NF { last = $0 }')
[ "$before" = exit ] || fail "the exit message follows '$before', not the session's last line"

# 6. No nesting, and no session without a terminal.
if TANDEM=1 "$tandem" --listen 127.0.0.1:0 -- true 2>"$work/err"; then fail "nested tandem started"; fi
grep -q "already inside a tandem session" "$work/err" || fail "no nesting message: $(cat "$work/err")"
if env -u TANDEM "$tandem" --listen 127.0.0.1:0 -- true </dev/null >"$work/out" 2>"$work/err"; then fail "ran without a terminal"; fi
grep -q "must be a terminal" "$work/err" || fail "no terminal message: $(cat "$work/err")"

echo "local session: 6 checks passed"
