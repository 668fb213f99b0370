# Tiny assertion helpers for the script tests: each check prints ok/FAIL with a name, and
# `finish` prints the closing line "N passed, M failed" and sets the exit status.
passed=0
failed=0

ok() {
  passed=$((passed + 1))
  printf 'ok    %s\n' "$1"
}

fail() {
  failed=$((failed + 1))
  printf 'FAIL  %s\n' "$1"
  [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/      /'
}

# check NAME COMMAND...: passes when the command exits 0.
check() {
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$out"; fi
}

finish() {
  printf '%s passed, %s failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ]
}
