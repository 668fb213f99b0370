#!/bin/bash
# nodespec system tests: apply each generated output with its real engine (bash, cloud-init,
# ansible-playbook) in a throwaway root and check the node that results. See docs/testing.md.
#
#   IntegrationTests/system/run.sh                      every case for every target
#   IntegrationTests/system/run.sh --target shell       one target (repeatable)
#   IntegrationTests/system/run.sh --case faults        one kind of case (repeatable): apply, faults,
#                                            nosystemd, published, redirect, quoting, large,
#                                            packages, tls, operations, fleet, auth, images,
#                                            converge, check, components, runtimes,
#                                            kata, crossover
#
# Environment: NODESPEC (compiler binary; default .build/debug/nodespec, built if missing),
# NODESPEC_VENV (ansible venv, default .venv in the repository), CASE_TIMEOUT (seconds per case, default 300), JOBS (cases run side by
# side, default 2).
#
# Prints every failed or skipped check and a summary per case (all PASS lines are in
# .work/last-run/<case>-<target>/results), and ends with exactly "N passed, M failed"
# (", K skipped" when any were skipped); exits non-zero on any failure.
set -u
SYSTEM_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SYSTEM_TESTS/../.." && pwd)
WORK=$SYSTEM_TESTS/.work
export SYSTEM_TESTS WORK
NODESPEC_VENV=$(readlink -f "${NODESPEC_VENV:-$REPO/.venv}")
export NODESPEC_VENV
ALL_TARGETS=(shell cloud-init ansible)
ALL_CASES=(apply faults nosystemd published redirect quoting large packages tls operations fleet
  auth images converge check components runtimes kata crossover)
TARGETS=()
CASES=()
while (($#)); do
  case $1 in
    --target) TARGETS+=("$2"); shift 2 ;;
    --case) CASES+=("$2"); shift 2 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done
