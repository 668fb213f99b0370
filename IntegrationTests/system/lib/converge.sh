# shellcheck shell=bash
# The converge case: the manifest each run leaves in /var/lib/nodespec, pruning what the spec
# no longer names, drift repair, and uninstall (docs/plan-contract.md, "The manifest").
#
#   converge <target>   install with two registries; the manifest names every managed file
#                       with its bytes' sha256, mode and owner; drop a registry (its hosts.toml
#                       and folder go, nothing restarts); drift: a binary chmod 0777, runc's
#                       bytes replaced, containerd truncated (each repaired, containerd
#                       restarted only for its own binary); drop containerd (stopped, disabled,
#                       unit and binaries gone); uninstall leaves nothing nodespec wrote.

NS_MANIFEST=/var/lib/nodespec/manifest

# converge_spec <out> <registries...>: the test spec with these registries (each mirrored by
# the local registry) and, unless NO_CONTAINERD=1, containerd.
converge_spec() {
  local out=$1 r
  shift
  {
    cat <<EOF
nodespec: 1
name: system-test-converge
arch: amd64
downloads:
  mirror: $MIRROR_URL
components:
EOF
    [[ ${NO_CONTAINERD:-0} == 1 ]] ||
      pinned containerd "$CONTAINERD_VERSION" "$(containerd_asset "$CONTAINERD_VERSION")"
    pinned runc "$RUNC_VERSION" "$(runc_asset "$RUNC_VERSION")"
    pinned cni "$CNI_VERSION" "$(cni_asset "$CNI_VERSION")"
    if (($#)); then
      echo "registries:"
      for r in "$@"; do printf '  %s:\n    mirrors:\n      - %s\n' "$r" "$REGISTRY_URL"; done
    fi
  } >"$out"
}

# The manifest's file entries that disagree with the node: every one must name a file whose
# sha256, mode and owner are what the manifest says. Prints the disagreements.
manifest_matches_node() {
  local m=$SB_ROOT$NS_MANIFEST bad=0 kind id mode user group sha rest path
  [[ -f $m ]] || { echo "  no $NS_MANIFEST" >&2; return 1; }
  [[ $(head -1 "$m") == '# nodespec manifest 1' ]] || { echo "  header: $(head -1 "$m")" >&2; return 1; }
  while IFS=$'\t' read -r kind id mode user group sha _ _ _ _ path; do
    [[ $kind == file ]] || continue
    if [[ ! -f $SB_ROOT$path ]]; then
      echo "  $path ($id) is not on the node" >&2
      bad=1
      continue
    fi
    rest="$(stat -c '%a %U %G' "$SB_ROOT$path") $(sha256sum <"$SB_ROOT$path" | cut -c1-64)"
    # Ansible's stat gives no checksum for a symbolic link (kata's archive holds one): `-`.
    [[ -L $SB_ROOT$path && $sha == - ]] && rest="${rest% *} -"
    if [[ $rest != "$mode $user $group $sha" ]]; then
      echo "  $path: manifest says $mode $user $group $sha, node has $rest" >&2
      bad=1
    fi
  done < <(tail -n +2 "$m")
  return $bad
}

manifest_names() { # manifest_names <kind> <path or unit>: the manifest has such an entry
  awk -F'\t' -v k="$1" -v p="$2" '$1 == k && ($NF == p || $4 == p) { found = 1 } END { exit !found }' \
    "$SB_ROOT$NS_MANIFEST" 2>/dev/null
}

# Every file the install put below the managed paths is named in the manifest.
manifest_names_all() {
  local rel bad=0
  while read -r rel; do
    [[ -f $SB_ROOT/$rel && ! -L $SB_ROOT/$rel ]] || continue
    manifest_names file "/$rel" || { echo "  /$rel is not in the manifest" >&2; bad=1; }
  done < <(cd "$SB_DIR/upper" && find usr/local opt/cni etc/containerd var/lib/nodespec/artifacts \
    -type f 2>/dev/null)
  return $bad
}

restarts_since() { # restarts_since <calls-line-count> -> start/stop/restart calls, ';'-joined
  calls_since "$1" | grep -E '^(start|stop|restart|try-restart|reload-or-restart) ' | tr '\n' ';'
}

# What nodespec left in the upper layer below the paths it manages, apart from what
# docs/targets.md lists as left behind (engine scratch, and the folders the host already
# had, which overlayfs shows as copied up).
written_by_nodespec() {
  (cd "$SB_DIR/upper" && find usr/local opt/cni etc/containerd etc/systemd/system var/lib/nodespec \
    -mindepth 0 2>/dev/null) |
    grep -vE '^(var/lib/nodespec/cloud-init(/|$)|etc/systemd/system$|usr/local$)' |
    while read -r rel; do
      # a folder the host has too is only the overlay's copy-up of its mode or mtime
      [[ -d $SB_DIR/upper/$rel && -d /$rel ]] && continue
      [[ -e $SB_ROOT/$rel || -L $SB_ROOT/$rel ]] || continue # whiteouts: removed
      # the folder that holds cloud-init's scratch (left behind, docs/targets.md)
      [[ $rel == var/lib/nodespec && -d $SB_ROOT/var/lib/nodespec/cloud-init ]] && continue
      echo "$rel"
    done
}

case_converge() {
  local t=$1 calls sp dl runc out
  reference

  # --- install with two registries: the manifest names everything, with the node's facts
  converge_spec "$CASE_DIR/spec1.yaml" docker.io quay.io
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/manifest: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  cp "$SB_ROOT$NS_MANIFEST" "$CASE_DIR/manifest1" 2>/dev/null
  check "$t/manifest: written, mode 600" "$(stat -c %a "$SB_ROOT$NS_MANIFEST" 2>&1)" \
    test "$(stat -c %a "$SB_ROOT$NS_MANIFEST" 2>/dev/null)" = 600
  check "$t/manifest: sha256, mode and owner of every entry match the node" "see above" \
    manifest_matches_node
  check "$t/manifest: every installed file is named" "see above" manifest_names_all
  check "$t/manifest: names containerd.service" "no service entry" \
    manifest_names service containerd.service
  check "$t/manifest: names each archive's files" "no /opt/cni/bin/bridge, /usr/local/bin/ctr" \
    eval 'manifest_names file /opt/cni/bin/bridge && manifest_names file /usr/local/bin/ctr'
  check "$t/manifest: names the folders it created" "no dir /etc/containerd/certs.d/quay.io" \
    manifest_names dir /etc/containerd/certs.d/quay.io
  step 1b "$t" "$CASE_DIR/spec1.yaml"
  check "$t/manifest: a second run leaves it as it was" "$(diff "$CASE_DIR/manifest1" "$SB_ROOT$NS_MANIFEST" | head -5)" \
    cmp -s "$CASE_DIR/manifest1" "$SB_ROOT$NS_MANIFEST"

  # --- drop a registry: its hosts.toml and folder go; nothing restarts
  converge_spec "$CASE_DIR/spec2.yaml" docker.io
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  sp=$(spawns)
  step 2 "$t" "$CASE_DIR/spec2.yaml"
  check "$t/prune-registry: output applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/prune-registry: hosts.toml and its folder removed" "still there" \
    test ! -e "$SB_ROOT/etc/containerd/certs.d/quay.io"
  check "$t/prune-registry: says so" "see $CASE_DIR/apply2.log" \
    output_says "$CASE_DIR/apply2.log" "nodespec: removed /etc/containerd/certs.d/quay.io/hosts.toml"
  check "$t/prune-registry: docker.io kept" "wrong" hosts_has "$REGISTRY_URL"
  out=$(restarts_since "$calls")
  check "$t/prune-registry: nothing restarted" "calls: $out" test -z "$out" -a "$(spawns)" = "$sp"
  check "$t/prune-registry: manifest matches the node" "see above" manifest_matches_node
  check "$t/prune-registry: manifest no longer names it" "it does" \
    eval '! manifest_names file /etc/containerd/certs.d/quay.io/hosts.toml'

  # --- drift: mode, replaced bytes, truncated bytes
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  sp=$(spawns)
  dl=$(mirror_downloads)
  runc=$(runc_path)
  # one run: a mode changed (ctr 0777), and runc's bytes replaced by as many others, so
  # that only the bytes (and so ctime) tell
  chmod 0777 "$SB_ROOT/usr/local/bin/ctr"
  head -c "$(stat -c %s "$SB_ROOT$runc")" /dev/zero >"$SB_ROOT$runc.x"
  cat "$SB_ROOT$runc.x" >"$SB_ROOT$runc" && rm -f "$SB_ROOT$runc.x"
  step 3 "$t" "$CASE_DIR/spec2.yaml"
  check "$t/drift: output applies" "engine failed, see $CASE_DIR/apply3.log" test $? = 0
  check "$t/drift-mode: ctr is 755 again" "$(stat -c %a "$SB_ROOT/usr/local/bin/ctr")" \
    test "$(stat -c %a "$SB_ROOT/usr/local/bin/ctr")" = 755
  check "$t/drift-bytes: runc is the release's again" "wrong bytes" runc_installed
  check "$t/drift-bytes: one download (runc)" "$(($(mirror_downloads) - dl)) downloads" \
    test "$(($(mirror_downloads) - dl))" = 1
  out=$(restarts_since "$calls")
  check "$t/drift: nothing restarted (no running service uses ctr or runc)" "calls: $out" \
    test -z "$out" -a "$(spawns)" = "$sp"

  # A running binary cannot be opened for writing (ETXTBSY): a truncated copy takes its place.
  head -c 4096 "$SB_ROOT/usr/local/bin/containerd" >"$SB_ROOT/usr/local/bin/.containerd.cut"
  mv -f "$SB_ROOT/usr/local/bin/.containerd.cut" "$SB_ROOT/usr/local/bin/containerd"
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  step 4 "$t" "$CASE_DIR/spec2.yaml"
  check "$t/drift-truncated: output applies" "engine failed, see $CASE_DIR/apply4.log" test $? = 0
  check "$t/drift-truncated: containerd is the release's again" "wrong bytes" \
    binaries_are "$CONTAINERD_VERSION"
  check "$t/drift-truncated: containerd restarted once" "starts $sp -> $(spawns); calls: $(calls_since "$calls" | tr '\n' ';')" \
    test "$(($(spawns) - sp))" = 1
  check "$t/drift-truncated: manifest matches the node" "see above" manifest_matches_node

  # --- drop containerd: stopped, disabled, unit and binaries gone; runc and CNI stay
  NO_CONTAINERD=1 converge_spec "$CASE_DIR/spec6.yaml" docker.io
  step 6 "$t" "$CASE_DIR/spec6.yaml"
  check "$t/prune-component: output applies" "engine failed, see $CASE_DIR/apply6.log" test $? = 0
  check "$t/prune-component: containerd stopped" "still running" test -z "$(service_pid containerd.service)"
  check "$t/prune-component: containerd disabled" "the .wants link is there" \
    test ! -L "$SB_ROOT/etc/systemd/system/multi-user.target.wants/containerd.service"
  check "$t/prune-component: unit and binaries gone" "$(find "$SB_ROOT"/usr/local/bin "$SB_ROOT"/usr/local/lib/systemd/system 2>&1 | tr '\n' ' ')" \
    eval "! unit_file containerd.service >/dev/null && test ! -e '$SB_ROOT/usr/local/bin/containerd' -a ! -e '$SB_ROOT/usr/local/bin/ctr'"
  check "$t/prune-component: runc and CNI stay" "missing" eval 'runc_installed && cni_installed'
  check "$t/prune-component: manifest matches the node" "see above" manifest_matches_node

  # --- uninstall: nothing nodespec wrote stays
  case $t in
    shell | cloud-init)
      if [[ $t == cloud-init ]]; then
        sb_chroot /bin/bash /var/lib/nodespec/cloud-init/apply.sh --uninstall >"$CASE_DIR/uninstall.log" 2>&1
      else
        sb_chroot /bin/bash /root/nodespec-test/out.sh --uninstall >"$CASE_DIR/uninstall.log" 2>&1
      fi
      ;;
    ansible)
      sb_chroot ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 \
        ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 "$NODESPEC_VENV/bin/ansible-playbook" \
        -i localhost, -c local -e nodespec_state=absent /root/nodespec-test/out.yml \
        >"$CASE_DIR/uninstall.log" 2>&1
      ;;
  esac
  check "$t/uninstall: runs" "see $CASE_DIR/uninstall.log" test $? = 0
  out=$(written_by_nodespec | tr '\n' ' ')
  check "$t/uninstall: nothing nodespec wrote is left" "left: $out" test -z "$out"
  check "$t/uninstall: containerd's data stays" "/var/lib/containerd is empty" \
    test -n "$(ls -A "$SB_ROOT/var/lib/containerd")"

  # --- purge, with the output of a spec that has containerd (the last one had none)
  uninstall_with "$t" "$CASE_DIR/spec2.yaml" purge >"$CASE_DIR/purge.log" 2>&1
  check "$t/purge: runs" "see $CASE_DIR/purge.log" test $? = 0
  check "$t/purge: containerd's data is gone" "$(find "$SB_ROOT/var/lib/containerd" -mindepth 1 -maxdepth 1 | head -3 | tr "\n" " ")" \
    test -z "$(ls -A "$SB_ROOT/var/lib/containerd")"
  check "$t/purge: says so" "see $CASE_DIR/purge.log" \
    grep -q 'nodespec: removed /var/lib/containerd' "$CASE_DIR/purge.log"
}

