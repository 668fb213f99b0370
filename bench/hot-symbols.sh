#!/usr/bin/env bash
# Writes linker/hot-symbols.txt: the functions `nodespec compile` runs for each target (and
# `nodespec validate`) on the write-up's full setup, in the order callgrind first meets them.
# Package.swift hands the list to lld (--symbol-ordering-file), which places that code
# together at the start of the text instead of spread over its 15 MB: fewer pages to fault in
# per run (docs/performance.md). Run it again after large changes; a stale list costs only
# page faults, never correctness (names that no longer exist are skipped).
#
# Usage: bench/hot-symbols.sh [SPEC]
# Environment: NODESPEC (default: the binary `swift build -c release` makes, built here).
set -euo pipefail
cd "$(dirname "$0")/.."

spec=${1:-examples/writeup-all-mirrors.yaml}
out=bench/out
mkdir -p "$out"
if [ -z "${NODESPEC:-}" ]; then
  swift build -c release --product nodespec >/dev/null
  NODESPEC=$(swift build -c release --show-bin-path)/nodespec
fi
# Without DWARF, as bench/instructions.sh (valgrind 3.19 cannot read this toolchain's).
objcopy --strip-debug "$NODESPEC" "$out/nodespec.nodebug"
rm -f "$out"/order.*.out
for target in shell cloud-init ansible; do
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$out/order.$target.out" \
    "$out/nodespec.nodebug" compile "$spec" --target "$target" >/dev/null 2>&1
done
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$out/order.validate.out" \
  "$out/nodespec.nodebug" validate "$spec" >/dev/null 2>&1
# A profile names a function ("fn=(id) name", or "cfn=" for a callee) the first time it
# mentions it; "name'2" is the same function recursing. Unnamed code (0x...) has no symbol.
for profile in shell cloud-init ansible validate; do
  sed -n -E 's/^c?fn=\([0-9]+\) //p' "$out/order.$profile.out"
done | sed -E "s/'[0-9]+$//" | grep -v -e '^0x' -e '^(below main)' | awk '!seen[$0]++' \
  >linker/hot-symbols.txt
rm -f "$out"/order.*.out
echo "linker/hot-symbols.txt: $(wc -l <linker/hot-symbols.txt) functions"
