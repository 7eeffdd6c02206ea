# Helpers for the end-to-end scripts: each program under test runs in a tmux server
# of its own (socket name = the first argument), whose screen is what we read.
# A script sets SOCKETS (the servers to dump on failure) before using these.

t() { local s=$1; shift; tmux -L "$s" -f /dev/null "$@"; }

fail() {
  echo "FAIL: $*"
  for s in "${SOCKETS[@]}"; do
    echo "--- $s"
    t "$s" capture-pane -p 2>/dev/null | grep -v '^$' || true
  done
  exit 1
}

# wait_for SOCKET PATTERN WHAT: waits, bounded, until the screen matches.
wait_for() {
  for _ in $(seq 1 400); do
    if t "$1" capture-pane -p | grep -qE -- "$2"; then return 0; fi
    sleep 0.05
  done
  fail "$3: never saw /$2/ on $1"
}

# count SOCKET LINE: how many screen lines are exactly LINE (a regex).
count() { t "$1" capture-pane -p | grep -cxE -- "$2" || true; }

kill_servers() { for s in "${SOCKETS[@]}"; do t "$s" kill-server 2>/dev/null || true; done; }
