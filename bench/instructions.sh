#!/usr/bin/env bash
# Instructions executed by one whole `nodespec compile SPEC --target T` (valgrind's callgrind,
# user space, from the first instruction to exit), per target, next to the floor
# (bench/parse.c), and where they go: the argument parser, reading and checking the spec
# (SpecLoader), compiling it (Compiler.compile), and the backend. Instruction counts do not depend on the machine's load, so
# they are the figures to compare between commits; bench/run.sh gives the times.
#
# Usage: bench/instructions.sh [SPEC] [TARGET...]
#   SPEC defaults to examples/writeup-all-mirrors.yaml; TARGET to shell cloud-init ansible.
# Environment: NODESPEC (default: the binary `swift build -c release` makes, built here).
# Leaves each profile in bench/out/callgrind.<target>.out (read with callgrind_annotate).
set -euo pipefail
cd "$(dirname "$0")/.."

spec=${1:-examples/writeup-all-mirrors.yaml}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(shell cloud-init ansible)
out=bench/out
mkdir -p "$out"

if [ -z "${NODESPEC:-}" ]; then
  swift build -c release --product nodespec >/dev/null
  NODESPEC=$(swift build -c release --show-bin-path)/nodespec
fi
# Profiled without its DWARF: valgrind 3.19 (Debian 12) gives up on the DWARF 5 forms of
# the C++ objects linked in; the symbol table it needs for function names stays.
objcopy --strip-debug "$NODESPEC" "$out/nodespec.nodebug"
NODESPEC=$out/nodespec.nodebug
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -O2 -o "$out/parse" bench/parse.c $(pkg-config --cflags --libs yaml-0.1)

# Total instructions of one run: callgrind's "Collected" line.
count() { # count <profile> <command...>
  local profile=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$profile" "$@" 2>&1 >/dev/null |
    sed -n 's/^==[0-9]*== Collected : //p'
}

# Inclusive instructions of the first function whose symbol matches, or "-".
inclusive() { # inclusive <profile> <pattern>
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
    awk -v pattern="$2" '/^ *[0-9,]+ \( *[0-9.]+%\)/ && $0 ~ pattern { gsub(",", "", $1); print $1; found = 1; exit }
      END { if (!found) print "-" }'
}

sum() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else print a + b }'; }

mega() { awk -v n="$1" 'BEGIN { if (n == "-") print "     -"; else printf "%6.2f", n / 1e6 }'; }

floor=$(count "$out/callgrind.parse.out" "$out/parse" "$spec")
echo "spec: $spec"
echo "floor (bench/parse.c): $(mega "$floor") M instructions"
printf '%-11s %8s %7s %9s %9s %9s %9s\n' target total ratio argparse spec compile backend
for target in "${targets[@]}"; do
  profile=$out/callgrind.$target.out
  total=$(count "$profile" "$NODESPEC" compile "$spec" --target "$target")
  printf '%-11s %8s %6.1fx %9s %9s %9s %9s\n' "$target" "$(mega "$total")" \
    "$(awk -v a="$total" -v b="$floor" 'BEGIN { print a / b }')" \
    "$(mega "$(inclusive "$profile" 'CommonCommandLineO7request|CommonCommandLineO7command|ParsableCommand.*parseAsRoot')")" \
    "$(mega "$(sum "$(inclusive "$profile" '4Spec0A6LoaderO7sources_')" \
      "$(inclusive "$profile" '4Spec0A7DecoderV6decode_11diagnostics')")")" \
    "$(mega "$(inclusive "$profile" '8CompilerAAO7compile_6inputs')")" \
    "$(mega "$(inclusive "$profile" 'Backend.*6output_11diagnostics')")"
done
echo "(M instructions; argparse = the command line (CommonCommandLine, or ArgumentParser's"
echo " parseAsRoot for a binary without it), spec = reading and checking"
echo " the spec, compile = the compiler's modules, backend = rendering the target; each"
echo " inclusive of what it calls)"
