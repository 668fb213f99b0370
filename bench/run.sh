#!/usr/bin/env bash
# Whole-process time of `nodespec compile SPEC --target T` against the floor: bench/parse.c,
# a C program that only parses the same file with libyaml. Prints, per target, the median of
# paired ratios: each round runs hyperfine on both commands back to back, so a change in the
# machine's load hits both sides of a ratio alike; the median over rounds drops the rounds a
# neighbour disturbed. Wall ratio: of the rounds' median wall times. CPU ratio: of the user
# plus system time the kernel charged to each process, which other processes on a busy
# machine do not inflate (docs/performance.md).
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
# Timed from a copy: a file the linker has just written runs about 15% slower (in system
# time) than the same bytes written by cp, as an installed binary is, or one read back from
# disk after a reboot (docs/performance.md).
cp "$NODESPEC" "$out/nodespec"
NODESPEC=$out/nodespec
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
print(f"{'target':<11} {'floor ms':>9} {'nodespec ms':>12} {'wall ratio':>11} {'cpu ratio':>10}"
      f"  (wall ratio: min-max of {rounds} rounds)")
for target in targets:
    floor, nodespec, wall, cpu = [], [], [], []
    for round in range(1, rounds + 1):
        results = {r["command"]: r for r in json.load(open(f"{out}/{target}-{round}.json"))["results"]}
        p, n = results["parse"], results["nodespec"]
        floor.append(p["median"])
        nodespec.append(n["median"])
        wall.append(n["median"] / p["median"])
        cpu.append((n["user"] + n["system"]) / (p["user"] + p["system"]))
    print(f"{target:<11} {statistics.median(floor) * 1000:9.3f} {statistics.median(nodespec) * 1000:12.3f}"
          f" {statistics.median(wall):10.2f}x {statistics.median(cpu):9.2f}x"
          f"  ({min(wall):.2f}-{max(wall):.2f})")
PY
