#!/usr/bin/env bash
# apt-install.sh PACKAGE...: installs the Debian/Ubuntu packages that are not installed yet
# (with sudo unless root); does nothing when all are there.
set -euo pipefail

missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -gt 0 ] || exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
# The Debian containerd package starts a daemon through its maintainer scripts on a booted
# systemd; the tests never use that daemon, only the binaries.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
