# shellcheck shell=bash
# The local release mirror: files laid out exactly like upstream GitHub release downloads,
# holding Debian's own containerd, runc and CNI plugins under upstream version numbers, with
# upstream-style published checksum files beside them. The bytes are ours, so the sha256 the
# test spec pins is computed here (mirror_sha256), never taken from the catalog.
#
# mirror_build runs once per test run (on the host, no network needed); mirror_start runs in
# each case's network namespace and serves 127.0.0.1:$MIRROR_PORT.

MIRROR_PORT=${MIRROR_PORT:-8080}
MIRROR_TLS_PORT=${MIRROR_TLS_PORT:-8443}
CONTAINERD_VERSION=${CONTAINERD_VERSION:-2.0.0}
CONTAINERD_UPGRADE_VERSION=${CONTAINERD_UPGRADE_VERSION:-2.0.1}
RUNC_VERSION=${RUNC_VERSION:-1.2.5}
CNI_VERSION=${CNI_VERSION:-1.6.1}
NERDCTL_VERSION=${NERDCTL_VERSION:-2.0.2}
BUILDKIT_VERSION=${BUILDKIT_VERSION:-0.18.1}
NERDCTL_FULL_VERSION=${NERDCTL_FULL_VERSION:-2.0.3}

containerd_asset() { echo "containerd/containerd/releases/download/v$1/containerd-$1-linux-amd64.tar.gz"; }
runc_asset() { echo "opencontainers/runc/releases/download/v$1/runc.amd64"; }
cni_asset() { echo "containernetworking/plugins/releases/download/v$1/cni-plugins-linux-amd64-v$1.tgz"; }
nerdctl_asset() { echo "containerd/nerdctl/releases/download/v$1/nerdctl-$1-linux-amd64.tar.gz"; }
buildkit_asset() { echo "moby/buildkit/releases/download/v$1/buildkit-v$1.linux-amd64.tar.gz"; }
nerdctl_full_asset() { echo "containerd/nerdctl/releases/download/v$1/nerdctl-full-$1-linux-amd64.tar.gz"; }

# Reproducible tarballs: same input, same bytes, so hashes are stable from run to run.
mirror_tar() { # mirror_tar <out.tar.gz> <dir> <members...>
  local out=$1 dir=$2
  shift 2
  tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
    -C "$dir" -cf - "$@" | gzip -n -1 >"$out"
}

