#!/usr/bin/env bash
# Whole-process time of `nodespec compile SPEC --target T` against the floor: bench/parse.c,
# a C program that only parses the same file with libyaml. Prints, per target, the median of
# paired ratios: each round runs hyperfine on both commands back to back, so a change in the
# machine's load hits both sides of a ratio alike; the median over rounds drops the rounds a
# neighbour disturbed.
#
# Usage: bench/run.sh [SPEC] [TARGET...]
#   SPEC defaults to examples/writeup-all-mirrors.yaml (the write-up's full setup);
#   TARGET defaults to shell cloud-init ansible.
# Environment: ROUNDS (default 15), RUNS per command per round (default 40),
#   NODESPEC (default: the binary `swift build -c release` makes, built here).
# Needs hyperfine and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

spec=${1:-examples/writeup-all-mirrors.yaml}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(shell cloud-init ansible)
rounds=${ROUNDS:-15}
runs=${RUNS:-40}
out=bench/out
mkdir -p "$out"

# The binary users get from the README: Package.swift links the Swift runtime statically in
# a Linux release build, so this is what is measured.
if [ -z "${NODESPEC:-}" ]; then
  swift build -c release --product nodespec >/dev/null
  NODESPEC=$(swift build -c release --show-bin-path)/nodespec
fi
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -O2 -o "$out/parse" bench/parse.c $(pkg-config --cflags --libs yaml-0.1)

for target in "${targets[@]}"; do
  "$NODESPEC" compile "$spec" --target "$target" >/dev/null # fails loudly on a bad spec
  for round in $(seq "$rounds"); do
    hyperfine --warmup 5 --runs "$runs" -N --style none \
      --export-json "$out/$target-$round.json" \
      -n parse "$out/parse $spec" \
      -n nodespec "$NODESPEC compile $spec --target $target" >/dev/null 2>>"$out/hyperfine.log"
  done
done

python3 - "$out" "$rounds" "${targets[@]}" <<'PY'
import json, statistics, sys
out, rounds, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"{'target':<11} {'parse ms':>9} {'nodespec ms':>12} {'ratio':>7}  (min-max of {rounds} rounds)")
for target in targets:
    parse, nodespec, ratios = [], [], []
    for round in range(1, rounds + 1):
        results = {r["command"]: r for r in json.load(open(f"{out}/{target}-{round}.json"))["results"]}
        p, n = results["parse"]["median"], results["nodespec"]["median"]
        parse.append(p)
        nodespec.append(n)
        ratios.append(n / p)
    print(f"{target:<11} {statistics.median(parse) * 1000:9.3f} {statistics.median(nodespec) * 1000:12.3f}"
          f" {statistics.median(ratios):6.2f}x  ({min(ratios):.2f}-{max(ratios):.2f})")
PY
