# shellcheck shell=bash
# Compiling a spec and applying the output with its real engine inside the sandbox.
#
#   ns_compile <spec> <target> <out>    nodespec compile
#   ns_apply <target> <out> <log>       shell: bash; cloud-init: NoCloud seed + the four
#                                       stages; ansible: ansible-playbook -c local
# ns_apply returns the engine's verdict (non-zero when the output failed) and leaves all the
# engine printed in <log>; for Ansible, the recap line is in $CASE_DIR/recap.

NODESPEC_VENV=${NODESPEC_VENV:-$REPO/.venv}
APPLY_COUNT=0

ns_compile() { # ns_compile <spec> <target> <out>; $COMPILE_EXTRA: more options (one word each)
  # shellcheck disable=SC2086 # COMPILE_EXTRA is a list of words
  "$COMPILER" compile "$1" --target "$2" --output "$3" ${COMPILE_EXTRA:-}
}

ns_apply() { # ns_apply <target> <out> <log>
  local target=$1 out=$2 log=$3 rc=0
  APPLY_COUNT=$((APPLY_COUNT + 1))
  mkdir -p "$SB_ROOT/root/nodespec-test"
  case $target in
    shell)
      install -m 0700 "$out" "$SB_ROOT/root/nodespec-test/out.sh"
      sb_chroot /bin/bash /root/nodespec-test/out.sh >"$log" 2>&1 || rc=$?
      ;;
    cloud-init) apply_cloud_init "$out" "$log" || rc=$? ;;
    ansible)
      install -m 0600 "$out" "$SB_ROOT/root/nodespec-test/out.yml"
      sb_chroot ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 \
        ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_LOCALHOST_WARNING=0 \
        "$NODESPEC_VENV/bin/ansible-playbook" -i localhost, -c local \
        /root/nodespec-test/out.yml >"$log" 2>&1 || rc=$?
      grep -E '^localhost +:' "$log" | tail -1 >"$CASE_DIR/recap"
      ;;
    *) echo "unknown target $target" >&2; return 2 ;;
  esac
  return $rc
}

# The real cloud-init pipeline in the chroot: a NoCloud seed with a fresh instance-id per apply
# (that is how cloud-init is made to run user-data again: a new instance), then the four stages
# systemd would run at boot. The node-side settings below are what any image configures:
# which datasource, no network rendering (the sandbox has only lo), and no locale change (the
# host image has no en_US.UTF-8 generated, which fails cc_locale, unrelated to nodespec).
apply_cloud_init() { # apply_cloud_init <user-data> <log>
  local seed=$SB_ROOT/var/lib/cloud/seed/nocloud rc=0 stage before
  mkdir -p "$seed"
  install -m 0600 "$1" "$seed/user-data"
  printf 'instance-id: iid-nodespec-%s\nlocal-hostname: node\n' "$APPLY_COUNT" >"$seed/meta-data"
  cat >"$SB_ROOT/etc/cloud/cloud.cfg.d/90-nodespec-system-test.cfg" <<'EOF'
datasource_list: [ NoCloud ]
network: { config: disabled }
locale: false
EOF
  # A boot starts with an empty /run; cloud-init keeps its "already ran this boot" state in
  # /run/cloud-init and would otherwise keep the cached instance. Services keep running.
  rm -rf "$SB_ROOT/run/cloud-init"
  before=$(wc -c <"$SB_ROOT/var/log/cloud-init-output.log" 2>/dev/null || echo 0)
  local log_before
  log_before=$(wc -c <"$SB_ROOT/var/log/cloud-init.log" 2>/dev/null || echo 0)
  : >"$2"
  for stage in "init --local" "init" "modules --mode config" "modules --mode final"; do
    echo "=== cloud-init $stage" >>"$2"
    # shellcheck disable=SC2086
    sb_chroot cloud-init $stage >>"$2" 2>&1 || { rc=$?; echo "=== stage failed: rc=$rc" >>"$2"; }
  done
  echo "=== cloud-init-output.log (this run)" >>"$2"
  tail -c +"$((before + 1))" "$SB_ROOT/var/log/cloud-init-output.log" >>"$2" 2>/dev/null
  echo "=== result.json" >>"$2"
  cat "$SB_ROOT/var/lib/cloud/data/result.json" >>"$2" 2>/dev/null
  tail -c +"$((log_before + 1))" "$SB_ROOT/var/log/cloud-init.log" >"$2.cloud-init.log" 2>/dev/null
  # It must really have run this user-data as a new instance, or every check after is vacuous.
  if [[ $(cat "$SB_ROOT/var/lib/cloud/data/instance-id" 2>/dev/null) != "iid-nodespec-$APPLY_COUNT" ||
    ! -e $SB_ROOT/var/lib/cloud/instances/iid-nodespec-$APPLY_COUNT/sem/config_scripts_user ]]; then
    echo "=== cloud-init did not run the user-data as instance iid-nodespec-$APPLY_COUNT" >>"$2"
    rc=99
  fi
  # cloud-init's own verdict: errors recorded for this boot
  if ! /usr/bin/python3 -c 'import json,sys; sys.exit(1 if json.load(open(sys.argv[1]))["v1"]["errors"] else 0)' \
    "$SB_ROOT/var/lib/cloud/data/result.json" 2>/dev/null; then
    [[ $rc != 0 ]] || rc=1
  fi
  return "$rc"
}

recap_changed() { sed -n 's/.*changed=\([0-9]*\).*/\1/p' "$CASE_DIR/recap"; }
recap_failed() { sed -n 's/.*failed=\([0-9]*\).*/\1/p' "$CASE_DIR/recap"; }
