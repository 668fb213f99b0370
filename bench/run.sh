#!/usr/bin/env bash
# Start-up benchmark: a whole-process `nodespec compile` of the write-up's spec against a C
# program that only parses the same file with libyaml. Prints both means and their ratio.
# Usage: bench/run.sh [SPEC] [TARGET]   (hyperfine from Debian; a release build is made)
set -euo pipefail
cd "$(dirname "$0")/.."

spec=${1:-examples/writeup.yaml}
target=${2:-shell}
out=bench/out
mkdir -p "$out"

# The shipped form of a command-line tool: one static executable. Loading a 25 MB
# position-independent Swift binary and its shared libraries costs more than the whole compile.
build=(swift build -c release --product nodespec --scratch-path .build-static
  -Xswiftc -static-executable)
"${build[@]}" >/dev/null
nodespec=$("${build[@]}" --show-bin-path)/nodespec
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -O2 -o "$out/parse" bench/parse.c $(pkg-config --cflags --libs yaml-0.1)

hyperfine --warmup 20 --min-runs 200 -N --export-json "$out/result.json" \
  -n parse "$out/parse $spec" \
  -n nodespec "$nodespec compile $spec --target $target" >/dev/null

python3 - "$out/result.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
parse, nodespec = results["parse"]["mean"], results["nodespec"]["mean"]
print(f"libyaml parse only : {parse * 1000:7.2f} ms")
print(f"nodespec compile   : {nodespec * 1000:7.2f} ms")
print(f"ratio              : {nodespec / parse:7.2f}x")
PY