# uninstall_with <target> <spec> purge: the uninstall with purge of that spec's output.
uninstall_with() {
  local t=$1 spec=$2
  case $t in
    shell)
      ns_compile "$spec" shell "$CASE_DIR/purge.sh" && \
        install -m 0700 "$CASE_DIR/purge.sh" "$SB_ROOT/root/nodespec-test/out.sh" &&
        sb_chroot /bin/bash /root/nodespec-test/out.sh --uninstall --purge
      ;;
    cloud-init)
      ns_compile "$spec" cloud-init "$CASE_DIR/purge.yaml" &&
        cloud_init_apply_script "$CASE_DIR/purge.yaml" "$SB_ROOT/root/nodespec-test/purge.sh" &&
        sb_chroot /bin/bash /root/nodespec-test/purge.sh --uninstall --purge
      ;;
    ansible)
      ns_compile "$spec" ansible "$CASE_DIR/purge.yml" &&
        install -m 0600 "$CASE_DIR/purge.yml" "$SB_ROOT/root/nodespec-test/out.yml" &&
        sb_chroot ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 \
          ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 "$NODESPEC_VENV/bin/ansible-playbook" \
          -i localhost, -c local -e nodespec_state=absent -e nodespec_purge=true \
          /root/nodespec-test/out.yml
      ;;
  esac
}

