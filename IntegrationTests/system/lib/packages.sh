# shellcheck shell=bash
# A local apt repository for the `packages` case: the case's network namespace reaches no
# Debian mirror, so the packages `kubernetes.packages` installs are served from a `file:`
# repository inside the sandbox, as the node's only apt source.
#
# debs_build runs once per test run, on the host (outside the namespaces): it downloads with
# `apt-get download` the packages the case removes from the sandbox first, and those of their
# dependencies the host lacks (the sandbox is the host), then indexes them with
# dpkg-scanpackages. Cached in $WORK/debs until this file changes.
# debs_sandbox runs in the case, after sandbox_up.

# Removed from the sandbox before the first run, so that the output has to install them.
# iproute2 and iptables stay installed: the output must leave those alone.
KUBE_REMOVED_PACKAGES=(conntrack ebtables ethtool socat)
DEBS=$WORK/debs
DEBS_IN_SANDBOX=/srv/nodespec-debs

debs_build() {
  local key names
  key="${KUBE_REMOVED_PACKAGES[*]} $(sha256sum <"$SYSTEM_TESTS/lib/packages.sh" | cut -c1-64)"
  if [[ -f $DEBS/.complete && $(cat "$DEBS/.complete") == "$key" ]]; then
    echo "packages: cached .debs in $DEBS"
    return 0
  fi
  rm -rf "$DEBS"
  mkdir -p "$DEBS"
  # The dependencies apt would install besides them on this host ("Inst <name> (...)").
  names=$(apt-get install -s --no-install-recommends "${KUBE_REMOVED_PACKAGES[@]}" 2>/dev/null |
    sed -n 's/^Inst \([^ ]*\) .*/\1/p')
  # shellcheck disable=SC2086 # names: one package name per word
  (cd "$DEBS" && apt-get download -q -o APT::Sandbox::User=root \
    "${KUBE_REMOVED_PACKAGES[@]}" $names) >"$WORK/debs.log" 2>&1 || {
    echo "packages: apt-get download failed, see $WORK/debs.log" >&2
    return 1
  }
  (cd "$DEBS" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>>"$WORK/debs.log") || {
    echo "packages: dpkg-scanpackages failed, see $WORK/debs.log" >&2
    return 1
  }
  echo "$key" >"$DEBS/.complete"
  local debs=("$DEBS"/*.deb)
  echo "packages: ${#debs[@]} .debs in $DEBS"
}

# The sandbox's only apt source is the local repository; the packages the case installs are
# removed first. The kernel's modules and sysctls are the host's, so the case's spec asks for
# the packages alone (`packages: true`, `prerequisites: false`).
debs_sandbox() {
  local p
  [[ -f $DEBS/.complete ]] || { echo "no local apt repository in $DEBS (debs_build failed)" >&2; return 1; }
  mkdir -p "$SB_ROOT$DEBS_IN_SANDBOX"
  cp "$DEBS"/*.deb "$DEBS/Packages" "$SB_ROOT$DEBS_IN_SANDBOX/"
  rm -f "$SB_ROOT/etc/apt/sources.list" "$SB_ROOT"/etc/apt/sources.list.d/*
  echo "deb [trusted=yes] file:$DEBS_IN_SANDBOX ./" >"$SB_ROOT/etc/apt/sources.list.d/nodespec-test.list"
  # The index the sandbox starts with is the host's, for the host's sources. Made older than
  # an hour, whatever the host did: Ansible's apt (`cache_valid_time: 3600`) skips the update
  # when the index is younger, and then finds none of the packages of this repository (a
  # host that had run `apt-get update` within the hour failed the case that way).
  rm -f "$SB_ROOT/var/lib/apt/periodic/update-success-stamp"
  touch -d '2 hours ago' "$SB_ROOT/var/lib/apt/lists"
  for p in "${KUBE_REMOVED_PACKAGES[@]}"; do
    if package_installed "$p"; then sb_chroot dpkg --purge "$p" || return 1; fi
  done
}

package_installed() { # package_installed <name>
  # shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not the shell's
  [[ $(sb_chroot dpkg-query -W --showformat='${Status}' "$1" 2>/dev/null) == 'install ok installed' ]]
}

# dpkg's log lines that record a package installed or upgraded ("... install <pkg> ...").
dpkg_installs() { grep -cE '^[0-9-]+ [0-9:]+ (install|upgrade) ' "$SB_ROOT/var/log/dpkg.log" 2>/dev/null || true; }

dpkg_log_since() { # dpkg_log_since <lines>: what dpkg logged after the first <lines> lines
  tail -n "+$(($1 + 1))" "$SB_ROOT/var/log/dpkg.log"
}
