#!/usr/bin/env bash
# The no-op re-apply of the shell output on a converged node (issue 14, item 6): the write-up's
# full setup (examples/writeup-all-mirrors.yaml: five components, eleven registries,
# Kubernetes) applied once in a system-test sandbox (IntegrationTests/system/lib/sandbox.sh),
# then applied again RUNS times with nothing to change; prints the median, minimum and
# maximum wall time of those runs, and checks that each printed nothing.
#
# What differs from the system tests, and why:
# - The release files are stand-ins served from loopback (a few bytes each, at the upstream
#   paths under `downloads.mirror`): a no-op run only stats and compares what is installed,
#   and never runs a binary.
# - systemctl is a tiny shell stand-in that answers every call at once (exit 0), as fast as
#   the real one answers `is-enabled`/`is-active`: the system tests' Python stand-in alone
#   costs tens of milliseconds per call.
# - No distribution packages (`kubernetes.packages: false`): the sandbox has no network to
#   install conntrack, ebtables, ethtool and socat from; on a node that has them, the no-op
#   costs four more `dpkg-query` calls.
# - /sys/module in the sandbox lists br_netfilter as loaded, so that the Kubernetes
#   prerequisites load no module into the host's kernel (sysctls are set in the sandbox's
#   own network namespace).
#
# Usage: sudo bench/noop.sh      Environment: RUNS (default 30), NODESPEC (default: the
# release binary, built here). Needs root, unshare, overlayfs and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

if [[ ${NODESPEC_NOOP_INSIDE:-} != 1 ]]; then
  if ((EUID != 0)); then echo "bench/noop.sh: needs root (a sandbox with overlayfs)" >&2; exit 1; fi
  if [[ -z ${NODESPEC:-} ]]; then
    swift build -c release --product nodespec >/dev/null
    NODESPEC=$(swift build -c release --show-bin-path)/nodespec
  fi
  mkdir -p bench/out
  cp "$NODESPEC" bench/out/nodespec-noop
  NODESPEC=$REPO/bench/out/nodespec-noop NODESPEC_NOOP_INSIDE=1 exec \
    unshare --mount --net --pid --fork --kill-child --mount-proc "$0" "$@"
fi

runs=${RUNS:-30}
SYSTEM_TESTS=$REPO/IntegrationTests/system
# shellcheck source=/dev/null
source "$SYSTEM_TESTS/lib/sandbox.sh"
scratch=$(mktemp -d)
trap 'sandbox_down >/dev/null 2>&1; rm -rf "$scratch"' EXIT
sandbox_up "$scratch/sandbox" >/dev/null

# The fast systemctl: every verb succeeds at once (units count as enabled and running).
printf '#!/bin/sh\nexit 0\n' >"$SB_ROOT/usr/bin/systemctl"
chmod 0755 "$SB_ROOT/usr/bin/systemctl"

# /sys/module as the host has it, plus br_netfilter.
mkdir -p "$scratch/modules"
for m in /sys/module/*; do mkdir -p "$scratch/modules/${m##*/}"; done
mkdir -p "$scratch/modules/br_netfilter"
mount --bind "$scratch/modules" "$SB_ROOT/sys/module"

# The spec, its downloads from loopback, unverified (the stand-ins have no published hashes).
mirror=$scratch/mirror
mkdir -p "$mirror"
{
  sed -n '/^nodespec:/,$p' examples/writeup-all-mirrors.yaml |
    sed -e 's/^arch: .*/arch: amd64\ndownloads:\n  mirror: http:\/\/127.0.0.1:8080\n  verify: none/' \
      -e 's/^  prerequisites: true/&\n  packages: false/'
} >"$scratch/spec.yaml"
"$NODESPEC" compile "$scratch/spec.yaml" --target shell --output "$scratch/out.sh" 2>"$scratch/compile.err"

# A stand-in for every artifact at its URL: an archive holds each path it provides (relative
# to its folder), a binary is a two-line script.
python3 - "$scratch/out.sh" "$mirror" <<'PY'
import io, os, re, shlex, sys, tarfile
script, mirror = open(sys.argv[1]).read(), sys.argv[2]
body = b"#!/bin/sh\nexit 0\n"
for call in re.findall(r"^ns_artifact .*?(?<!\\)\n", script, re.M | re.S):
    words = shlex.split(call.replace("\\\n", " "))
    options = {}
    provides = []
    for flag, value in zip(words[2::1], words[3::1]):
        if flag == "--provides":
            provides.append(value)
        elif flag.startswith("--") and not value.startswith("--"):
            options.setdefault(flag, value)
    path = os.path.join(mirror, options["--url"].split("://", 1)[1].split("/", 1)[1])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if "--archive" not in options:
        open(path, "wb").write(body)
        continue
    folder = options["--archive"].rstrip("/") + "/"
    with tarfile.open(path, "w:gz") as tar:
        for member in provides:
            info = tarfile.TarInfo("./" + member[len(folder):])
            info.size, info.mode = len(body), 0o755
            tar.addfile(info, io.BytesIO(body))
PY
python3 -m http.server 8080 --bind 127.0.0.1 --directory "$mirror" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  if python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' 2>/dev/null; then break; fi
  sleep 0.1
done

mkdir -p "$SB_ROOT/root/bench"
install -m 0700 "$scratch/out.sh" "$SB_ROOT/root/bench/out.sh"
sb_chroot /bin/bash /root/bench/out.sh >"$scratch/install.log" 2>&1 ||
  { cat "$scratch/install.log" >&2; exit 1; }
kill "$server"

# The re-applies: each must print nothing (a no-op). Whole process, wall time and the CPU time
# (user + system) the kernel charged to it and its children, which a busy machine inflates
# less (docs/performance.md).
TIMEFORMAT='%R %U %S'
: >"$scratch/times"
for _ in $(seq "$runs"); do
  { time sb_chroot /bin/bash /root/bench/out.sh >"$scratch/noop.log" 2>&1; } 2>>"$scratch/times"
  if [[ -s $scratch/noop.log ]]; then
    echo "bench/noop.sh: the re-apply was not a no-op: $(head -3 "$scratch/noop.log")" >&2
    exit 1
  fi
done
python3 - "$scratch/times" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
wall = [r[0] for r in rows]
cpu = [r[1] + r[2] for r in rows]
print(f"no-op re-apply, shell output, write-up full setup, {len(rows)} runs:"
      f" wall median {statistics.median(wall):.3f} s (min {min(wall):.3f}),"
      f" CPU median {statistics.median(cpu):.3f} s (min {min(cpu):.3f})")
PY
