#!/usr/bin/env bash
# Rootless mode's root-side prerequisites, applied for real by each target's engine (bash,
# cloud-init, ansible-playbook) in a throwaway overlay root without systemd: the account and
# home check, sub-ID allocation that overlaps no other account's range, linger, the
# user-owned ~/.config files, the skipped user steps, and a second run that changes nothing.
# Then the attack: a user who made ~/.config a symlink to a folder of root's must not get
# that folder: the run fails naming the path, and the folder's owner, mode and content stay.
#
#   IntegrationTests/system/rootless.sh [--target shell|cloud-init|ansible]...   (as root;
#                                                    NODESPEC=path/to/nodespec)
#
# No network: the nerdctl-full bundle is "already installed" (its stamp and the files it
# provides are put in place first), so the artifact step is skipped as on a re-run.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD
SYSTEM_TESTS=$PWD/IntegrationTests/system
COMPILER=${NODESPEC:-.build/debug/nodespec}
NODESPEC_VENV=${NODESPEC_VENV:-$REPO/.venv}
export REPO SYSTEM_TESTS COMPILER NODESPEC_VENV

targets=()
while (($# > 0)); do
  case $1 in
    --target) targets+=("$2"); shift 2 ;;
    *) echo "usage: $0 [--target shell|cloud-init|ansible]..." >&2; exit 64 ;;
  esac
done
((${#targets[@]} > 0)) || targets=(shell cloud-init ansible)

if ((EUID != 0)); then
  echo "rootless.sh: skipped, needs root" >&2
  echo "0 passed, 0 failed, ${#targets[@]} skipped"
  exit 0
fi

work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
[ -z "${KEEP:-}" ] || echo "rootless.sh: logs kept in $work"
# builder's spec as in the example; mallory's is the same for another account (the attacker).
sed 's/builder/mallory/g' examples/rootless.yaml >"$work/mallory.yaml"
for target in "${targets[@]}"; do
  case $target in shell) ext="sh" ;; cloud-init) ext=yaml ;; ansible) ext=yml ;; esac
  "$COMPILER" compile --strict examples/rootless.yaml --target "$target" \
    -o "$work/builder.$target.$ext" || exit 1
  "$COMPILER" compile --strict "$work/mallory.yaml" --target "$target" \
    -o "$work/mallory.$target.$ext" || exit 1
done

passes=0 failures=0
for target in "${targets[@]}"; do
  case $target in shell) ext="sh" ;; cloud-init) ext=yaml ;; ansible) ext=yml ;; esac
  # Each target in its own mount, network and PID namespace, like every system test case.
  unshare --mount --net --pid --fork --kill-child bash -s -- "$work" "$target" "$ext" \
    >"$work/$target.report" 2>&1 <<'CASE'
set -uo pipefail
work=$1 target=$2 ext=$3
CASE_DIR=$work/$target
mkdir -p "$CASE_DIR"
for lib in sandbox engines; do
  # shellcheck source=/dev/null
  source "$SYSTEM_TESTS/lib/$lib.sh"
done
passes=0 failures=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then
    echo "ok    $target: $1"
    passes=$((passes + 1))
  else
    echo "FAIL  $target: $1"
    failures=$((failures + 1))
  fi
}
sandbox_up "$work/sandbox-$target" --no-systemd >/dev/null || exit 1
trap sandbox_down EXIT
root=$SB_ROOT

# Two accounts with ranges already (other's is the highest), builder with none, and mallory.
mkdir -p "$root/usr/local/bin"
sb_chroot useradd -m -U -s /bin/sh builder
sb_chroot useradd -M -U alice
sb_chroot useradd -M -U other
sb_chroot useradd -m -U -s /bin/sh mallory
printf 'alice:100000:65536\nother:300000:65536\n' >"$root/etc/subuid"
printf 'alice:100000:65536\n' >"$root/etc/subgid"

# The distro packages, as if installed (the sandbox has no network): a dpkg status entry for
# each one the host lacks, which dpkg-query (shell) and python-apt (Ansible) both read.
for package in uidmap dbus-user-session; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    printf '%s\n' "Package: $package" 'Status: install ok installed' 'Priority: optional' \
      'Section: admin' 'Installed-Size: 1' 'Maintainer: nodespec tests <none@example.com>' \
      'Architecture: amd64' 'Version: 1:0-stand-in' \
      'Description: stand-in for the rootless system test' '' >>"$root/var/lib/dpkg/status"
  fi
done

# A fresh package index, as Ansible's apt judges it (cache_valid_time), so that it does not try
# to refresh one without a network.
mkdir -p "$root/var/lib/apt/periodic"
touch "$root/var/lib/apt/periodic/update-success-stamp"

# The bundle, as if installed by an earlier run: the stamp holds its URL and pinned sha256
# (read from the shell output, which all targets share).
url=$("$COMPILER" compile "$REPO/examples/rootless.yaml" --target shell |
  sed -n "s/^  --url '\(.*nerdctl-full.*\)' \\\\$/\1/p")
sha=$("$COMPILER" compile "$REPO/examples/rootless.yaml" --target shell |
  sed -n "s/^  --sha256 '\([0-9a-f]*\)' \\\\$/\1/p" | head -1)
mkdir -p "$root/var/lib/nodespec/artifacts" "$root/usr/local/lib/systemd/system"
printf '%s sha256:%s\n' "$url" "$sha" >"$root/var/lib/nodespec/artifacts/nerdctl-full.archive.stamp"
for f in bin/containerd bin/runc bin/buildkitd bin/nerdctl lib/systemd/system/containerd.service \
  lib/systemd/system/buildkit.service; do
  : >"$root/usr/local/$f"
