#!/usr/bin/env bash
# The generated files checked by the programs that read them (IntegrationTests/check_upstream.py):
# every system unit passes `systemd-analyze verify` and `systemctl enable` finds it, every
# version-2 config.toml is loaded by the real containerd (`config dump` shows each value
# nodespec wrote as the effective one), and every version-3/4 config.toml holds only keys
# the pinned containerd reads (catalog/containerd-config-keys.json).
#
# Specs: every example, every containerd and nerdctl-full version in the catalog (with
# Kubernetes), and the prefixes that move units (/usr, /opt/rt, /opt/full). Needs systemd
# (systemd-analyze, systemctl; not as PID 1) and containerd from scripts/setup.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=IntegrationTests/lib/check.sh
. IntegrationTests/lib/check.sh

nodespec=${NODESPEC:-.build/debug/nodespec}
venv=${NODESPEC_VENV:-.venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check_spec NAME SPEC CONTAINERD_VERSION (`-`: none named, e.g. a nerdctl-full bundle)
check_spec() {
  local name=$1 spec=$2 version=$3 dir="$work/$1"
  mkdir -p "$dir"
  if ! "$nodespec" compile "$spec" --target cloud-init -o "$dir/cloud-init.yaml" 2>"$dir/err"; then
    fail "$name: compiles" "$(cat "$dir/err")"
    return
  fi
  check "$name: units and config.toml as systemd and containerd read them" \
    "$venv/bin/python" IntegrationTests/check_upstream.py "$dir/cloud-init.yaml" "$version" "$dir"
}

# The first block of the listing: the component itself (containerd's static build follows it).
versions() { "$nodespec" catalog "$1" | awk 'NR == 1 { next } /^[^ ]/ { exit } { print $1 }'; }

for spec in examples/*.yaml; do
  version=$("$venv/bin/python" -c '
import sys, yaml
c = (yaml.safe_load(open(sys.argv[1])).get("components") or {}).get("containerd")
print((c.get("version") if isinstance(c, dict) else c) or "-")' "$spec")
  check_spec "example $(basename "$spec" .yaml)" "$spec" "$version"
done

write_spec() { # PREFIX COMPONENTS-YAML
  printf 'nodespec: 1\narch: amd64\nprefix: %s\ncomponents:\n%s\nkubernetes: {}\n' "$1" "$2"
}

for version in $(versions containerd); do
  write_spec /usr/local "  containerd: $version
  runc: 1.2.4
  buildkit: 0.18.1" >"$work/containerd-$version.yaml"
  check_spec "containerd $version" "$work/containerd-$version.yaml" "$version"
done

for prefix in /usr /opt/rt; do
  for version in 1.7.20 1.7.24 2.0.0 2.1.0 2.3.4; do
    for worker in containerd oci; do
      spec="$work/prefix-${prefix//\//_}-$version-$worker.yaml"
      write_spec "$prefix" "  containerd: $version
  runc: 1.2.4
  buildkit: {version: 0.18.1, worker: $worker}" >"$spec"
      check_spec "prefix $prefix, containerd $version, $worker worker" "$spec" "$version"
    done
  done
done

# What operators add (issue 12): data folders, settings, a proxy drop-in per unit. On 1.7
# the settings and data folders are read back by the real containerd with a conf.d drop-in.
for version in 1.7.24 2.1.1; do
  spec="$work/operations-$version.yaml"
  cat >"$spec" <<EOF
nodespec: 1
arch: amd64
proxy:
  http: http://proxy.corp.example:3128
  https: http://proxy.corp.example:3128
  no_proxy: [localhost, 127.0.0.1, 10.0.0.0/8, .svc, .cluster.local]
components:
  containerd:
    version: $version
    root: /srv/containerd
    state: /run/containerd-main
    accept: data-folder-not-moved
    settings:
      oom_score: -500
      plugins:
        io.containerd.snapshotter.v1.overlayfs: {root_path: /srv/overlayfs}
  runc: 1.2.4
  buildkit: 0.18.1
kubernetes: {}
EOF
  check_spec "operations, containerd $version" "$spec" "$version"
done

for version in $(versions nerdctl-full); do
  for prefix in /usr/local /opt/full; do
    spec="$work/full-$version-${prefix//\//_}.yaml"
    write_spec "$prefix" "  nerdctl-full: $version" >"$spec"
    check_spec "nerdctl-full $version at $prefix" "$spec" -
  done
done

finish