# cloud_init_apply_script <user-data> <out>: the apply script in the user-data, as cloud-init
# writes it on the node.
cloud_init_apply_script() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import base64, gzip, sys, yaml
for entry in yaml.safe_load(open(sys.argv[1]))["write_files"]:
    if entry["path"] == "/var/lib/nodespec/cloud-init/apply.sh":
        content = entry["content"]
        if entry.get("encoding") == "gz+b64":
            content = gzip.decompress(base64.b64decode(content)).decode()
        open(sys.argv[2], "w").write(content)
PY
}

# The overlay's upper layer, every entry with its mode, size, mtime and ctime: a run that
# changes nothing on the node leaves it byte for byte the same.
upper_snapshot() {
  (cd "$SB_DIR/upper" && find . -printf '%P %m %s %T@ %C@\n' | sort)
}

# The playbook under `ansible-playbook --check --diff`, with Ansible's own scratch in /tmp
# (a tmpfs of its own), so that the upper layer shows only what the playbook would change.
ansible_check() { # ansible_check <log>
  sb_chroot ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 \
    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_LOCALHOST_WARNING=0 \
    ANSIBLE_HOME=/tmp/ansible-home ANSIBLE_REMOTE_TEMP=/tmp/ansible-remote \
    "$NODESPEC_VENV/bin/ansible-playbook" -i localhost, -c local \
    --check --diff /root/nodespec-test/out.yml >"$1" 2>&1
}