done

# cloud-init's logs, as a booted image has them (the engine measures them before each run).
touch "$root/var/log/cloud-init-output.log" "$root/var/log/cloud-init.log"

# What a run printed as changes: the shell's stdout; cloud-init's run of the same script;
# Ansible's recap.
changes() { # changes LOG
  case $target in
    ansible) [ "$(recap_changed)" != 0 ] ;;
    *) grep -q '^nodespec: \(created\|updated\|set\|ran\|installed\)' "$1" ;;
  esac
}

ns_apply "$target" "$work/builder.$target.$ext" "$CASE_DIR/first.log"
status=$?
check "first run succeeds" test "$status" = 0
[ "$status" = 0 ] || tail -15 "$CASE_DIR/first.log"
# After the highest range of any other account (cloud-init's default user may have one too).
after_the_others() { # after_the_others FILE
  awk -F: '$1 != "builder" && $2 + $3 > end { end = $2 + $3 }
    $1 == "builder" { start = $2; count = $3; n++ }
    END { exit !(n == 1 && count == 65536 && start >= end && end >= 165536) }' "$1"
}
check "builder gets 65536 sub-UIDs after every other range" after_the_others "$root/etc/subuid"
check "builder gets 65536 sub-GIDs after every other range" after_the_others "$root/etc/subgid"
check "other accounts' ranges are kept" grep -qx 'other:300000:65536' "$root/etc/subuid"
check "linger is enabled" test -e "$root/var/lib/systemd/linger/builder"
# Owners by name as the node sees them: stat inside the root.
hosts=/home/builder/.config/containerd/certs.d/docker.io/hosts.toml
check "hosts.toml is in builder's ~/.config" test -f "$root$hosts"
check "hosts.toml belongs to builder" test "$(sb_chroot stat -c %U:%G "$hosts")" = builder:builder
check "~/.config belongs to builder" \
  test "$(sb_chroot stat -c %U:%a /home/builder/.config)" = builder:700
check "nerdctl.toml points at builder's certs.d" grep -q \
  'hosts_dir = \["/home/builder/.config/containerd/certs.d"\]' \
  "$root/home/builder/.config/nerdctl/nerdctl.toml"
check "the steps needing systemd are skipped, saying so" \
  grep -q 'nodespec: systemd is not running: skipped' "$CASE_DIR/first.log"
check "the first run reports its changes" changes "$CASE_DIR/first.log"

ns_apply "$target" "$work/builder.$target.$ext" "$CASE_DIR/second.log"
status=$?
check "second run succeeds" test "$status" = 0
check "second run changes nothing" eval '! changes "$CASE_DIR/second.log"'
check "second run allocates nothing more" test "$(grep -c '^builder:' "$root/etc/subuid")" = 1

# The attack: mallory's ~/.config is a symlink to a folder of root's.
mkdir -m 0751 "$root/srv/root-owned"
: >"$root/srv/root-owned/keep"
ln -s /srv/root-owned "$root/home/mallory/.config"
sb_chroot chown -h mallory:mallory /home/mallory/.config
before=$(stat -c '%U:%G %a' "$root/srv/root-owned")
ns_apply "$target" "$work/mallory.$target.$ext" "$CASE_DIR/attack.log"
status=$?
check "a planted ~/.config symlink stops the run" test "$status" != 0
# The failing step names the path: the script's error, or the failed Ansible task's name.
names_the_path() {
  case $target in
    ansible) awk '/^TASK \[/ { task = $0 } /^fatal:/ { print task; exit }' "$CASE_DIR/attack.log" |
      grep -q 'Create directory /home/mallory/.config\]' ;;
    *) grep -q 'nodespec: /home/mallory/.config belongs to another account' "$CASE_DIR/attack.log" ;;
  esac
}
check "and the failing step names the path" names_the_path
check "the folder it points at keeps its owner and mode" \
  test "$(stat -c '%U:%G %a' "$root/srv/root-owned")" = "$before"
check "and gets nothing written into it" \
  test "$(find "$root/srv/root-owned" -mindepth 1 | wc -l)" = 1

if [ "$target" = shell ]; then
  # A missing account stops the run, naming it.
  sed 's/builder/nobody-here/g' "$work/builder.shell.sh" >"$work/missing.sh"
  ns_apply shell "$work/missing.sh" "$CASE_DIR/missing.log"
  check "a missing user stops the run" test "$?" != 0
  check "and names the user" grep -q 'nodespec: user nobody-here does not exist' \
    "$CASE_DIR/missing.log"
  # A home the passwd database does not give the account stops the run, naming both.
  sb_chroot usermod -d /srv/elsewhere builder
  ns_apply shell "$work/builder.shell.sh" "$CASE_DIR/home.log"
  check "a home other than the passwd entry's stops the run" test "$?" != 0
  check "and names both" grep -q \
    'the passwd database gives builder the home /srv/elsewhere, the spec /home/builder' \
    "$CASE_DIR/home.log"
fi

echo "$passes passed, $failures failed"
exit $((failures > 0))
CASE
  cat "$work/$target.report"
  counts=$(tail -1 "$work/$target.report")
  if [[ $counts =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passes=$((passes + BASH_REMATCH[1]))
    failures=$((failures + BASH_REMATCH[2]))
  else
    echo "FAIL  $target: the case did not finish"
    failures=$((failures + 1))
  fi
done

echo "$passes passed, $failures failed"
exit $((failures > 0))
