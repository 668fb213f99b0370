# shellcheck shell=bash
# A throwaway root for one system test: overlayfs over the host's / with the upper layer on a
# tmpfs, fresh /proc, /run and /tmp, the host's /sys (with /sys/fs/cgroup) and /dev bound in.
#
# Must be sourced by a process that already runs in its own mount, network and PID namespace
# (run.sh starts every case with `unshare --mount --net --pid --fork --kill-child`), so no
# mount, port or sysctl can leak to the host, and the kernel tears everything down even when
# the case is SIGKILLed. sandbox_down still undoes every mount and stops every process by PID,
# so a case cleans up after itself without relying on that.
#
# After sandbox_up:  SB_ROOT = the new root (chroot into it), SB_DIR = its scratch tmpfs.

SB_MOUNTS=()      # mount points, in mount order; sandbox_down unmounts in reverse
SB_DIR=""
SB_ROOT=""

sb_mount() { # sb_mount <mountpoint> <mount args...>
  local target=$1
  shift
  mount "$@" "$target" || return 1
  SB_MOUNTS+=("$target")
}

# sandbox_up <scratch-dir> [--no-systemd]
sandbox_up() {
  local dir=$1 systemd=yes
  [[ ${2:-} == --no-systemd ]] && systemd=no
  # Nothing mounted in here may propagate back to the host's mount namespace.
  mount --make-rprivate /
  ip link set lo up

  SB_DIR=$dir
  mkdir -p "$SB_DIR"
  # The upper layer lives on a tmpfs: a sandbox costs no disk, and overlayfs refuses an
  # upper dir that is itself on overlayfs, which rules out nesting.
  sb_mount "$SB_DIR" -t tmpfs -o size=6g,mode=0755 nodespec-sandbox
  mkdir -p "$SB_DIR/upper" "$SB_DIR/work" "$SB_DIR/root"
  SB_ROOT=$SB_DIR/root
  # lowerdir=/ shows only the root filesystem, none of the host's submounts.
  sb_mount "$SB_ROOT" -t overlay -o "lowerdir=/,upperdir=$SB_DIR/upper,workdir=$SB_DIR/work" overlay
  sb_mount "$SB_ROOT/proc" -t proc proc                    # our PID namespace's view
  sb_mount "$SB_ROOT/sys" --rbind /sys                      # includes /sys/fs/cgroup
  mount --make-rslave "$SB_ROOT/sys"
  sb_mount "$SB_ROOT/dev" --rbind /dev
  mount --make-rslave "$SB_ROOT/dev"
  sb_mount "$SB_ROOT/run" -t tmpfs -o mode=0755 run       # a booted node starts with an empty /run
  sb_mount "$SB_ROOT/tmp" -t tmpfs -o mode=1777 tmp
  # The Ansible venv sits in the repository, which may be anywhere, /tmp included (hidden by
  # the tmpfs above) or on another filesystem (not in lowerdir=/): bind it in at its own
  # path, read-only.
  if [[ -n ${NODESPEC_VENV:-} && -d $NODESPEC_VENV ]]; then
    local venv
    venv=$(readlink -f "$NODESPEC_VENV")
    mkdir -p "$SB_ROOT$venv"
    sb_mount "$SB_ROOT$venv" --bind "$venv"
    mount -o remount,bind,ro "$SB_ROOT$venv"
  fi
  # containerd's overlayfs snapshotter cannot put its upper dirs on overlayfs; on a real node
  # /var/lib/containerd is on a disk filesystem, here it is a tmpfs of its own.
  mkdir -p "$SB_ROOT/var/lib/containerd"
  sb_mount "$SB_ROOT/var/lib/containerd" -t tmpfs -o mode=0711 containerd-root

  # A clean node: the host's Debian containerd and runc packages are not part of it (their unit
  # and enable link would shadow or pre-empt what the output installs; their binaries would
  # hide a missing install on PATH).
  rm -f "$SB_ROOT"/usr/bin/containerd "$SB_ROOT"/usr/bin/containerd-shim* "$SB_ROOT"/usr/bin/ctr \
    "$SB_ROOT"/usr/bin/runc "$SB_ROOT"/usr/sbin/runc "$SB_ROOT"/etc/containerd/config.toml \
    "$SB_ROOT"/lib/systemd/system/containerd.service \
    "$SB_ROOT"/etc/systemd/system/multi-user.target.wants/containerd.service
  rmdir "$SB_ROOT"/etc/containerd 2>/dev/null

  # The stand-in systemctl replaces the host's (Debian has merged /usr: /bin is /usr/bin).
  install -m 0755 "$SYSTEM_TESTS/lib/systemctl-standin" "$SB_ROOT/usr/bin/systemctl"
  mkdir -p "$SB_ROOT/run/standin"
  if [[ $systemd == yes ]]; then
    mkdir -p "$SB_ROOT/run/systemd/system"
  fi
  # What the chroot needs to resolve localhost.
  grep -q '127.0.0.1' "$SB_ROOT/etc/hosts" 2>/dev/null || echo '127.0.0.1 localhost' >>"$SB_ROOT/etc/hosts"
  echo "sandbox: root $SB_ROOT (systemd stand-in: $systemd)"
}

# Runs a command inside the sandbox root with a clean, node-like environment.
sb_chroot() {
  chroot "$SB_ROOT" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}

# PIDs of every process whose root is the sandbox (services, shims, containers, engines).
sb_pids() {
  local p root
  for p in /proc/[0-9]*; do
    root=$(readlink "$p/root" 2>/dev/null) || continue
    [[ $root == "$SB_ROOT" || $root == "$SB_ROOT"/* ]] && echo "${p#/proc/}"
  done
}

sandbox_down() {
  [[ -n $SB_ROOT ]] || return 0
  local pid pids i
  # Services first, through the stand-in's own pidfiles, then anything left in the root.
  for pid in $(cat "$SB_ROOT"/run/standin/*.pid 2>/dev/null); do
    kill -TERM "$pid" 2>/dev/null
  done
  for i in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(sb_pids)
    [[ -z $pids ]] && break
    if ((i > 5)); then
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null
    else
      # shellcheck disable=SC2086
      kill -TERM $pids 2>/dev/null
    fi
    sleep 0.5
  done
  # Container mounts (rootfs, shm) were made inside the root: unmount everything below the
  # root deepest first, then our own mounts in reverse order.
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done < <(awk -v r="$SB_ROOT/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  for ((i = ${#SB_MOUNTS[@]} - 1; i >= 0; i--)); do
    m=${SB_MOUNTS[i]}
    if mountpoint -q "$m"; then
      umount "$m" 2>/dev/null || umount -R "$m" 2>/dev/null || umount -l "$m" ||
        echo "sandbox: could not unmount $m" >&2
    fi
  done
  SB_MOUNTS=()
  SB_ROOT=""
}
