#!/bin/bash
# Hostile values, applied: a spec whose every free-text field that reaches an output (mirror
# URL, header names and values, a header from the environment, a header from a node file, its
# path, CA and client paths) carries shell, quote, Jinja, YAML and TOML syntax, compiled by
# the real nodespec and applied by each real engine (bash, cloud-init, ansible-playbook) in the
# sandbox of the system tests. It proves that
#   - no payload runs: no `pwned-*` marker file appears anywhere in the sandbox or on the host;
#   - hosts.toml reads back (tomllib) with every value exactly as the spec (or the node file,
#     or the environment) had it, and is mode 0600, since it holds secrets;
#   - nothing outside the managed paths and the engine's own bookkeeping changes (a listing
#     of the overlay's upper layer before and after);
#   - the node-file and environment secrets appear in no log, even under `bash -x` and
#     `ansible-playbook -vv`.
#
#   sudo IntegrationTests/system/injection.sh [--target shell|cloud-init|ansible]...
#
# Reuses IntegrationTests/system/lib (sandbox, mirror, registry, engines, checks). Ends with exactly
# "N passed, M failed" (", K skipped"); without root or namespaces it skips, as run.sh does.
set -u
SYSTEM_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SYSTEM_TESTS/../.." && pwd)
WORK=$SYSTEM_TESTS/.work
export SYSTEM_TESTS WORK

# The secrets: their text must never show in a log. Single-line (a header value is).
ENV_SECRET="Bearer env-s3cr3t \$(touch /tmp/pwned-env) {{ lookup('pipe','touch /tmp/pwned-envj') }} '; touch /tmp/pwned-envq; '"
FILE_SECRET_WORD=file-s3cr3t
export NODESPEC_INJECTION_TOKEN=$ENV_SECRET

# --- inside the namespaces: one target in one sandbox (what lib/case.sh does for run.sh)
if [[ ${1:-} == --inner ]]; then
  TARGET=$2 CASE_DIR=$3 CASE=injection
  RESULTS_DIR=${RESULTS_DIR:?} COMPILER=${COMPILER:?}
  for lib in sandbox mirror registry engines checks cases; do
    # shellcheck source=/dev/null
    source "$SYSTEM_TESTS/lib/$lib.sh"
  done
  # shellcheck disable=SC2317 # run by the EXIT trap
  teardown() {
    mirror_stop
    registry_stop
    registry2_stop
    sandbox_down
  }
  trap teardown EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$CASE_DIR"
  : >"$CASE_DIR/results"
  if ! sandbox_up "$WORK/sandboxes/$CASE-$TARGET" >"$CASE_DIR/setup.log" 2>&1 ||
    ! mirror_start "$CASE_DIR" >>"$CASE_DIR/setup.log" 2>&1 ||
    ! registry_start "$CASE_DIR" >>"$CASE_DIR/setup.log" 2>&1; then
    fail "$TARGET/$CASE: setup" "$(tail -3 "$CASE_DIR/setup.log" | tr '\n' ' ')"
    exit 1
  fi

  t=$TARGET
  fixtures=/etc/nodespec-injection
  secret_path="$fixtures/token \$(touch /tmp/pwned-fp) {{ lookup('pipe','touch /tmp/pwned-fj') }} '; touch /tmp/pwned-fq; '"
  mkdir -p "$(dirname "$SB_ROOT$secret_path")"
  # shellcheck disable=SC2016 # the payload must reach the file unexpanded
  printf 'Basic "%s" \\ $(touch /tmp/pwned-fc) {{ lookup('"'pipe','touch /tmp/pwned-fcj'"') }}\t`touch /tmp/pwned-fcb`\n' \
    "$FILE_SECRET_WORD" >"$SB_ROOT$secret_path"
  chmod 0600 "$SB_ROOT$secret_path"

  write_spec "$CASE_DIR/spec.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  python3 - "$CASE_DIR/spec.yaml" "$REGISTRY_URL" "$secret_path" <<'PY'
import sys, yaml
path, registry, secret_path = sys.argv[1:]
spec = yaml.safe_load(open(path))
payload = ("$(touch /tmp/pwned-shell) `touch /tmp/pwned-bt` "
           "{{ lookup('pipe','touch /tmp/pwned-jinja') }} '; touch /tmp/pwned-q; ' "
           "{% raw %}{# c #} \" \\ \\n ]] [x] = \"y\" ${HOME} %h &a *b !t # c: d")
