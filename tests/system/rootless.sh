#!/usr/bin/env bash
# Rootless mode's root-side prerequisites, applied for real by the shell target in a throwaway
# overlay root without systemd: the account check, sub-ID allocation that overlaps no other
# account's range, linger, the user-owned ~/.config files, the skipped user steps, and a
# second run that changes nothing.
#
#   tests/system/rootless.sh          (as root; NODESPEC=path/to/nodespec)
#
# No network: the nerdctl-full bundle is "already installed" (its stamp and the files it
# provides are put in place first), so the artifact step is skipped as on a re-run.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
SYSTEM_TESTS=$PWD/tests/system
export SYSTEM_TESTS
nodespec=${NODESPEC:-.build/debug/nodespec}

if ((EUID != 0)); then
  echo "rootless.sh: skipped, needs root" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$nodespec" compile --strict examples/rootless.yaml --target shell -o "$work/apply.sh" || exit 1

# The rest runs in its own mount, network and PID namespace, like every system test case.
unshare --mount --net --pid --fork --kill-child bash -s -- "$work" <<'CASE'
set -uo pipefail
work=$1
# shellcheck source=tests/system/lib/sandbox.sh
source "$SYSTEM_TESTS/lib/sandbox.sh"
passes=0 failures=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then
    echo "ok    $1"
    passes=$((passes + 1))
  else
    echo "FAIL  $1"
    failures=$((failures + 1))
  fi
}
sandbox_up "$work/sandbox" --no-systemd >/dev/null || exit 1
trap sandbox_down EXIT
root=$SB_ROOT

# Two accounts with ranges already (other's is the highest), and builder with none.
mkdir -p "$root/usr/local/bin"
sb_chroot useradd -m -U builder
sb_chroot useradd -M -U alice
sb_chroot useradd -M -U other
printf 'alice:100000:65536\nother:300000:65536\n' >"$root/etc/subuid"
printf 'alice:100000:65536\n' >"$root/etc/subgid"

# The distro packages, as if installed (the sandbox has no network): dpkg-query answers for
# them, and for anything else asks the real one.
cat >"$root/usr/local/bin/dpkg-query" <<'STUB'
#!/bin/sh
for last; do :; done
case $last in
  uidmap | dbus-user-session) printf 'install ok installed' ;;
  *) exec /usr/bin/dpkg-query "$@" ;;
esac
STUB
chmod 755 "$root/usr/local/bin/dpkg-query"

# The bundle, as if installed by an earlier run.
url=$(sed -n "s/^  --url '\(.*nerdctl-full.*\)' \\\\$/\1/p" "$work/apply.sh")
sha=$(sed -n "s/^  --sha256 '\([0-9a-f]*\)' \\\\$/\1/p" "$work/apply.sh" | head -1)
mkdir -p "$root/var/lib/nodespec/artifacts" \
  "$root/usr/local/lib/systemd/system"
printf '%s sha256:%s\n' "$url" "$sha" >"$root/var/lib/nodespec/artifacts/nerdctl-full.archive.stamp"
for f in bin/containerd bin/runc bin/buildkitd bin/nerdctl lib/systemd/system/containerd.service \
  lib/systemd/system/buildkit.service; do
  : >"$root/usr/local/$f"
done

first_out=$(sb_chroot bash -s <"$work/apply.sh" 2>"$work/first.err")
status=$?
check "first run succeeds" test "$status" = 0
[ "$status" = 0 ] || tail -5 "$work/first.err"
check "builder gets the sub-UIDs after other's range" \
  grep -qx 'builder:365536:65536' "$root/etc/subuid"
check "builder gets the sub-GIDs after alice's range" \
  grep -qx 'builder:165536:65536' "$root/etc/subgid"
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
check "the setup tool is skipped without systemd, saying so" grep -q \
  'nodespec: systemd is not running: skipped rootless.setup.containerd' "$work/first.err"
check "the first run reports its changes" grep -q 'ran allocate subordinate IDs' <<<"$first_out"

second_out=$(sb_chroot bash -s <"$work/apply.sh" 2>"$work/second.err")
status=$?
check "second run succeeds" test "$status" = 0
check "second run changes nothing" test -z "$second_out"
check "second run allocates nothing more" test "$(grep -c '^builder:' "$root/etc/subuid")" = 1

# A missing account stops the run, naming it.
sed 's/builder/nobody-here/g' "$work/apply.sh" >"$work/missing.sh"
sb_chroot bash -s <"$work/missing.sh" >/dev/null 2>"$work/missing.err"
status=$?
check "a missing user stops the run" test "$status" != 0
check "and names the user" grep -q 'nodespec: user nobody-here does not exist' "$work/missing.err"

echo "$passes passed, $failures failed"
exit $((failures > 0))
CASE
