#!/usr/bin/env bash
# The hostile-input corpus: every file in IntegrationTests/corpus/ goes through the real command line,
# and must end as its expectation says, within a time bound, writing nothing when it fails.
#
# A case is one file. Its expectation is a comment line anywhere in it:
#   # expect: exit=1 id=yaml-syntax at=3:5 [target=shell|cloud-init|ansible] [env=NAME=VALUE]
#             [strict] [payload]
# Every case also runs through `validate` and the other targets, which must give the same exit
# status and diagnostic (one verdict everywhere). `target=` picks the one whose -o is checked.
# `payload` (with exit=0) also compiles the case for all three targets and checks that the
# hostile strings it carries arrive as data: shellcheck and bash -n pass, and
# IntegrationTests/check_payloads.py finds each one quoted in the script and intact in the parsed-back
# YAML and TOML (IntegrationTests/check_outputs.py checks the two targets write the same files).
# `file=PATH` (relative to the corpus) names the file the diagnostic is in when it is not the
# case itself: a base it extends. Bases live in IntegrationTests/corpus/bases/, which is no case.
# `at=-` means a diagnostic without a position (`file: error: ...`); `id`/`at` may be left out
# for a case that must succeed (exit=0). Files that cannot hold a comment (binary data,
# invalid UTF-8, a BOM) take theirs from IntegrationTests/corpus/EXPECTATIONS instead, one line each:
#   FILE exit=1 id=binary-input at=-
#
# For each case: the exit status; a diagnostic `FILE:LINE:COL: error: ... [ID]` (or warning)
# on stderr, at most 100 kB of it; with -o, a failed compile leaves no file where there was none and leaves an
# existing file byte-identical; a successful one writes the output; and each run takes less
# than CORPUS_SECONDS (default 2). Prints `N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=IntegrationTests/lib/check.sh
. IntegrationTests/lib/check.sh

nodespec=${NODESPEC:-.build/debug/nodespec}
limit_ms=$((${CORPUS_SECONDS:-2} * 1000))
corpus=IntegrationTests/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$nodespec" ]; then
  echo "corpus: no compiler at $nodespec (run swift build, or set NODESPEC)" >&2
  exit 1
fi