mirror_build() {
  local root=$WORK/mirror stage=$WORK/mirror-stage v asset f
  local key="$CONTAINERD_VERSION $CONTAINERD_UPGRADE_VERSION $RUNC_VERSION $CNI_VERSION"
  key+=" $NERDCTL_VERSION $BUILDKIT_VERSION $NERDCTL_FULL_VERSION"
  key+=" $(sha256sum /usr/bin/containerd /usr/bin/runc "$SYSTEM_TESTS/lib/mirror.sh" | sha256sum)"
  if [[ -f $root/.complete && $(cat "$root/.complete") == "$key" && -f $WORK/mirror-ref/.complete ]]; then
    echo "mirror: cached release files in $root"
    return 0
  fi
  rm -rf "$root" "$stage"
  mkdir -p "$root" "$stage"

  for v in "$CONTAINERD_VERSION" "$CONTAINERD_UPGRADE_VERSION"; do
    mkdir -p "$stage/containerd-$v/bin"
    for f in containerd ctr containerd-shim-runc-v2; do
      install -m 0755 "/usr/bin/$f" "$stage/containerd-$v/bin/$f"
    done
    # Each version's containerd differs by a trailing marker (an ELF runs fine with bytes
    # appended), so an upgrade is visible in the installed binary.
    printf '\nnodespec-system-test containerd %s\n' "$v" >>"$stage/containerd-$v/bin/containerd"
    asset=$(containerd_asset "$v")
    mkdir -p "$root/${asset%/*}"
    mirror_tar "$root/$asset" "$stage/containerd-$v" bin
    # containerd publishes "<hash>  <file>" in <asset>.sha256sum
    (cd "$root/${asset%/*}" && sha256sum "${asset##*/}" >"${asset##*/}.sha256sum")
  done

  asset=$(runc_asset "$RUNC_VERSION")
  mkdir -p "$root/${asset%/*}"
  install -m 0644 /usr/bin/runc "$root/$asset"
  # runc publishes one runc.sha256sum for every arch, binary mode ("*") file names
  (cd "$root/${asset%/*}" && sha256sum -b runc.amd64 >runc.sha256sum)

  asset=$(cni_asset "$CNI_VERSION")
  mkdir -p "$root/${asset%/*}" "$stage/cni"
  cp -p /usr/lib/cni/* "$stage/cni/"
  chmod 0755 "$stage/cni"/*
  (cd "$stage/cni" && printf 'stand-in README for the system tests\n' >README.md &&
    printf 'Apache-2.0\n' >LICENSE && chmod 0644 README.md LICENSE)
  # Upstream's CNI tarball is flat: ./bridge ./loopback ... ./README.md ./LICENSE
  mirror_tar "$root/$asset" "$stage/cni" .
  (cd "$root/${asset%/*}" && sha256sum "${asset##*/}" >"${asset##*/}.sha256")

  mirror_build_nerdctl "$root" "$stage"

  # A file whose bytes verify against nothing, for the swap fault.
  head -c 4096 /dev/urandom >"$WORK/mirror-bogus.bin"
  rm -rf "$stage"
  echo "$key" >"$root/.complete"
  # What the assets unpack to, for the checks to compare installed files with.
  rm -rf "$WORK/mirror-ref"
  for v in "$CONTAINERD_VERSION" "$CONTAINERD_UPGRADE_VERSION"; do
    mkdir -p "$WORK/mirror-ref/containerd-$v"
    tar -xzf "$root/$(containerd_asset "$v")" -C "$WORK/mirror-ref/containerd-$v"
  done
  mkdir -p "$WORK/mirror-ref/cni"
  tar -xzf "$root/$(cni_asset "$CNI_VERSION")" -C "$WORK/mirror-ref/cni"
  mkdir -p "$WORK/mirror-ref/nerdctl-full"
  tar -xzf "$root/$(nerdctl_full_asset "$NERDCTL_FULL_VERSION")" -C "$WORK/mirror-ref/nerdctl-full"
  touch "$WORK/mirror-ref/.complete"
  echo "mirror: built release files in $root"
}

