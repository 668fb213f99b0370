#!/usr/bin/env bash
# A fleet compiled in one process against the floor run once per spec: COUNT distinct specs
# (bench/fleet.py: the write-up's full setup, each with its own name and REGISTRIES
# registries), `nodespec compile SPEC... --target T --out-dir DIR` against bench/parse.c run
# one process per spec, two at a time (`xargs -P2`), per target. Prints, per target, the
# median over ROUNDS paired rounds (floor then batch, back to back, so both see the same
# load) of the wall-time ratio and of the CPU-time ratio (user plus system of all threads
# and processes), the batch's CPU utilisation (CPU time over wall time: two busy workers make
# it 2.0), its blocking waits per spec (voluntary context switches), and its peak memory (max
# RSS). The aim (issue 14): batch wall time at most 0.75 times the floor's, every target.
#
# Each round's batch writes into a fresh folder, and all of them are removed only when the
# script ends: on a file system without a journal (this VM's ext4), a new file costs a scan
# past every inode freed in the last minutes, so deleting the last round's 10,000 outputs
# just before a batch made it pay for the deletion (docs/performance.md, "A fleet in one
# process").
#
# Usage: bench/fleet.sh [TARGET...]   (default: shell cloud-init ansible)
# Environment: COUNT (default 10000), REGISTRIES per spec (default 11), ROUNDS (default 3),
#   JOBS (the batch's --jobs; default: one per core), NODESPEC (default: the binary
#   `swift build -c release` makes, built here), CHRT=1 (as root: run the floor and the batch
#   under `chrt -f 1`, real-time priority, so that neighbours' processes cannot take the cores
#   from them: the wall times of a quiet machine, measured on a busy one; it holds both cores
#   for the whole run, so keep COUNT small on a shared machine). Specs and outputs go to
#   bench/out/fleet/.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(shell cloud-init ansible)
count=${COUNT:-10000}
registries=${REGISTRIES:-11}
rounds=${ROUNDS:-3}
out=bench/out/fleet
mkdir -p "$out"
rm -rf "$out"/batch-*
trap 'rm -rf "$out"/batch-*' EXIT

if [ -z "${NODESPEC:-}" ]; then
  swift build -c release --product nodespec >/dev/null
  NODESPEC=$(swift build -c release --show-bin-path)/nodespec
fi
# Timed from a copy, as bench/run.sh does (docs/performance.md, "A copy of the binary").
cp "$NODESPEC" "$out/nodespec"
NODESPEC=$out/nodespec
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -O2 -o "$out/parse" bench/parse.c $(pkg-config --cflags --libs yaml-0.1)

specs=$out/specs-$count-$registries
if [ ! -d "$specs" ]; then
  python3 bench/fleet.py "$count" "$specs.tmp" "$registries"
  mv "$specs.tmp" "$specs"
fi
jobs=()
[ -z "${JOBS:-}" ] || jobs=(--jobs "$JOBS")
priority=()
[ "${CHRT:-0}" = 0 ] || priority=(chrt -f 1)

# measure NAME COMMAND...: one line "NAME wall cpu maxrss_kb voluntary_switches" appended to
# $results.
results=$out/results
: >"$results"
measure() {
  local name=$1
  shift
  /usr/bin/time -o "$out/time" -f "%e %U %S %M %w" "${priority[@]}" "$@" >/dev/null
  read -r wall user system rss switches <"$out/time"
  echo "$name $wall $(awk -v u="$user" -v s="$system" 'BEGIN { print u + s }') $rss $switches" \
    >>"$results"
}

for target in "${targets[@]}"; do
  for round in $(seq "$rounds"); do
    measure "floor-$target" sh -c "find '$specs' -name '*.yaml' -print0 | xargs -0 -P2 -n1 '$out/parse'"
    batch=$out/batch-$target-$round
    # The specs in one argument list, as a shell glob gives them.
    measure "batch-$target" sh -c "'$NODESPEC' compile '$specs'/*.yaml --target $target \
      --out-dir '$batch' ${jobs[*]:-}"
    written=$(find "$batch" -type f | wc -l)
    [ "$written" = "$count" ] || { echo "the batch wrote $written of $count outputs" >&2; exit 1; }
  done
done

python3 - "$results" "$count" "$registries" "${targets[@]}" <<'PY'
import statistics, sys
path, count, registries, targets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
rows = [line.split() for line in open(path)]
print(f"{count} specs, {registries} registries each")
print(f"{'target':<11} {'floor s':>8} {'batch s':>8} {'wall ratio':>11} {'cpu ratio':>10}"
      f" {'batch CPU/wall':>15} {'waits/spec':>11} {'batch max RSS':>14}"
      "  (wall ratio: min-max of the rounds)")
for target in targets:
    floor = [r for r in rows if r[0] == f"floor-{target}"]
    batch = [r for r in rows if r[0] == f"batch-{target}"]
    wall = [float(b[1]) / float(f[1]) for f, b in zip(floor, batch)]
    cpu = [float(b[2]) / float(f[2]) for f, b in zip(floor, batch)]
    use = statistics.median(float(b[2]) / float(b[1]) for b in batch)
    waits = statistics.median(int(b[4]) for b in batch) / int(count)
    print(f"{target:<11} {statistics.median(float(f[1]) for f in floor):8.2f}"
          f" {statistics.median(float(b[1]) for b in batch):8.2f}"
          f" {statistics.median(wall):10.2f}x {statistics.median(cpu):9.2f}x"
          f" {use:15.2f} {waits:11.2f}"
          f" {max(int(b[3]) for b in batch) / 1024:10.1f} MiB  ({min(wall):.2f}-{max(wall):.2f})")
PY
