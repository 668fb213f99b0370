#!/usr/bin/env bash
# Fuzzes reader, validation, compiler and every backend with libFuzzer for SECONDS (default
# 600), seeded from examples/ and the hostile-input corpus. Findings (crash-*, timeout-*,
# leak-*, oom-*) land in Fuzz/findings/; turn each into a corpus case under IntegrationTests/corpus/.
#
# Time limits: ASan makes every input several times slower, so a slow input is not yet a
# hang. An input over SLOW seconds (default 1) under ASan is kept as slow-unit-*; one over
# HANG seconds (default 10) is libFuzzer's timeout-*. Each of them is then run again, alone,
# in a build without ASan with a limit of LIMIT seconds (default 2, what the corpus allows a
# run): within it, it was only slow under ASan (reported, moved to Fuzz/findings/slow/);
# past it, it is a hang, a finding. Ends with `findings: N` and exits non-zero when N > 0.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
slow=${SLOW:-1}
hang=${HANG:-10}
limit=${LIMIT:-2}
# AddressSanitizer too: Swift is memory-safe, but the unsafe-pointer code around libyaml (C)
# is not. Coverage is asked for explicitly: combined with address, swiftc (6.x) passes the
# frontend no coverage flags, and libFuzzer then mutates blind ("no interesting inputs").
build=(swift build -c release --product nodespec-fuzz --scratch-path .build-fuzz-asan
  -Xswiftc -sanitize=fuzzer -Xswiftc -sanitize=address
  -Xswiftc '-sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp')
NODESPEC_FUZZ=1 "${build[@]}" >/dev/null
fuzzer=$(NODESPEC_FUZZ=1 "${build[@]}" --show-bin-path)/nodespec-fuzz

work=Fuzz/.work
findings=Fuzz/findings
mkdir -p "$work/corpus" "$findings"
cp examples/*.yaml "$work/corpus/"
if [ -d IntegrationTests/corpus ]; then
  find IntegrationTests/corpus -type f ! -name EXPECTATIONS ! -name README.md -exec cp {} "$work/corpus/" \;
fi

status=0
"$fuzzer" "$work/corpus" -max_total_time="$seconds" -timeout="$hang" \
  -timeout_exitcode=70 -report_slow_units="$slow" -rss_limit_mb=2048 -max_len=65536 -dict=Fuzz/yaml.dict \
  -artifact_prefix="$findings/" -print_final_stats=1 || status=$?

# Slow under ASan, or a hang? Time each slow or timed-out input alone without ASan.
shopt -s nullglob
suspects=("$findings"/slow-unit-* "$findings"/timeout-*)
if ((${#suspects[@]} > 0)); then
  plain=(swift build -c release --product nodespec-fuzz --scratch-path .build-fuzz
    -Xswiftc -sanitize=fuzzer)
  NODESPEC_FUZZ=1 "${plain[@]}" >/dev/null
  rerun=$(NODESPEC_FUZZ=1 "${plain[@]}" --show-bin-path)/nodespec-fuzz
  mkdir -p "$findings/slow"
  for input in "${suspects[@]}"; do
    if "$rerun" -timeout="$limit" -runs=1 "$input" >/dev/null 2>&1; then
      echo "slow under ASan only (within ${limit} s without): $input"
      mv -- "$input" "$findings/slow/"
    else
      echo "hang (over ${limit} s without ASan): $input"
    fi
  done
fi

found=$(find "$findings" -maxdepth 1 -type f \
  \( -name 'crash-*' -o -name 'timeout-*' -o -name 'leak-*' -o -name 'oom-*' \
  -o -name 'slow-unit-*' \) | wc -l)
echo "findings: $found"
if ((found > 0)); then exit 1; fi
# A timeout (70) that turned out to be ASan's slowness is no finding; anything else is.
if ((status != 0 && status != 70)); then
  echo "libFuzzer stopped with exit status $status" >&2
  exit 1
fi