# nerdctl, BuildKit and the nerdctl-full bundle, in upstream's layout: Debian has no builds
# of them, so their programs are stand-ins (the components case installs, prunes and
# switches them, and runs none of them but containerd): nerdctl a two-line script, buildkitd
# one that tells the systemctl stand-in it is ready and waits. The bundle's containerd, runc
# and CNI plugins are Debian's (its containerd marked as the bundle's), with its own units.
mirror_build_nerdctl() { # mirror_build_nerdctl <root> <stage>
  local root=$1 stage=$2 asset f
  mkdir -p "$stage/nerdctl" "$stage/buildkit/bin" "$stage/full/bin" \
    "$stage/full/lib/systemd/system" "$stage/full/libexec/cni" "$stage/full/share/doc/nerdctl-full"
  for f in nerdctl containerd-rootless.sh containerd-rootless-setuptool.sh; do
    printf '#!/bin/sh\n# stand-in %s for the system tests\nexit 0\n' "$f" >"$stage/nerdctl/$f"
  done
  printf '#!/bin/sh\n# stand-in buildctl for the system tests\nexit 0\n' >"$stage/buildkit/bin/buildctl"
  cat >"$stage/buildkit/bin/buildkitd" <<'STANDIN'
#!/usr/bin/python3
# stand-in buildkitd for the system tests: READY=1 to the service manager, then waits
import os, signal, socket, time
if os.environ.get("NOTIFY_SOCKET"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(os.environ["NOTIFY_SOCKET"])
    s.send(b"READY=1")
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
while True:
    time.sleep(3600)
STANDIN
  chmod 0755 "$stage/nerdctl"/* "$stage/buildkit/bin"/*
  asset=$(nerdctl_asset "$NERDCTL_VERSION")
  mkdir -p "$root/${asset%/*}"
  # nerdctl's archive is flat: ./nerdctl ./containerd-rootless.sh ...
  mirror_tar "$root/$asset" "$stage/nerdctl" .
  asset=$(buildkit_asset "$BUILDKIT_VERSION")
  mkdir -p "$root/${asset%/*}"
  mirror_tar "$root/$asset" "$stage/buildkit" bin

  cp -p "$stage"/nerdctl/* "$stage"/buildkit/bin/* "$stage/full/bin/"
  for f in containerd ctr containerd-shim-runc-v2 runc; do
    install -m 0755 "/usr/bin/$f" "$stage/full/bin/$f"
  done
  printf '\nnodespec-system-test nerdctl-full %s\n' "$NERDCTL_FULL_VERSION" \
    >>"$stage/full/bin/containerd"
  cp -p /usr/lib/cni/* "$stage/full/libexec/cni/"
  chmod 0755 "$stage/full/libexec/cni"/*
  printf 'stand-in nerdctl-full for the system tests\n' \
    >"$stage/full/share/doc/nerdctl-full/README.md"
  cat >"$stage/full/lib/systemd/system/containerd.service" <<'UNIT'
[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target local-fs.target

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
  cat >"$stage/full/lib/systemd/system/buildkit.service" <<'UNIT'
[Unit]
Description=BuildKit
Documentation=https://github.com/moby/buildkit

[Service]
ExecStart=/usr/local/bin/buildkitd --oci-worker=false --containerd-worker=true

[Install]
WantedBy=multi-user.target
UNIT
  chmod 0644 "$stage/full/lib/systemd/system"/* "$stage/full/share/doc/nerdctl-full/README.md"
  asset=$(nerdctl_full_asset "$NERDCTL_FULL_VERSION")
  mkdir -p "$root/${asset%/*}"
  mirror_tar "$root/$asset" "$stage/full" bin lib libexec share
}

# For the runtimes case (run.sh calls it once, before the cases run side by side): Debian's
# /usr/bin/crun as crun's release binary, and Debian's containerd as a 1.7 tarball, whose
# version-2 config.toml layout Debian's containerd 1.6 reads (the other cases pin 2.x).
RUNTIMES_CRUN=1.8.1
RUNTIMES_CONTAINERD=1.7.24
CRUN_ASSET=containers/crun/releases/download/$RUNTIMES_CRUN/crun-$RUNTIMES_CRUN-linux-amd64
mirror_runtimes() {
  local root=$WORK/mirror stage=$WORK/mirror-stage-runtimes f containerd
  containerd=$(containerd_asset "$RUNTIMES_CONTAINERD")
  mkdir -p "$root/${CRUN_ASSET%/*}" "$root/${containerd%/*}"
  install -m 0644 /usr/bin/crun "$root/$CRUN_ASSET"
  rm -rf "$stage"
  mkdir -p "$stage/bin"
  for f in containerd ctr containerd-shim-runc-v2; do install -m 0755 "/usr/bin/$f" "$stage/bin/$f"; done
  mirror_tar "$root/$containerd" "$stage" bin
  rm -rf "$stage"
}

# A stand-in kata-static release, laid out as kata packs it (`tar cvfJ ... .` from the folder
# holding opt/kata, tools/packaging/kata-deploy/local-build/kata-deploy-binaries.sh at 3.7.0):
# members `./`, `./opt/`, `./opt/kata/...`; the shim a script that says it is the stand-in,
# configuration.toml a link to configuration-qemu.toml (static-build/shim-v2/build.sh). Its
# `./` and `./opt/` are 0700, so unpacking them over a node's / would show. No hypervisor,
# kernel or image: nothing here starts a VM.
KATA_VERSION=3.7.0
KATA_ASSET=kata-containers/kata-containers/releases/download/$KATA_VERSION/kata-static-$KATA_VERSION-amd64.tar.xz
mirror_kata() {
  local root=$WORK/mirror stage=$WORK/mirror-stage-kata defaults
  defaults=$stage/opt/kata/share/defaults/kata-containers
  rm -rf "$stage"
  mkdir -p "$stage/opt/kata/bin" "$defaults" "${root}/${KATA_ASSET%/*}"
  printf '#!/bin/sh\necho "stand-in containerd-shim-kata-v2 $*"\n' >"$stage/opt/kata/bin/containerd-shim-kata-v2"
  chmod 0755 "$stage/opt/kata/bin/containerd-shim-kata-v2"
  printf '[hypervisor.qemu]\npath = "/opt/kata/bin/qemu-system-x86_64"\n' >"$defaults/configuration-qemu.toml"
  ln -s configuration-qemu.toml "$defaults/configuration.toml"
  chmod 0700 "$stage" "$stage/opt"
  tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
    -C "$stage" -cf - . | xz -0 -T1 >"$root/$KATA_ASSET"
  rm -rf "$stage"
}

mirror_sha256() { # mirror_sha256 <asset path>
  sha256sum "$WORK/mirror/$1" | cut -d' ' -f1
}

# One `components:` entry of a test spec, pinned to the mirror's file (every spec writer
# of the system tests takes its release files from the mirror this way).
pinned() { # pinned <key> <version> <asset path>
  printf '  %s:\n    version: %s\n    sha256: %s\n' "$1" "$2" "$(mirror_sha256 "$3")"
}

# Starts the server in the current network namespace; MIRROR_LOG and MIRROR_CONTROL are
# per case. Stopped by PID in mirror_stop.
mirror_start() { # mirror_start <case-dir>
  MIRROR_LOG=$1/mirror-access.log
  MIRROR_CONTROL=$1/mirror-faults
  : >"$MIRROR_LOG"
  : >"$MIRROR_CONTROL"
  /usr/bin/python3 "$SYSTEM_TESTS/lib/mirror-server.py" "$WORK/mirror" "$MIRROR_PORT" \
    "$MIRROR_LOG" "$MIRROR_CONTROL" 2>"$1/mirror-server.err" &
  MIRROR_PID=$!
  wait_for_port "$MIRROR_PORT" "$MIRROR_PID" || { echo "mirror did not start" >&2; return 1; }
}

# Restarts the mirror as HTTPS on MIRROR_TLS_PORT with the same log and control file, under a
# certificate for 127.0.0.1 made for this case and trusted inside the sandbox (curl, wget and
# Python read the system store). Sets MIRROR_URL to the https one.
mirror_start_tls() { # mirror_start_tls <case-dir>
  local pem=$1/mirror-tls.pem
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$pem" -out "$pem.crt" 2>/dev/null || return 1
  cat "$pem.crt" >>"$pem"
  install -D -m 0644 "$pem.crt" "$SB_ROOT/usr/local/share/ca-certificates/nodespec-test-mirror.crt"
  sb_chroot update-ca-certificates >/dev/null 2>&1 || return 1
  mirror_stop
  /usr/bin/python3 "$SYSTEM_TESTS/lib/mirror-server.py" "$WORK/mirror" "$MIRROR_TLS_PORT" \
    "$MIRROR_LOG" "$MIRROR_CONTROL" "$pem" 2>"$1/mirror-server.err" &
  MIRROR_PID=$!
  wait_for_port "$MIRROR_TLS_PORT" "$MIRROR_PID" || { echo "mirror did not start" >&2; return 1; }
  MIRROR_URL=https://127.0.0.1:$MIRROR_TLS_PORT
}

mirror_stop() {
  [[ -n ${MIRROR_PID:-} ]] || return 0
  kill "$MIRROR_PID" 2>/dev/null
  wait "$MIRROR_PID" 2>/dev/null || true
  MIRROR_PID=""
}

mirror_fault() { # mirror_fault cutoff|swap|fail|redirect <asset> [file|url]; mirror_fault clear
  if [[ $1 == clear ]]; then
    : >"$MIRROR_CONTROL"
  else
    echo "$1 /$2 ${3:-}" >>"$MIRROR_CONTROL"
  fi
}

# Downloads served so far (GET requests with a 200), optionally only those matching a pattern.
mirror_downloads() {
  grep -c "^GET .* 200" "$MIRROR_LOG" || true
}

wait_for_port() { # wait_for_port <port> <pid>
  local _
  for _ in $(seq 1 100); do
    kill -0 "$2" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