spec["registries"]["docker.io"]["mirrors"] = [
    {
        "url": registry,
        "ca": "/etc/nodespec-injection/ca $(touch /tmp/pwned-ca) '; touch /tmp/pwned-caq; '.pem",
        "client": [["/etc/nodespec-injection/`touch /tmp/pwned-cert`.pem",
                    "/etc/nodespec-injection/{{ lookup('pipe','touch /tmp/pwned-key') }}.key"]],
        "header": {
            "X-Payload": payload,
            "X-`touch`'$x|y~^!#*+.": ["one", payload],
            "Authorization": {"env": "NODESPEC_INJECTION_TOKEN"},
            "X-From-File": {"file": secret_path},
        },
    },
    "http://127.0.0.1:5001/$(touch${IFS}/tmp/pwned-url)/{{x}}/a;b&c|d",
]
yaml.safe_dump(spec, open(path, "w"), sort_keys=False, allow_unicode=True)
PY

  # The fixtures' own names hold payloads too: not a sign that anything ran.
  marker_sweep() {
    find "$SB_DIR/upper" "$SB_ROOT/tmp" "$SB_ROOT/run" "$SB_ROOT/root" /tmp -maxdepth 6 \
      -path "*$fixtures" -prune -o -name '*pwned-*' -print 2>/dev/null | tr '\n' ' '
  }
  # Every path of the upper layer with its size, mode and mtime: what a run created or changed.
  upper_listing() {
    (cd "$SB_DIR/upper" && find . -mindepth 1 -printf '%p %y %m %s %T@\n') | sort
  }
  # Paths an apply may touch: the managed paths, nodespec's bookkeeping, the harness's copy
  # of the output, and each engine's own state and logs.
  allowed='^\./(usr/local|etc/containerd|opt/cni|var/lib/nodespec|etc/systemd/system'
  allowed+='|root/nodespec-test|var/lib/containerd'
  # containerd itself, once started, makes its opt plugin's folders and the CNI config folder.
  allowed+='|opt/containerd|etc/cni/net\.d'
  case $t in
    # cloud-init's own boot modules: the default user, host keys, hostname, debconf.
    cloud-init)
      allowed+='|var/lib/cloud|var/log/cloud-init[^ ]*|etc/cloud/cloud\.cfg\.d/90-nodespec[^ ]*'
      allowed+='|etc/(passwd|group|shadow|gshadow|subuid|subgid)-?|etc/\.pwd\.lock|etc/sudoers'
      allowed+='|etc/sudoers\.d|etc/ssh|etc/hostname|home|root/\.ssh|var/cache/debconf'
      ;;
    ansible) allowed+='|root/\.ansible' ;;
  esac
  allowed+=')(/|$| )'
  # The folders above the managed paths change their mtime when something is created inside.
  parents='^\./(usr|etc|opt|var|var/lib|var/log|var/cache|root|etc/cloud|etc/cloud/cloud.cfg.d'
  parents+='|etc/systemd|etc/cni) d '

  before_host=$(find /tmp -maxdepth 6 -name '*pwned-*' 2>/dev/null | tr '\n' ' ')
  upper_listing >"$CASE_DIR/upper-before"
  step 1 "$t" "$CASE_DIR/spec.yaml"
  check "$t/injection: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  found=$(marker_sweep)
  check "$t/injection: no payload ran" "found: $found (host before: ${before_host:-none})" \
    test -z "$found" -o "$found" = "$before_host"
  upper_listing >"$CASE_DIR/upper-after"
  comm -13 "$CASE_DIR/upper-before" "$CASE_DIR/upper-after" | grep -Ev "$allowed" |
    grep -Ev "$parents" >"$CASE_DIR/outside" || true
  check "$t/injection: nothing outside the managed paths changed" \
    "$(head -c 600 "$CASE_DIR/outside")" test ! -s "$CASE_DIR/outside"
  hosts=$SB_ROOT/etc/containerd/certs.d/docker.io/hosts.toml
  check "$t/injection: hosts.toml holding secrets is 0600" "mode $(stat -c %a "$hosts" 2>&1)" \
    test "$(stat -c %a "$hosts" 2>/dev/null)" = 600
  check "$t/injection: hosts.toml holds every value exactly" "see above" \
    python3 - "$CASE_DIR/spec.yaml" "$hosts" "$SB_ROOT$secret_path" <<'PY'
import os, sys, tomllib, yaml
spec_path, hosts_path, secret_file = sys.argv[1:]
spec = yaml.safe_load(open(spec_path))
mirrors = spec["registries"]["docker.io"]["mirrors"]
hosts = tomllib.load(open(hosts_path, "rb"))["host"]
problems = []
def same(what, want, got):
    if isinstance(got, list) and len(got) == 1 and not isinstance(want, list):
        got = got[0]
    if want != got:
        problems.append(f"  {what}: want {want!r}\n  {' ' * len(what)}  got  {got!r}")
first = hosts.get(mirrors[0]["url"], {})
same("ca", mirrors[0]["ca"], first.get("ca"))
same("client", mirrors[0]["client"], first.get("client"))
header = first.get("header", {})
for name, value in mirrors[0]["header"].items():
    if isinstance(value, dict) and "env" in value:
        value = os.environ[value["env"]]
    elif isinstance(value, dict) and "file" in value:
        value = open(secret_file).read().removesuffix("\n")
    same(f"header {name}", value, header.get(name))