run_check() { # run_check <target> <log> -> the check's exit status
  case $1 in
    cloud-init) sb_chroot /bin/bash /var/lib/nodespec/cloud-init/apply.sh --check >"$2" 2>&1 ;;
    shell) sb_chroot /bin/bash /root/nodespec-test/out.sh --check >"$2" 2>&1 ;;
    ansible) ansible_check "$2" ;;
  esac
}

# What a check log says would change, one line each, in the same words for every target:
# `mode PATH`, `reinstall TITLE`, `install TITLE`, `remove PATH`, `write PATH`, `start UNIT`.
# For Ansible, read from the changed tasks and items of the --check run.
would_change() { # would_change <target> <log>
  if [[ $1 != ansible ]]; then
    sed -nE \
      -e 's/^nodespec: would set mode [0-7]+ on (.*)$/mode \1/p' \
      -e 's/^nodespec: would (re)?install ([^:]*)(:.*)?$/\1install \2/p' \
      -e 's/^nodespec: would remove (.*)$/remove \1/p' \
      -e 's/^nodespec: would (create|update) (\/.*)$/write \2/p' \
      -e 's/^nodespec: would enable, start (.*)$/start \1/p' "$2" | sort
    return
  fi
  awk '
    /^TASK \[/ { task = $0; sub(/^TASK \[/, "", task); sub(/\] \**$/, "", task); next }
    /^changed: / {
      item = ""
      if (match($0, /\(item=[^)]*\)/)) item = substr($0, RSTART + 6, RLENGTH - 7)
      if (task ~ /^Put back the mode and owner/) print "mode " item
      else if (task ~ /^Remove the files the spec no longer names/) { sub(/^nodespec: removed /, "", item); print "remove " item }
      else if (task ~ /^Write \//) { sub(/^Write /, "", task); print "write " task }
      else if (task ~ /would be enabled and started$/) { sub(/^Report that /, "", task); sub(/ would be.*/, "", task); print "start " task }
      next
    }
    /"msg": "nodespec: would (re)?install / {
      line = $0; sub(/.*"nodespec: would /, "", line); sub(/(: its installed files had changed)?"$/, "", line)
      print line
    }' "$2" | sort
}

