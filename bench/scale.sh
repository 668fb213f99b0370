#!/usr/bin/env bash
# How the cost grows with the spec: the write-up's full setup with 1, 10, 100 and 1,000
# registries (bench/registries.py), each target, in instructions (valgrind's callgrind, so
# the load of the machine does not matter). Prints the total per size and the cost of one
# more registry between two sizes; linear growth keeps that marginal cost about constant.
#
# Usage: bench/scale.sh [TARGET...]   (default: shell cloud-init ansible)
# Environment: SIZES (default "1 10 100 1000"), NODESPEC (default: the binary
#   `swift build -c release` makes, built here).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(shell cloud-init ansible)
read -r -a sizes <<<"${SIZES:-1 10 100 1000}"
out=bench/out/scale
mkdir -p "$out"

if [ -z "${NODESPEC:-}" ]; then
  swift build -c release --product nodespec >/dev/null
  NODESPEC=$(swift build -c release --show-bin-path)/nodespec
fi
# Without its DWARF, which valgrind 3.19 cannot read (see bench/instructions.sh).
objcopy --strip-debug "$NODESPEC" "$out/nodespec.nodebug"
NODESPEC=$out/nodespec.nodebug

for size in "${sizes[@]}"; do
  python3 bench/registries.py "$size" >"$out/registries-$size.yaml"
done

count() { # count <command...>: total instructions of one run
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/^==[0-9]*== Collected : //p'
}

printf '%-11s %7s %14s %18s\n' target size "instructions" "per registry added"
for target in "${targets[@]}"; do
  previous_size=
  previous_total=
  for size in "${sizes[@]}"; do
    # A size the target refuses (cloud-init: over EC2's 16 KB of user-data at 1,000) ends
    # that target's series.
    if ! "$NODESPEC" compile "$out/registries-$size.yaml" --target "$target" >/dev/null 2>&1; then
      printf '%-11s %7s %14s %18s\n' "$target" "$size" "refused" -
      break
    fi
    total=$(count "$NODESPEC" compile "$out/registries-$size.yaml" --target "$target")
    marginal=-
    if [ -n "$previous_size" ]; then
      marginal=$(((total - previous_total) / (size - previous_size)))
    fi
    printf '%-11s %7s %14s %18s\n' "$target" "$size" "$total" "$marginal"
    previous_size=$size
    previous_total=$total
  done
done