# The expectation of FILE: its `# expect:` line, else its line in EXPECTATIONS.
expectation() {
  local line
  # A CR ends the line too (files with CR or CRLF line ends are cases).
  line=$(LC_ALL=C grep -a -m1 -o '# expect: [^'$'\r'']*' "$1" 2>/dev/null | sed 's/^# expect: //')
  if [ -z "$line" ] && [ -f "$corpus/EXPECTATIONS" ]; then
    line=$(awk -v f="$(basename "$1")" '$1 == f { $1 = ""; print substr($0, 2) }' \
      "$corpus/EXPECTATIONS")
  fi
  printf '%s' "$line"
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

# run_case FILE: runs one case twice (no output file yet; an existing output file) and checks.
run_case() {
  local file=$1 name expect exit_code='' id='' at='' target=shell in=$1
  local -a env_args=() flags=()
  local payload=no
  name=$(basename "$file")
  expect=$(expectation "$file")
  if [ -z "$expect" ]; then
    fail "$name" "no expectation: add '# expect: ...' or a line in EXPECTATIONS"
    return
  fi
  local word
  set -f # an expectation word is never a glob
  for word in $expect; do
    case $word in
      exit=*) exit_code=${word#exit=} ;;
      id=*) id=${word#id=} ;;
      at=*) at=${word#at=} ;;
      target=*) target=${word#target=} ;;
      env=*) env_args+=("${word#env=}") ;;
      strict) flags+=(--strict) ;;
      payload) payload=yes ;;
      file=*) in=$corpus/${word#file=} ;;
      *)
        fail "$name" "unknown expectation word '$word'"
        return
        ;;
    esac
  done
  set +f
  if [ -z "$exit_code" ]; then
    fail "$name" "the expectation has no exit="
    return
  fi

  local out="$work/$name.out" kept="$work/$name.kept" err="$work/$name.err" problems=''
  rm -f "$out"
  printf 'existing output, keep me\n' >"$kept"
  local before status elapsed status2
  before=$(now_ms)
  env "${env_args[@]}" timeout 10 "$nodespec" compile "$file" --target "$target" -o "$out" "${flags[@]}" \
    </dev/null >/dev/null 2>"$err"
  status=$?
  elapsed=$(($(now_ms) - before))
  env "${env_args[@]}" timeout 10 "$nodespec" compile "$file" --target "$target" -o "$kept" "${flags[@]}" \
    </dev/null >/dev/null 2>/dev/null
  status2=$?

  [ "$status" = "$exit_code" ] || problems+="exit $status, expected $exit_code"$'\n'
  [ "$status2" = "$exit_code" ] || problems+="second run exit $status2, expected $exit_code"$'\n'
  ((elapsed < limit_ms)) || problems+="took ${elapsed} ms (limit ${limit_ms} ms)"$'\n'
  # Diagnostics are bounded too: 100 of them, each excerpt a window around its caret.
  local printed
  printed=$(wc -c <"$err")
  ((printed <= 100000)) || problems+="printed $printed bytes of diagnostics (limit 100000)"$'\n'
  local pattern=''
  if [ -n "$id" ]; then
    # Case file names are [A-Za-z0-9._-] only, so escaping the dots makes them a pattern.
    pattern="^${in//./\\.}"
    case $at in
      -) pattern+=': ' ;;
      '') pattern+=':[0-9]+:[0-9]+: ' ;;
      *) pattern+=":$at: " ;;
    esac
    pattern+="(error|warning): .*\\[$id\\]\$"
    LC_ALL=C grep -a -q -E -- "$pattern" "$err" ||
      problems+="no [$id] diagnostic at ${at:-a position}"$'\n'
  fi
  if [ "$exit_code" = 0 ]; then
    [ -s "$out" ] || problems+="exit 0 but no output written"$'\n'
  else
    [ ! -e "$out" ] || problems+="a failed compile wrote $out"$'\n'
    [ "$(cat "$kept")" = 'existing output, keep me' ] ||
      problems+="a failed compile changed an existing output"$'\n'
  fi
  if [ -n "$(find "$work" -name '.*nodespec*' -print -quit)" ]; then
    problems+="a temporary file was left behind"$'\n'
    find "$work" -name '.*nodespec*' -delete
  fi

  # One verdict everywhere: `validate` and every target accept and refuse alike, with the
  # same diagnostic.
  local other verdict
  for other in validate shell cloud-init ansible; do
    [ "$other" = "$target" ] && continue
    if [ "$other" = validate ]; then
      env "${env_args[@]}" timeout 10 "$nodespec" validate "$file" "${flags[@]}" \
        </dev/null >/dev/null 2>"$err.$other"
    else
      env "${env_args[@]}" timeout 10 "$nodespec" compile "$file" --target "$other" \
        "${flags[@]}" </dev/null >/dev/null 2>"$err.$other"
    fi
    verdict=$?
    [ "$verdict" = "$exit_code" ] || problems+="$other: exit $verdict, expected $exit_code"$'\n'
    if [ -n "$id" ] && ! LC_ALL=C grep -a -q -E -- "$pattern" "$err.$other"; then
      problems+="$other: no [$id] diagnostic at ${at:-a position}"$'\n'
    fi
  done

  if [ "$payload" = yes ] && [ -z "$problems" ]; then
    problems+=$(check_payload "$file" "$work/$name" "${env_args[@]}")
  fi

  if [ -z "$problems" ]; then
    ok "$name (exit $status${id:+, [$id]${at:+ at $at}}, ${elapsed} ms)"
  else
    fail "$name" "${problems%$'\n'}"$'\n'"stderr:"$'\n'"$(head -c 2000 "$err")"
  fi
}

python=${NODESPEC_VENV:-.venv}/bin/python
[ -x "$python" ] || python=python3

# check_payload SPEC PREFIX [NAME=VALUE...]: prints what is wrong, nothing when all is well.
check_payload() {
  local spec=$1 prefix=$2 target ext
  shift 2
  for target in shell cloud-init ansible; do
    case $target in shell) ext="sh" ;; cloud-init) ext=yaml ;; ansible) ext=yml ;; esac
    env "$@" "$nodespec" compile "$spec" --target "$target" -o "$prefix.$ext" 2>&1 ||
      echo "$target: does not compile"
  done
  shellcheck -S style "$prefix.sh" || echo "shellcheck fails"
  bash -n "$prefix.sh" || echo "bash -n fails"
  env "$@" "$python" IntegrationTests/check_payloads.py "$spec" "$prefix.sh" "$prefix.yaml" "$prefix.yml"
  "$python" IntegrationTests/check_outputs.py "$spec" "$prefix.yaml" "$prefix.yml"
}

shopt -s nullglob
for file in "$corpus"/*; do
  case $(basename "$file") in
    EXPECTATIONS | README.md) continue ;;
  esac
  [ -d "$file" ] && continue # bases of the extends cases
  run_case "$file"
done

finish
