#!/usr/bin/env bash
# Fuzzes reader, validation, compiler and every backend with libFuzzer for SECONDS (default
# 600), seeded from examples/ and the hostile-input corpus. Findings (crash-*, timeout-*,
# leak-*) land in Fuzz/findings/; turn each into a corpus case under tests/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
# AddressSanitizer too: Swift is memory-safe, but the unsafe-pointer code around libyaml (C)
# is not. Coverage is asked for explicitly: combined with address, swiftc (6.x) passes the
# frontend no coverage flags, and libFuzzer then mutates blind ("no interesting inputs").
build=(swift build -c release --product nodespec-fuzz --scratch-path .build-fuzz-asan
  -Xswiftc -sanitize=fuzzer -Xswiftc -sanitize=address
  -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
NODESPEC_FUZZ=1 "${build[@]}" >/dev/null
fuzzer=$(NODESPEC_FUZZ=1 "${build[@]}" --show-bin-path)/nodespec-fuzz

work=Fuzz/.work
mkdir -p "$work/corpus" Fuzz/findings
cp examples/*.yaml "$work/corpus/"
if [ -d tests/corpus ]; then
  find tests/corpus -type f ! -name EXPECTATIONS ! -name README.md -exec cp {} "$work/corpus/" \;
fi

"$fuzzer" "$work/corpus" -max_total_time="$seconds" -timeout=2 -rss_limit_mb=2048 \
  -max_len=65536 -dict=Fuzz/yaml.dict -artifact_prefix=Fuzz/findings/ -print_final_stats=1
