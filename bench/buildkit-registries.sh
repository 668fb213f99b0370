#!/usr/bin/env bash
# Cost per registry: compiles specs with 1, 10, 100 and 1,000 registries (each with its own
# mirror plus one mirror host they all share), with and without BuildKit (whose
# buildkitd.toml carries every registry), and prints the instructions of the whole process
# (valgrind's callgrind: deterministic, unlike wall time on a shared machine) and the
# instructions per added registry. Linear growth shows as a flat last column; the BuildKit
# rows minus the others are buildkitd.toml's share.
# Usage: bench/buildkit-registries.sh [TARGET]   (NODESPEC: the binary, default the debug one)
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-shell}
nodespec=${NODESPEC:-.build/debug/nodespec}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

spec() { # COUNT BUILDKIT(yes|no)
  printf 'nodespec: 1\narch: amd64\ncomponents:\n  containerd: 2.0.0\n  runc: 1.2.4\n'
  if [ "$2" = yes ]; then printf '  buildkit: 0.18.1\n'; fi
  printf 'registries:\n'
  for ((i = 0; i < $1; i++)); do
    printf '  r%d.example:\n    mirrors: [https://m%d.example/v2/r%d, http://shared.example:5000]\n' \
      "$i" "$i" "$i"
  done
}

instructions() { # SPEC
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$work/log" \
    "$nodespec" compile "$1" --target "$target" >/dev/null 2>&1
  awk '/Collected :/ { print $NF }' "$work/log"
}

printf 'target %s, %s\n' "$target" "$nodespec"
printf '%8s %10s %16s %24s\n' buildkit registries instructions 'per added registry'
for buildkit in yes no; do
  previous_count='' previous=''
  for count in 1 10 100 1000; do
    spec "$count" "$buildkit" >"$work/spec.yaml"
    total=$(instructions "$work/spec.yaml")
    per=''
    if [ -n "$previous" ]; then per=$(((total - previous) / (count - previous_count))); fi
    printf '%8s %10s %16s %24s\n' "$buildkit" "$count" "$total" "$per"
    previous_count=$count previous=$total
  done
done