# check <target>: the shell's and cloud-init's --check and the playbook's --check --diff change
# nothing and download nothing, and say what they would change: on a fresh node (shell and
# Ansible; cloud-init's script is on the node only after its first run), a converged node and
# a drifted one. The drifted node's changes are the same list for all three targets.
case_check() {
  local t=$1 rc dl out runc expected
  reference
  converge_spec "$CASE_DIR/spec1.yaml" docker.io quay.io
  converge_spec "$CASE_DIR/spec2.yaml" docker.io
  mkdir -p "$SB_ROOT/root/nodespec-test"
  if [[ $t != cloud-init ]]; then
    if [[ $t == shell ]]; then
      ns_compile "$CASE_DIR/spec1.yaml" shell "$CASE_DIR/out1.sh" 2>"$CASE_DIR/compile1.err"
      install -m 0700 "$CASE_DIR/out1.sh" "$SB_ROOT/root/nodespec-test/out.sh"
    else
      ns_compile "$CASE_DIR/spec1.yaml" ansible "$CASE_DIR/out1.yml" 2>"$CASE_DIR/compile1.err"
      install -m 0600 "$CASE_DIR/out1.yml" "$SB_ROOT/root/nodespec-test/out.yml"
    fi
    upper_snapshot >"$CASE_DIR/upper-before"
    dl=$(mirror_downloads)
    run_check "$t" "$CASE_DIR/check-fresh.log"
    rc=$?
    if [[ $t == shell ]]; then
      check "$t/check-fresh: exits 2" "exit $rc, see $CASE_DIR/check-fresh.log" test "$rc" = 2
    else
      check "$t/check-fresh: runs without failing" "exit $rc, see $CASE_DIR/check-fresh.log" test "$rc" = 0
    fi
    check "$t/check-fresh: the upper layer is untouched" "$(diff "$CASE_DIR/upper-before" <(upper_snapshot) | head -5)" \
      diff -q "$CASE_DIR/upper-before" <(upper_snapshot)
    check "$t/check-fresh: downloads nothing" "$(($(mirror_downloads) - dl)) downloads" test "$(mirror_downloads)" = "$dl"
    would_change "$t" "$CASE_DIR/check-fresh.log" >"$CASE_DIR/would-fresh"
    check "$t/check-fresh: would install containerd" "see $CASE_DIR/would-fresh" \
      grep -qx "install containerd $CONTAINERD_VERSION" "$CASE_DIR/would-fresh"
    check "$t/check-fresh: would write hosts.toml" "see $CASE_DIR/would-fresh" \
      grep -qx "write /etc/containerd/certs.d/quay.io/hosts.toml" "$CASE_DIR/would-fresh"
    check "$t/check-fresh: would start containerd" "see $CASE_DIR/would-fresh" \
      grep -qx "start containerd.service" "$CASE_DIR/would-fresh"
  fi
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/check: install applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0

  upper_snapshot >"$CASE_DIR/upper-converged"
  run_check "$t" "$CASE_DIR/check-converged.log"
  rc=$?
  if [[ $t == ansible ]]; then
    out=$(grep -E '^localhost +:' "$CASE_DIR/check-converged.log" | tail -1)
    check "$t/check-converged: changed=0, failed=0" "exit $rc, recap: $out" \
      test "$rc" = 0 -a "$(grep -oE ' (changed|failed)=[0-9]+' <<<"$out" | tr -d '\n')" = " changed=0 failed=0"
  else
    check "$t/check-converged: exits 0, says nothing" "exit $rc: $(head -3 "$CASE_DIR/check-converged.log")" \
      test "$rc" = 0 -a ! -s "$CASE_DIR/check-converged.log"
  fi
  check "$t/check-converged: the upper layer is untouched" "$(diff "$CASE_DIR/upper-converged" <(upper_snapshot) | head -5)" \
    diff -q "$CASE_DIR/upper-converged" <(upper_snapshot)

  # drift: a mode, runc's bytes, and a registry the spec dropped
  chmod 0777 "$SB_ROOT/usr/local/bin/ctr"
  runc=$(runc_path)
  head -c "$(stat -c %s "$SB_ROOT$runc")" /dev/zero >"$SB_ROOT$runc.x"
  cat "$SB_ROOT$runc.x" >"$SB_ROOT$runc" && rm -f "$SB_ROOT$runc.x"
  case $t in
    shell)
      ns_compile "$CASE_DIR/spec2.yaml" shell "$CASE_DIR/out2.sh" 2>"$CASE_DIR/compile2.err"
      install -m 0700 "$CASE_DIR/out2.sh" "$SB_ROOT/root/nodespec-test/out.sh"
      ;;
    cloud-init)
      # the apply script of the new user-data, as cloud-init would write it
      ns_compile "$CASE_DIR/spec2.yaml" cloud-init "$CASE_DIR/out2.yaml" 2>"$CASE_DIR/compile2.err"
      cloud_init_apply_script "$CASE_DIR/out2.yaml" "$SB_ROOT/var/lib/nodespec/cloud-init/apply.sh"
      ;;
    ansible)
      ns_compile "$CASE_DIR/spec2.yaml" ansible "$CASE_DIR/out2.yml" 2>"$CASE_DIR/compile2.err"
      install -m 0600 "$CASE_DIR/out2.yml" "$SB_ROOT/root/nodespec-test/out.yml"
      ;;
  esac
  upper_snapshot >"$CASE_DIR/upper-drifted"
  dl=$(mirror_downloads)
  run_check "$t" "$CASE_DIR/check-drifted.log"
  rc=$?
  if [[ $t == ansible ]]; then
    check "$t/check-drifted: runs without failing" "exit $rc, see $CASE_DIR/check-drifted.log" test "$rc" = 0
  else
    check "$t/check-drifted: exits 2" "exit $rc, see $CASE_DIR/check-drifted.log" test "$rc" = 2
    out=$(grep -vc '^nodespec: would ' "$CASE_DIR/check-drifted.log")
    check "$t/check-drifted: every line is a 'would' line" "$out others" test "$out" = 0
  fi
  check "$t/check-drifted: the upper layer is untouched" "$(diff "$CASE_DIR/upper-drifted" <(upper_snapshot) | head -5)" \
    diff -q "$CASE_DIR/upper-drifted" <(upper_snapshot)
  check "$t/check-drifted: downloads nothing" "$(($(mirror_downloads) - dl)) downloads" test "$(mirror_downloads)" = "$dl"
  # The same list for every target: the three name the same drift, and nothing else.
  would_change "$t" "$CASE_DIR/check-drifted.log" >"$CASE_DIR/would-drifted"
  expected=$(printf '%s\n' "mode /usr/local/bin/ctr" \
    "reinstall runc $RUNC_VERSION" "remove /etc/containerd/certs.d/quay.io/hosts.toml" | sort)
  check "$t/check-drifted: names exactly the mode, runc's bytes and the dropped registry" \
    "says: $(tr '\n' ';' <"$CASE_DIR/would-drifted")" test "$(cat "$CASE_DIR/would-drifted")" = "$expected"
}

# --- The components case: nerdctl and BuildKit dropped, and the switch to nerdctl-full and back.

