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

# wait_for SOCKET PATTERN WHAT [TRIES]: waits, bounded (TRIES x 50 ms, default 20 s),
# until the screen matches.
wait_for() {
  for _ in $(seq 1 "${4:-400}"); do
    if t "$1" capture-pane -p | grep -qE -- "$2"; then return 0; fi
    sleep 0.05
  done
  fail "$3: never saw /$2/ on $1"
}

# count SOCKET LINE: how many screen lines are exactly LINE (a regex).
count() { t "$1" capture-pane -p | grep -cxE -- "$2" || true; }

kill_servers() { for s in "${SOCKETS[@]}"; do t "$s" kill-server 2>/dev/null || true; done; }

# cleanup_all: for `trap cleanup_all EXIT`: the tmux servers, the relay (relay_pid)
# if one was started, and the work dir.
relay_pid=
cleanup_all() {
  kill_servers
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
fail_relay() { [ -f "$work/relay.log" ] && { echo "--- relay log"; cat "$work/relay.log"; }; fail "$@"; }

# wait_file FILE PATTERN WHAT: waits, bounded (20 s), until FILE has a line matching.
wait_file() {
  for _ in $(seq 1 400); do
    if grep -qE -- "$2" "$1" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  fail "$3: never saw /$2/ in $1: $(cat "$1" 2>/dev/null)"
}

# start_relay WORK [SSH_PORT UDP_PORT WEB_PORT]: `tandem relay` on loopback with its
# state in WORK/state; sets relay_pid, ssh_port, udp_port, web_port and relay_fp.
start_relay() {
  local work=$1
  : >"$work/relay.out"
  "$tandem" relay --listen "127.0.0.1:${2:-0}" --udp-port "${3:-0}" --web-listen "127.0.0.1:${4:-0}" --state-dir "$work/state" \
    >"$work/relay.out" 2>>"$work/relay.log" &
  relay_pid=$!
  wait_file "$work/relay.out" 'relay-fingerprint' "relay starts"
  ssh_port=$(sed -n 's/.*SSH on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$work/relay.out")
  udp_port=$(sed -n 's/.*UDP on port \([0-9]*\),.*/\1/p' "$work/relay.out")
  web_port=$(sed -n 's/^web on 127\.0\.0\.1:\([0-9]*\):.*/\1/p' "$work/relay.out")
  relay_fp=$(sed -n 's/^key //p' "$work/relay.out")
}

# start_netsim NAME SEED [NETSIM ARGS...]: a netsim (the script's $netsim) towards the
# relay's UDP port, its pid in WORK/NAME.pid; prints its address.
start_netsim() {
  local name=$1 seed=$2
  shift 2
  "$netsim" --listen 127.0.0.1:0 --server "127.0.0.1:$udp_port" --seed "$seed" "$@" >"$work/$name.out" &
  echo $! >"$work/$name.pid"
  wait_file "$work/$name.out" '^netsim: ' "netsim $name starts"
  sed -n 's/^netsim: \([^ ]*\) -> .*/\1/p' "$work/$name.out" | head -1
}

# A home whose tandem config names the relay (pinned).
relay_home() {
  mkdir -p "$1/.config/tandem"
  printf 'relay-host = 127.0.0.1\nrelay-port = %s\nrelay-fingerprint = %s\n' "$ssh_port" "$relay_fp" \
    >"$1/.config/tandem/config"
}

SSH_OPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"

# mate_key WORK: an SSH key for clients that must prove one (an unknown token is told
# so in words only to a client with a key; one without sees a banner and "Permission
# denied"); sets KEY_OPTS.
mate_key() {
  ssh-keygen -q -t ed25519 -N '' -f "$1/mate_key" -C mate
  KEY_OPTS="-i $1/mate_key -o IdentitiesOnly=yes"
}
