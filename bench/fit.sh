#!/usr/bin/env bash
# How many registries fit EC2's 16 KB of user-data: the write-up's full setup with N
# registries (bench/registries.py N), compiled for cloud-init, for every N from 1 to MAX.
# What the cloud-init backend's compression is for: a cheaper compression must not lower
# these counts. Prints the largest N up to which every count fits, and the largest that fits
# at all: near the limit the user-data is gzip'd whole, and how well that shrinks the base64
# of the files compressed inside it varies from one N to the next by hundreds of bytes, so
# some counts above the first fail and others fit.
#
# Usage: bench/fit.sh [MAX]   (default 400)
# Environment: NODESPEC (default: the binary `swift build -c release` makes, built here).
set -euo pipefail
cd "$(dirname "$0")/.."

max=${1:-400}
out=bench/out/fit
mkdir -p "$out"
if [ -z "${NODESPEC:-}" ]; then
  swift build -c release --product nodespec >/dev/null
  NODESPEC=$(swift build -c release --show-bin-path)/nodespec
fi

all=0
most=0
for ((count = 1; count <= max; count++)); do
  python3 bench/registries.py "$count" >"$out/registries.yaml"
  # The compile fails with `cloud-init-size` when the user-data does not fit.
  if "$NODESPEC" compile "$out/registries.yaml" --target cloud-init -o "$out/user-data" \
    2>/dev/null; then
    most=$count
    [ "$all" -ne $((count - 1)) ] || all=$count
  fi
done
echo "every count up to $all registries fits; the most that fit: $most (of 1 to $max)"
