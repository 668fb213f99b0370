#!/bin/bash
# One system-test case, run by run.sh inside fresh mount, network and PID namespaces:
#   case.sh <case> <target> <case-dir>
# Sets up the sandbox, the release mirror and the registry, runs case_<case> from cases.sh,
# and always tears everything down again (by PID, every mount undone), also on failure.
set -u
SYSTEM_TESTS=${SYSTEM_TESTS:?} WORK=${WORK:?} RESULTS_DIR=${RESULTS_DIR:?} COMPILER=${COMPILER:?}
export SYSTEM_TESTS WORK
CASE=$1 TARGET=$2 CASE_DIR=$3
for lib in sandbox mirror registry packages engines checks cases converge; do
  # shellcheck source=/dev/null
  source "$SYSTEM_TESTS/lib/$lib.sh"
done

teardown() {
  # Keep the stand-in's call log, spawn log and service output for reading after the run.
  if [[ -n $SB_ROOT && -d $SB_ROOT/run/standin ]]; then
    mkdir -p "$CASE_DIR/standin"
    cp "$SB_ROOT"/run/standin/*.log "$CASE_DIR/standin/" 2>/dev/null
  fi
  mirror_stop
  registry_stop
  registry2_stop
  registry_tls_stop
  registry_auth_stop
  sandbox_down
}
trap teardown EXIT
trap 'exit 130' INT TERM

mkdir -p "$CASE_DIR"
: >"$CASE_DIR/results"
flag=""
# packages: containerd is installed but not started (its version-3 config.toml, which
# `kubernetes` writes, is not one Debian's containerd 1.6 reads; see docs/testing.md).
[[ $CASE == nosystemd || $CASE == packages ]] && flag=--no-systemd
if ! sandbox_up "$WORK/sandboxes/$CASE-$TARGET" $flag >"$CASE_DIR/setup.log" 2>&1 ||
  ! mirror_start "$CASE_DIR" >>"$CASE_DIR/setup.log" 2>&1 ||
  ! registry_start "$CASE_DIR" >>"$CASE_DIR/setup.log" 2>&1; then
  fail "$TARGET/$CASE: setup" "$(tail -3 "$CASE_DIR/setup.log" | tr '\n' ' ')"
  exit 1
fi
"case_$CASE" "$TARGET"