# components_spec <out> separate|base|full: containerd, runc and CNI, with nerdctl and BuildKit
# (separate) or without (base); or the nerdctl-full bundle alone (full). Their release files
# are the mirror's stand-ins (mirror_build_nerdctl), pinned to the sha256 computed here.
components_spec() {
  local out=$1 set=$2
  {
    cat <<SPEC
nodespec: 1
name: system-test-components
arch: amd64
downloads:
  mirror: $MIRROR_URL
registries:
  docker.io:
    mirrors:
      - $REGISTRY_URL
components:
SPEC
    if [[ $set == full ]]; then
      pinned nerdctl-full "$NERDCTL_FULL_VERSION" "$(nerdctl_full_asset "$NERDCTL_FULL_VERSION")"
    else
      pinned containerd "$CONTAINERD_VERSION" "$(containerd_asset "$CONTAINERD_VERSION")"
      pinned runc "$RUNC_VERSION" "$(runc_asset "$RUNC_VERSION")"
      pinned cni "$CNI_VERSION" "$(cni_asset "$CNI_VERSION")"
    fi
    if [[ $set == separate ]]; then
      pinned nerdctl "$NERDCTL_VERSION" "$(nerdctl_asset "$NERDCTL_VERSION")"
      pinned buildkit "$BUILDKIT_VERSION" "$(buildkit_asset "$BUILDKIT_VERSION")"
    fi
  } >"$out"
}

enabled() { # enabled <target> <unit>: the link `systemctl enable` makes is there
  test -L "$SB_ROOT/etc/systemd/system/$1.wants/$2"
}

