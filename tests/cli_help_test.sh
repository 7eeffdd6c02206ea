#!/usr/bin/env bash
# The command line is a table: every command answers --help and `tandem help CMD`
# (exit 0, a usage line on stdout, within 80 columns), the overview lists them all,
# and a wrong flag or command is refused with exit 2 and a message naming it.
# usage: cli_help_test.sh PATH/TO/tandem
set -uo pipefail
tandem=$1
commands=(share join relay status links wait-ready kick rotate help)
failures=0
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Runs tandem with "$@"; sets $out, $err and $rc.
run() {
  out=$(env -u TANDEM -u TANDEM_SOCKET "$tandem" "$@" 2>"$errors" </dev/null)
  rc=$?
  err=$(cat "$errors")
}

expect_help() {
  run "$@"
  [ "$rc" -eq 0 ] || fail "tandem $* exited $rc: $err"
  grep -q '^usage: tandem' <<<"$out" || fail "tandem $* printed no usage line: $out"
  grep -q -- '-h, --help' <<<"$out" || fail "tandem $* lists no -h, --help"
  [ -z "$err" ] || fail "tandem $* wrote to stderr: $err"
  local wide
  wide=$(awk 'length > 80' <<<"$out")
  [ -z "$wide" ] || fail "tandem $* has lines over 80 columns: $wide"
}

expect_refused() {  # expect_refused WORD ARGS...: exit 2, WORD in the message, nothing on stdout
  local word=$1
  shift
  run "$@"
  [ "$rc" -eq 2 ] || fail "tandem $* exited $rc, not 2"
  grep -q -- "$word" <<<"$err" || fail "tandem $* did not name '$word': $err"
  [ -z "$out" ] || fail "tandem $* wrote to stdout: $out"
}

for c in "${commands[@]}"; do
  expect_help "$c" --help
  expect_help "$c" -h
  expect_help help "$c"
  grep -q "^usage: tandem $c" <<<"$out" || fail "tandem help $c is not $c's: $out"
done

for overview in --help -h help; do
  expect_help "$overview"
  for c in "${commands[@]}"; do
    grep -qE "^  $c +[a-z]" <<<"$out" || fail "tandem $overview does not list $c with its summary"
  done
  grep -q -- '--relay HOST\[:PORT\]' <<<"$out" || fail "tandem $overview does not list share's flags"
done

run --version
[ "$rc" -eq 0 ] && grep -qE '^tandem [0-9]+\.[0-9]+' <<<"$out" || fail "tandem --version: $rc $out"

expect_refused "--bogus" join --bogus
grep -q "tandem join --help" <<<"$err" || fail "tandem join --bogus does not point at tandem join --help: $err"
expect_refused "--bogus" relay --bogus=1
expect_refused "--bogus" --bogus
expect_refused "'x'" relay --linger x
expect_refused "--listen wants ADDR:PORT" relay --listen
expect_refused "^tandem: --history wants lines (0 to [0-9]*), not '20000'$" --history 20000  # said once, not "tandem: tandem:"
expect_refused "^tandem: --size is 'host' (the default) or 'smallest', not 'x'$" --size x
expect_refused "unexpected 'extra'" status extra
expect_refused "unknown command 'bogus'" bogus
expect_refused "unknown command 'bogus'" help bogus

if [ "$failures" -gt 0 ]; then
  echo "cli help: $failures failures" >&2
  exit 1
fi
echo "cli help: every command answers --help and help CMD; bad flags exit 2"