((${#TARGETS[@]})) || TARGETS=("${ALL_TARGETS[@]}")
((${#CASES[@]})) || CASES=("${ALL_CASES[@]}")
for t in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || { echo "run.sh: unknown target $t (${ALL_TARGETS[*]})" >&2; exit 64; }
done
for c in "${CASES[@]}"; do
  [[ " ${ALL_CASES[*]} " == *" $c "* ]] || { echo "run.sh: unknown case $c (${ALL_CASES[*]})" >&2; exit 64; }
done

SELECTED=()
for c in "${CASES[@]}"; do for t in "${TARGETS[@]}"; do SELECTED+=("$c:$t"); done; done
want_equivalence=no
if [[ " ${CASES[*]} " =~ \ (apply|quoting|large)\  ]] && ((${#TARGETS[@]} > 1)); then
  want_equivalence=yes
fi
n_selected=${#SELECTED[@]}
[[ $want_equivalence == yes ]] && n_selected=$((n_selected + 1))

# Skipped where the machine cannot run them; in CI (CI=true, as root, after scripts/setup-tests)
# a missing piece is a failure, so that a broken setup cannot pass as "skipped".
skip_all() {
  if [[ ${CI:-} == true && $(id -u) == 0 ]]; then
    echo "FAIL system tests cannot run in CI: $*"
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "SKIP system tests: $*"
  echo "0 passed, 0 failed, $n_selected skipped"
  exit 0
}

# --- can this machine run them at all?
[[ $(id -u) == 0 ]] || skip_all "they need root (mount, unshare, chroot); run: sudo $0"
for tool in unshare chroot mount ip tar gzip sha256sum python3 umoci skopeo docker-registry \
  cloud-init ctr containerd runc; do
  command -v "$tool" >/dev/null || skip_all "$tool is not installed"
done
grep -qw overlay /proc/filesystems || skip_all "the kernel has no overlayfs"
unshare --mount --net --pid --fork true 2>/dev/null || skip_all "cannot create namespaces here"
[[ -x ${NODESPEC_VENV:-$REPO/.venv}/bin/ansible-playbook ]] ||
  skip_all "no ansible-playbook in ${NODESPEC_VENV:-$REPO/.venv} (set NODESPEC_VENV)"

# --- which compiler, per target
# The real CLI. A target it cannot compile fails that target's cases.
probe_compiler() { # probe_compiler <binary> <target>: does it compile this target?
  local spec=$WORK/probe.yaml
  printf 'nodespec: 1\narch: amd64\ncomponents:\n  containerd: 2.0.0\n' >"$spec"
  "$1" compile "$spec" --target "$2" >"$WORK/probe-$2.out" 2>"$WORK/probe-$2.err"
}
mkdir -p "$WORK"
declare -A COMPILER_FOR=() COMPILER_ERROR=()
bin=${NODESPEC:-$REPO/.build/debug/nodespec}
if [[ ! -x $bin && -z ${NODESPEC:-} ]]; then
  echo "building nodespec (swift build) ..."
  (cd "$REPO" && swift build --product nodespec >"$WORK/swift-build.log" 2>&1) ||
    echo "swift build failed, see $WORK/swift-build.log"
fi
for t in "${TARGETS[@]}"; do
  if [[ -x $bin ]] && probe_compiler "$bin" "$t"; then
    COMPILER_FOR[$t]=$bin
  else
    COMPILER_FOR[$t]=none
    COMPILER_ERROR[$t]=$(grep -m1 'error' "$WORK/probe-$t.err" 2>/dev/null || echo "no usable $bin")
  fi
done
echo "compiler: $bin"

# --- fixtures, once per run
# shellcheck source=lib/mirror.sh
source "$SYSTEM_TESTS/lib/mirror.sh"
# shellcheck source=lib/registry.sh
source "$SYSTEM_TESTS/lib/registry.sh"
mirror_build || { echo "0 passed, 1 failed"; exit 1; }
registry_build || { echo "0 passed, 1 failed"; exit 1; }
# shellcheck source=lib/packages.sh
source "$SYSTEM_TESTS/lib/packages.sh"
# Only the packages case needs it; without it that case fails at its setup, naming why.
if [[ " ${CASES[*]} " == *" packages "* ]]; then debs_build; fi
if [[ " ${CASES[*]} " == *" images "* ]]; then preload_build || { echo "0 passed, 1 failed"; exit 1; }; fi
if [[ " ${CASES[*]} " == *" runtimes "* || " ${CASES[*]} " == *" kata "* ]]; then
  mirror_runtimes || { echo "0 passed, 1 failed"; exit 1; }
fi
if [[ " ${CASES[*]} " == *" kata "* ]]; then mirror_kata || { echo "0 passed, 1 failed"; exit 1; }; fi

RESULTS_DIR=$WORK/last-run
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"
export RESULTS_DIR
passed=0 failed=0 skipped=0
tally() { # tally <results-file>
  local line
  while read -r line; do
    case $line in
      PASS*) passed=$((passed + 1)) ;;
      FAIL*) failed=$((failed + 1)) ;;
      SKIP*) skipped=$((skipped + 1)) ;;
    esac
  done <"$1"
}

# One case in its own namespaces; its exit status and duration land in its folder.
run_case() { # run_case <case> <target> <dir>
  local begin=$SECONDS rc=0
  if [[ ${COMPILER_FOR[$2]} == none ]]; then
    echo "FAIL $2/$1: nodespec cannot compile --target $2: ${COMPILER_ERROR[$2]}" |
      tee "$3/results" >"$3/case.log"
    echo 1 >"$3/exit"
    echo 0 >"$3/seconds"
    return
  fi
  # converge applies the output eight times, Ansible's apply case five times with a
  # manifest pass each: with Ansible those take longer than the others.
  local limit=${CASE_TIMEOUT:-300}
  [[ -z ${CASE_TIMEOUT:-} && $1 == converge ]] && limit=900
  # components applies four times; with Ansible, six applies took 808 s on a loaded machine.
  [[ -z ${CASE_TIMEOUT:-} && $1 == components ]] && limit=1200
  [[ -z ${CASE_TIMEOUT:-} && $1 == apply && $2 == ansible ]] && limit=600
  # crossover applies three times, with Ansible as one of two engines for two targets.
  [[ -z ${CASE_TIMEOUT:-} && $1 == crossover ]] && limit=600
  # kata applies four times and uninstalls; with Ansible, three applies took 300 s loaded.
  [[ -z ${CASE_TIMEOUT:-} && $1 == kata ]] && limit=900
  COMPILER=${COMPILER_FOR[$2]} timeout --kill-after=10 "$limit" \
    unshare --mount --net --pid --fork --kill-child --mount-proc \
    "$SYSTEM_TESTS/lib/case.sh" "$1" "$2" "$3" >"$3/case.log" 2>&1 || rc=$?
  echo "$rc" >"$3/exit"
  echo "$((SECONDS - begin))" >"$3/seconds"
}

report_case() { # report_case <case> <target> <dir>
  local c=$1 t=$2 dir=$3 rc
  rc=$(cat "$dir/exit" 2>/dev/null || echo 1)
  echo "--- $c ($t)"
  # failures, skips, and the detail lines a failing check prints (indented) before them
  grep -E '^(PASS|FAIL|SKIP) |^  ' "$dir/case.log" | grep -v '^PASS ' || true
  touch "$dir/results"
  if ((rc != 0)) && ! grep -q '^FAIL' "$dir/results"; then
    echo "FAIL $t/$c: the case itself failed (exit $rc$( ((rc == 124)) && echo ', timed out')); see $dir/case.log" |
      tee -a "$dir/results"
  fi
  tally "$dir/results"
  echo "    $(grep -c '^PASS' "$dir/results") passed, $(grep -c '^FAIL' "$dir/results") failed in $(cat "$dir/seconds")s; logs: $dir"
}

# Cases share nothing (own namespaces, own sandbox, own ports), so they may run side by side;
# results are printed in order once all are done. JOBS=1 runs and prints one at a time.
JOBS=${JOBS:-2}
run_start=$SECONDS
running=0
# Longest first, so the slow Ansible cases do not end up alone at the tail of the run.
ORDER=()
for t in ansible cloud-init shell; do
  for sel in "${SELECTED[@]}"; do [[ ${sel#*:} == "$t" ]] && ORDER+=("$sel"); done
done
((JOBS > 1)) || ORDER=("${SELECTED[@]}")
for sel in "${ORDER[@]}"; do
  c=${sel%%:*} t=${sel#*:}
  mkdir -p "$RESULTS_DIR/$c-$t"
  if ((JOBS <= 1)); then
    run_case "$c" "$t" "$RESULTS_DIR/$c-$t"
    report_case "$c" "$t" "$RESULTS_DIR/$c-$t"
    continue
  fi
  while ((running >= JOBS)); do
    wait -n
    running=$((running - 1))
  done
  echo "... $c ($t)"
  run_case "$c" "$t" "$RESULTS_DIR/$c-$t" &
  running=$((running + 1))
done
if ((JOBS > 1)); then
  wait
  for sel in "${SELECTED[@]}"; do
    report_case "${sel%%:*}" "${sel#*:}" "$RESULTS_DIR/${sel%%:*}-${sel#*:}"
  done
fi

if [[ $want_equivalence == yes ]]; then
  # Only targets the compiler could compile are comparable.
  real=() ok=yes
  for t in "${TARGETS[@]}"; do [[ ${COMPILER_FOR[$t]} == "$bin" ]] && real+=("$t"); done
  group=()
  if ((${#real[@]} >= 2)); then group=("${real[@]}"); fi
  echo "--- equivalence (${group[*]:-nothing comparable})"
  if ((${#group[@]} < 2)); then
    echo "SKIP equivalence: fewer than two targets compiled by $bin (${real[*]:-none})"
    skipped=$((skipped + 1))
  else
    base=${group[0]}
    # Every case that saved manifests (apply always; quoting when it ran with the real compiler).
    for c in apply quoting large; do
      [[ " ${CASES[*]} " == *" $c "* ]] || continue
      [[ $c == apply ]] || ls "$RESULTS_DIR"/manifest-$c-* >/dev/null 2>&1 || continue
      for t in "${group[@]:1}"; do
        a=$RESULTS_DIR/manifest-$c-$base b=$RESULTS_DIR/manifest-$c-$t
        if [[ ! -s $a || ! -s $b ]]; then
          ok=no
          [[ -s $a ]] || echo "    no $c manifest from $base (its case failed early)"
          [[ -s $b ]] || echo "    no $c manifest from $t (its case failed early)"
        elif ! diff -u --label "$base" --label "$t" "$a" "$b" >"$RESULTS_DIR/equivalence-$c-$t.diff"; then
          ok=no
          echo "    $c: $base and $t leave different files under the managed paths:"
          grep '^[-+][^-+]' "$RESULTS_DIR/equivalence-$c-$t.diff" | sed 's/^/      /'
        fi
      done
    done
    if [[ $ok == yes ]]; then
      echo "PASS equivalence: ${group[*]} leave the same files (path, type, mode, owner, bytes)"
      passed=$((passed + 1))
    else
      echo "FAIL equivalence: see above"
      failed=$((failed + 1))
    fi
    for t in "${TARGETS[@]}"; do
      [[ " ${group[*]} " == *" $t "* ]] || echo "    (not compared: $t, not compiled by $bin)"
    done
  fi
fi

echo "time: $((SECONDS - run_start))s for ${#SELECTED[@]} cases"
summary="$passed passed, $failed failed"
((skipped)) && summary+=", $skipped skipped"
echo "$summary"
((failed == 0))