# Nothing of these paths (inside the sandbox) exists; prints those that do.
all_gone() {
  local p left=()
  for p; do [[ -e $SB_ROOT$p || -L $SB_ROOT$p ]] && left+=("$p"); done
  ((${#left[@]} == 0)) || { echo "  still there: ${left[*]}" >&2; return 1; }
}

all_there() {
  local p missing=()
  for p; do [[ -e $SB_ROOT$p ]] || missing+=("$p"); done
  ((${#missing[@]} == 0)) || { echo "  missing: ${missing[*]}" >&2; return 1; }
}

# The separate nerdctl and BuildKit, as nodespec installs them.
SEPARATE_FILES=(/usr/local/bin/nerdctl /usr/local/bin/containerd-rootless.sh
  /usr/local/bin/containerd-rootless-setuptool.sh /usr/local/bin/buildkitd /usr/local/bin/buildctl
  /usr/local/lib/systemd/system/buildkit.socket /usr/local/lib/systemd/system/buildkit.service
  /etc/buildkit/buildkitd.toml /etc/nerdctl/nerdctl.toml
  /var/lib/nodespec/artifacts/nerdctl.archive.stamp /var/lib/nodespec/artifacts/buildkit.archive.stamp)

# What only the separate runc and CNI install, and what only the bundle does.
SEPARATE_ONLY=(/usr/local/sbin/runc /opt/cni/bin/bridge /usr/local/lib/systemd/system/buildkit.socket
  /var/lib/nodespec/artifacts/containerd.archive.stamp)
FULL_ONLY=(/usr/local/bin/runc /usr/local/libexec/cni/bridge
  /usr/local/share/doc/nerdctl-full/README.md /var/lib/nodespec/artifacts/nerdctl-full.archive.stamp)

separate_running() { # the separate components' services: enabled and running
  local u
  for u in containerd.service buildkit.service; do
    enabled multi-user.target "$u" || { echo "  $u not enabled" >&2; return 1; }
    [[ -n $(service_pid "$u") ]] || { echo "  $u not running" >&2; return 1; }
  done
  enabled sockets.target buildkit.socket || { echo "  buildkit.socket not enabled" >&2; return 1; }
  [[ -n $(service_pid buildkit.socket) ]] || { echo "  buildkit.socket not active" >&2; return 1; }
}

case_components() {
  local t=$1 calls sp out f
  reference
  components_spec "$CASE_DIR/separate.yaml" separate
  components_spec "$CASE_DIR/base.yaml" base
  components_spec "$CASE_DIR/full.yaml" full

  # --- containerd, runc, CNI, nerdctl and BuildKit
  step 1 "$t" "$CASE_DIR/separate.yaml"
  check "$t/separate: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/separate: nerdctl and BuildKit installed" "see above" all_there "${SEPARATE_FILES[@]}"
  check "$t/separate: containerd, buildkit.socket and buildkit.service enabled and running" \
    "see above" separate_running
  check "$t/separate: manifest matches the node" "see above" manifest_matches_node
  check "$t/separate: manifest names buildkit.service" "no service entry" \
    manifest_names service buildkit.service

  # --- switch to nerdctl-full
  step 2 "$t" "$CASE_DIR/full.yaml"
  check "$t/to-full: output applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/to-full: the bundle's files installed" "see above" all_there "${FULL_ONLY[@]}"
  check "$t/to-full: containerd is the bundle's" "differs" \
    same_bytes "$REF/nerdctl-full/bin/containerd" "$SB_ROOT/usr/local/bin/containerd"
  check "$t/to-full: the units are the bundle's" "differ" eval \
    "same_bytes '$REF/nerdctl-full/lib/systemd/system/buildkit.service' '$SB_ROOT/usr/local/lib/systemd/system/buildkit.service' &&
     same_bytes '$REF/nerdctl-full/lib/systemd/system/containerd.service' '$SB_ROOT/usr/local/lib/systemd/system/containerd.service'"
  check "$t/to-full: the separate runc, CNI and buildkit.socket gone" "see above" \
    all_gone "${SEPARATE_ONLY[@]}" /opt/cni/bin/loopback
  check "$t/to-full: buildkit.socket stopped and disabled" "still active or enabled" \
    eval 'test -z "$(service_pid buildkit.socket)" && ! enabled sockets.target buildkit.socket'
  check "$t/to-full: containerd and buildkit run" "not running" \
    eval 'test -n "$(service_pid containerd.service)" -a -n "$(service_pid buildkit.service)"'
  check "$t/to-full: nerdctl.toml and buildkitd.toml stay" "see above" \
    all_there /etc/nerdctl/nerdctl.toml /etc/buildkit/buildkitd.toml
  check "$t/to-full: manifest matches the node" "see above" manifest_matches_node
  check "$t/to-full: every installed file is named" "see above" manifest_names_all

  # --- and back to the separate components
  step 3 "$t" "$CASE_DIR/separate.yaml"
  check "$t/from-full: output applies" "engine failed, see $CASE_DIR/apply3.log" test $? = 0
  check "$t/from-full: the bundle's own files gone" "see above" all_gone "${FULL_ONLY[@]}"
  check "$t/from-full: the separate components back" "see above" \
    eval 'all_there "${SEPARATE_FILES[@]}" "${SEPARATE_ONLY[@]}" && runc_installed && cni_installed'
  check "$t/from-full: containerd is the release's again" "wrong bytes" \
    binaries_are "$CONTAINERD_VERSION"
  check "$t/from-full: nodespec's units again" "still the bundle's" eval \
    "! same_bytes '$REF/nerdctl-full/lib/systemd/system/buildkit.service' '$SB_ROOT/usr/local/lib/systemd/system/buildkit.service'"
  check "$t/from-full: services enabled and running" "see above" separate_running
  check "$t/from-full: manifest matches the node" "see above" manifest_matches_node
  check "$t/from-full: every installed file is named" "see above" manifest_names_all

  # --- drop nerdctl and BuildKit: services stopped and disabled before their units go
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  sp=$(spawns)
  step 4 "$t" "$CASE_DIR/base.yaml"
  check "$t/drop-nerdctl-buildkit: output applies" "engine failed, see $CASE_DIR/apply4.log" test $? = 0
  check "$t/drop-nerdctl-buildkit: binaries, units, configs and stamps gone" "see above" \
    all_gone "${SEPARATE_FILES[@]}" /etc/buildkit /etc/nerdctl
  out=$(calls_since "$calls" | tr '\n' ';')
  for f in buildkit.service buildkit.socket; do
    check "$t/drop-nerdctl-buildkit: $f stopped" "calls: $out" \
      eval "test -z \"\$(service_pid $f)\" && calls_since $calls | grep -qx 'stop $f'"
  done
  # The stand-in's disable reads the unit's [Install] section: had the unit gone first, the
  # links would stay.
  check "$t/drop-nerdctl-buildkit: disabled while the units were still there" "calls: $out" \
    eval '! enabled multi-user.target buildkit.service && ! enabled sockets.target buildkit.socket'
  check "$t/drop-nerdctl-buildkit: says so" "see $CASE_DIR/apply4.log" \
    output_says "$CASE_DIR/apply4.log" "nodespec: removed /usr/local/lib/systemd/system/buildkit.service"
  check "$t/drop-nerdctl-buildkit: containerd kept running, not restarted" "starts $sp -> $(spawns); calls: $out" \
    eval "test -n \"\$(service_pid containerd.service)\" -a \"\$(spawns)\" = $sp"
  check "$t/drop-nerdctl-buildkit: manifest matches the node" "see above" manifest_matches_node
  check "$t/drop-nerdctl-buildkit: manifest names no buildkit" "it does" \
    eval '! grep -q buildkit "$SB_ROOT$NS_MANIFEST"'
}

# images_uninstall <target> <spec> <sha256>: after the images case, --uninstall leaves of
# nodespec's only the import records (docs/targets.md: the images stay in containerd's store,
# and so do the records saying they were imported); --uninstall --purge removes them with
# containerd's data, so that a new install imports again.
images_uninstall() {
  local t=$1 spec=$2 sha=$3 out
  uninstall_only "$t" "$spec" >"$CASE_DIR/uninstall.log" 2>&1
  check "$t/images-uninstall: runs" "see $CASE_DIR/uninstall.log" test $? = 0
  out=$(written_by_nodespec | grep -vxE "var/lib/nodespec(/images(/[0-9a-f]{64}\.imported)?)?" | tr '\n' ' ')
  check "$t/images-uninstall: only the import records are left" "left: $out" test -z "$out"
  check "$t/images-uninstall: the import records are left" "gone" \
    test -f "$SB_ROOT/var/lib/nodespec/images/$sha.imported"
  uninstall_with "$t" "$spec" purge >"$CASE_DIR/purge.log" 2>&1
  check "$t/images-purge: runs" "see $CASE_DIR/purge.log" test $? = 0
  check "$t/images-purge: the import records are gone" "$(ls "$SB_ROOT/var/lib/nodespec/images" 2>&1 | tr '\n' ' ')" \
    test ! -e "$SB_ROOT/var/lib/nodespec/images"
  check "$t/images-purge: says so" "see $CASE_DIR/purge.log" \
    grep -q 'removed /var/lib/nodespec/images' "$CASE_DIR/purge.log"
}

# uninstall_only <target> <spec>: the uninstall (no purge) with that spec's output.
uninstall_only() {
  local t=$1 spec=$2
  case $t in
    shell)
      ns_compile "$spec" shell "$CASE_DIR/uninstall.sh" &&
        install -m 0700 "$CASE_DIR/uninstall.sh" "$SB_ROOT/root/nodespec-test/out.sh" &&
        sb_chroot /bin/bash /root/nodespec-test/out.sh --uninstall
      ;;
    cloud-init)
      ns_compile "$spec" cloud-init "$CASE_DIR/uninstall.yaml" &&
        cloud_init_apply_script "$CASE_DIR/uninstall.yaml" "$SB_ROOT/root/nodespec-test/uninstall.sh" &&
        sb_chroot /bin/bash /root/nodespec-test/uninstall.sh --uninstall
      ;;
    ansible)
      ns_compile "$spec" ansible "$CASE_DIR/uninstall.yml" &&
        install -m 0600 "$CASE_DIR/uninstall.yml" "$SB_ROOT/root/nodespec-test/out.yml" &&
        sb_chroot ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 \
          ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 "$NODESPEC_VENV/bin/ansible-playbook" \
          -i localhost, -c local -e nodespec_state=absent /root/nodespec-test/out.yml
      ;;
  esac
}

# --- The crossover case: one target's manifest read by another (docs/plan-contract.md, "The
# manifest": the three targets share one format).
#   crossover <target>   install with <target>; the next target (shell -> cloud-init ->
#                        ansible -> shell) applies the same spec: it changes, downloads and
#                        restarts nothing and records the same entries; then it drops
#                        a registry, pruning what the first target's manifest names.
case_crossover() {
  local t=$1 other calls sp dl out
  case $t in
    shell) other=cloud-init ;;
    cloud-init) other=ansible ;;
    *) other=shell ;;
  esac
  reference

  converge_spec "$CASE_DIR/spec1.yaml" docker.io quay.io
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/crossover: $t installs" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  cp "$SB_ROOT$NS_MANIFEST" "$CASE_DIR/manifest1" 2>/dev/null
  manifest --identity >"$CASE_DIR/identity-before"
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  sp=$(spawns)
  dl=$(mirror_downloads)

  step 2 "$other" "$CASE_DIR/spec1.yaml"
  check "$t/crossover: $other applies the same spec" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  manifest --identity >"$CASE_DIR/identity-after"
  check "$t/crossover: $other rewrites nothing" "$(diff "$CASE_DIR/identity-before" "$CASE_DIR/identity-after" | grep '^[-+][^-+]' | head -5)" \
    cmp -s "$CASE_DIR/identity-before" "$CASE_DIR/identity-after"
  # The same entries with the same facts, in each target's own order. Times are left out:
  # Ansible records them from a float (nanoseconds rounded), which only costs a re-hash
  # (docs/plan-contract.md, "The manifest").
  local facts='BEGIN { FS = OFS = "\t" } $1 == "file" { $8 = $9 = "-" } { print }'
  awk "$facts" "$CASE_DIR/manifest1" | sort >"$CASE_DIR/manifest1.sorted"
  awk "$facts" "$SB_ROOT$NS_MANIFEST" 2>/dev/null | sort >"$CASE_DIR/manifest2.sorted"
  check "$t/crossover: $other records what $t recorded" "$(diff "$CASE_DIR/manifest1.sorted" "$CASE_DIR/manifest2.sorted" | head -5)" \
    cmp -s "$CASE_DIR/manifest1.sorted" "$CASE_DIR/manifest2.sorted"
  check "$t/crossover: $other downloads nothing" "$(($(mirror_downloads) - dl)) downloads" test "$(mirror_downloads)" = "$dl"
  out=$(restarts_since "$calls")
  check "$t/crossover: $other restarts nothing" "calls: $out" test -z "$out" -a "$(spawns)" = "$sp"

  converge_spec "$CASE_DIR/spec2.yaml" docker.io
  step 3 "$other" "$CASE_DIR/spec2.yaml"
  check "$t/crossover: $other drops a registry $t installed" "engine failed, see $CASE_DIR/apply3.log" test $? = 0
  check "$t/crossover: its hosts.toml and folder removed" "still there" \
    test ! -e "$SB_ROOT/etc/containerd/certs.d/quay.io"
  check "$t/crossover: $other says so" "see $CASE_DIR/apply3.log" \
    output_says "$CASE_DIR/apply3.log" "nodespec: removed /etc/containerd/certs.d/quay.io/hosts.toml"
  check "$t/crossover: the manifest matches the node" "see above" manifest_matches_node
}