if mirrors[1] not in hosts:
    problems.append(f"  mirror {mirrors[1]!r} missing; hosts: {list(hosts)!r}")
print("\n".join(problems), file=sys.stderr)
sys.exit(1 if problems else 0)
PY

  # Again, traced: bash -x, ansible-playbook -vv; cloud-init logs everything it runs.
  case $t in
    shell) sb_chroot /bin/bash -x /root/nodespec-test/out.sh >"$CASE_DIR/apply2.log" 2>&1 ;;
    ansible)
      sb_chroot ANSIBLE_NOCOLOR=1 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
        ANSIBLE_LOCALHOST_WARNING=0 "$NODESPEC_VENV/bin/ansible-playbook" -vv -i localhost, \
        -c local /root/nodespec-test/out.yml >"$CASE_DIR/apply2.log" 2>&1
      ;;
    cloud-init) ns_apply "$t" "$CASE_DIR/out1.yaml" "$CASE_DIR/apply2.log" ;;
  esac
  check "$t/injection: a traced second run applies" "see $CASE_DIR/apply2.log" test $? = 0
  logs=("$CASE_DIR"/apply*.log*)
  [[ $t == cloud-init ]] && logs+=("$SB_ROOT"/var/log/cloud-init*.log)
  leaked=$(grep -l -F -e "$FILE_SECRET_WORD" -e "env-s3cr3t" "${logs[@]}" 2>/dev/null | tr '\n' ' ')
  check "$t/injection: no secret in any log (traced too)" "in: $leaked" test -z "$leaked"
  found=$(marker_sweep)
  check "$t/injection: still no payload ran" "found: $found" \
    test -z "$found" -o "$found" = "$before_host"
  exit 0
fi

# --- outside: checks, fixtures, one namespaced run per target
TARGETS=()
while (($#)); do
  case $1 in
    --target) TARGETS+=("$2"); shift 2 ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "injection.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done
((${#TARGETS[@]})) || TARGETS=(shell cloud-init ansible)
skip_all() {
  echo "SKIP injection system test: $*"
  echo "0 passed, 0 failed, ${#TARGETS[@]} skipped"
  exit 0
}
[[ $(id -u) == 0 ]] || skip_all "it needs root (mount, unshare, chroot); run: sudo $0"
for tool in unshare chroot mount ip tar python3 umoci skopeo docker-registry cloud-init; do
  command -v "$tool" >/dev/null || skip_all "$tool is not installed"
done
grep -qw overlay /proc/filesystems || skip_all "the kernel has no overlayfs"
unshare --mount --net --pid --fork true 2>/dev/null || skip_all "cannot create namespaces here"
[[ -x ${NODESPEC_VENV:-/work/main/.venv}/bin/ansible-playbook ]] ||
  skip_all "no ansible-playbook in ${NODESPEC_VENV:-/work/main/.venv} (set NODESPEC_VENV)"

COMPILER=${NODESPEC:-$REPO/.build/debug/nodespec}
[[ $COMPILER == /* ]] || COMPILER=$PWD/$COMPILER
if [[ ! -x $COMPILER ]]; then
  (cd "$REPO" && swift build --product nodespec >/dev/null 2>&1) || true
fi
[[ -x $COMPILER ]] || { echo "FAIL no compiler at $COMPILER"; echo "0 passed, 1 failed"; exit 1; }
export COMPILER

mkdir -p "$WORK"
# shellcheck source=lib/mirror.sh
source "$SYSTEM_TESTS/lib/mirror.sh"
# shellcheck source=lib/registry.sh
source "$SYSTEM_TESTS/lib/registry.sh"
mirror_build || { echo "0 passed, 1 failed"; exit 1; }
registry_build || { echo "0 passed, 1 failed"; exit 1; }

RESULTS_DIR=$WORK/last-injection
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"
export RESULTS_DIR
passed=0 failed=0
for t in "${TARGETS[@]}"; do
  dir=$RESULTS_DIR/injection-$t
  mkdir -p "$dir"
  echo "--- injection ($t)"
  timeout --kill-after=10 "${CASE_TIMEOUT:-300}" \
    unshare --mount --net --pid --fork --kill-child --mount-proc \
    "$SYSTEM_TESTS/injection.sh" --inner "$t" "$dir" >"$dir/case.log" 2>&1
  rc=$?
  grep -E '^(FAIL|SKIP) |^  ' "$dir/case.log" || true
  touch "$dir/results"
  if ((rc != 0)) && ! grep -q '^FAIL' "$dir/results"; then
    echo "FAIL $t/injection: the case itself failed (exit $rc); see $dir/case.log" |
      tee -a "$dir/results"
  fi
  p=$(grep -c '^PASS' "$dir/results") f=$(grep -c '^FAIL' "$dir/results")
  passed=$((passed + p)) failed=$((failed + f))
  echo "    $p passed, $f failed; logs: $dir"
done
echo "$passed passed, $failed failed"
((failed == 0))
