# shellcheck shell=bash
# The system-test cases. Each runs in a fresh sandbox (lib/case.sh sets it up and tears it
# down) and records one result line per check through lib/checks.sh.
#
#   apply <target>      install, node checks, containerd + pull + run, idempotence,
#                       a registry-mirror change, a containerd upgrade
#   faults <target>     a checksum mismatch and a cut-off download leave the node as it was;
#                       the next run with the mirror fixed completes
#   nosystemd <target>  no /run/systemd/system: enabled by symlink, not started, and said so
#   published <target>  verify: published: hashes come from the mirror's checksum files
#   quoting <target>    a mirror header full of shell/YAML/TOML/Jinja syntax arrives verbatim
#   large <target>      21 registries: the cloud-config passes 16 KB and is compressed; for
#                       cloud-init also gzip'd whole (--gzip)
#   tls <target>        a TLS registry trusted only through the CA the spec delivers
#   operations <target> proxy drop-in, data folders, a setting and a conf.d drop-in, read back
#                       by the sandbox's containerd (1.6); a proxy change restarts it
#   auth <target>       a registry that wants basic auth, reached with `auth:` and a password
#                       file on the node
#   images <target>     image tarballs (a node file and a download) imported into k8s.io once
#   redirect <target>   an https download redirected to http is refused, to https followed
#   packages <target>   kubernetes.packages from a local apt repository: what is missing is
#                       installed, and a second run installs no package
#   fleet <target>      examples/fleet/nodes/eu-web-01.yaml (node -> site -> base), with
#                       --set pointing it at the sandbox's mirrors: installed, idempotent
#   runtimes <target>   runtimes: {crun} with default_runtime: crun and kubernetes, Debian's
#                       crun served as the release: its entry read back by containerd 1.6, a
#                       container really run by the installed crun; again: nothing changes
#   kata <target>       runtimes: {kata} from a stand-in kata-static .tar.xz: unpacked under
#                       /opt/kata, the shim on PATH, vhost modules (stand-in modprobe), the
#                       table read back by containerd 1.6; again, dropped, uninstalled

MIRROR_URL=http://127.0.0.1:$MIRROR_PORT
REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT
SECOND_MIRROR=http://127.0.0.1:$REGISTRY2_PORT

write_spec() { # write_spec <out> <containerd-version> <registry-mirror...>
  local out=$1 cv=$2 m
  shift 2
  {
    cat <<EOF
nodespec: 1
name: system-test
arch: amd64
downloads:
  mirror: $MIRROR_URL
components:
EOF
    pinned containerd "$cv" "$(containerd_asset "$cv")"
    pinned runc "$RUNC_VERSION" "$(runc_asset "$RUNC_VERSION")"
    pinned cni "$CNI_VERSION" "$(cni_asset "$CNI_VERSION")"
    printf 'registries:\n  docker.io:\n    mirrors:\n'
    for m in "$@"; do echo "      - $m"; done
  } >"$out"
}

# The bytes each release asset holds, unpacked once per run by mirror_build (run.sh).
REF=$WORK/mirror-ref
reference() { [[ -d $REF/cni ]] || { echo "  no unpacked release files in $REF" >&2; return 1; }; }

# compile + apply in one step; <n> names the files kept in the case folder.
step() { # step <n> <target> <spec> -> engine rc
  local n=$1 target=$2 spec=$3 ext=sh
  [[ $target == cloud-init ]] && ext=yaml
  [[ $target == ansible ]] && ext=yml
  if ! ns_compile "$spec" "$target" "$CASE_DIR/out$n.$ext" 2>"$CASE_DIR/compile$n.err"; then
    fail "compile-$n" "nodespec compile failed: $(head -c 600 "$CASE_DIR/compile$n.err")"
    return 90
  fi
  ns_apply "$target" "$CASE_DIR/out$n.$ext" "$CASE_DIR/apply$n.log"
}

runc_path() {
  local p
  for p in /usr/local/sbin/runc /usr/local/bin/runc; do
    [[ -f $SB_ROOT$p ]] && { echo "$p"; return 0; }
  done
  return 1
}

binaries_are() { # binaries_are <containerd-version>
  local f ref=$REF/containerd-$1/bin
  for f in containerd ctr containerd-shim-runc-v2; do
    same_bytes "$ref/$f" "$SB_ROOT/usr/local/bin/$f" || { echo "  /usr/local/bin/$f differs from $1's" >&2; return 1; }
    [[ -x $SB_ROOT/usr/local/bin/$f ]] || { echo "  /usr/local/bin/$f not executable" >&2; return 1; }
  done
}

runc_installed() {
  local p
  p=$(runc_path) || { echo "  no runc under /usr/local/{sbin,bin}" >&2; return 1; }
  same_bytes /usr/bin/runc "$SB_ROOT$p" && [[ -x $SB_ROOT$p ]]
}

cni_installed() {
  local f
  for f in "$REF"/cni/*; do
    same_bytes "$f" "$SB_ROOT/opt/cni/bin/${f##*/}" || { echo "  /opt/cni/bin/${f##*/} missing or differs" >&2; return 1; }
  done
}

stamps_written() {
  local n
  n=$(find "$SB_ROOT/var/lib/nodespec/artifacts" -type f 2>/dev/null | wc -l)
  ((n >= 3)) || { echo "  $n stamp files under /var/lib/nodespec/artifacts, want >= 3" >&2; return 1; }
}

unit_installed() {
  local path
  path=$(unit_file containerd.service) || { echo "  containerd.service in no unit folder" >&2; return 1; }
  grep -Eq '^ExecStart=.*/usr/local/bin/containerd( |$)' "$SB_ROOT$path" ||
    { echo "  $path: ExecStart does not run /usr/local/bin/containerd" >&2; return 1; }
}

unit_enabled() {
  local path link=$SB_ROOT/etc/systemd/system/multi-user.target.wants/containerd.service
  path=$(unit_file containerd.service) || return 1
  [[ -L $link && $(readlink "$link") == "$path" ]] ||
    { echo "  $link -> $(readlink "$link" 2>/dev/null || echo missing), want $path" >&2; return 1; }
}

hosts_has() { # hosts_has <url>
  local f=$SB_ROOT/etc/containerd/certs.d/docker.io/hosts.toml
  grep -Fq "[host.\"$1\"]" "$f" 2>/dev/null ||
    { echo "  $f has no [host.\"$1\"]" >&2; cat "$f" >&2 2>/dev/null; return 1; }
}

containerd_serves() {
  sb_chroot ctr version >"$CASE_DIR/ctr-version.$APPLY_COUNT" 2>&1 &&
    grep -q '^Server:' "$CASE_DIR/ctr-version.$APPLY_COUNT"
}

pull_through_mirror() { pull_from "$REGISTRY_LOG"; }
pull_from() { # pull_from <registry log>
  local hits
  sb_chroot ctr images pull --hosts-dir /etc/containerd/certs.d \
    docker.io/library/busybox:latest >"$CASE_DIR/pull.log" 2>&1 || { tail -5 "$CASE_DIR/pull.log" >&2; return 1; }
  # containerd resolves with HEAD .../manifests/latest, then GETs by digest; ?ns= names the
  # registry the mirror stands in for.
  hits=$(grep -Ec '"(HEAD|GET) /v2/library/busybox/manifests/[^ ]*\?ns=docker\.io ' "$1")
  ((hits >= 1)) || { echo "  the local registry saw no manifest request for docker.io" >&2; return 1; }
}

run_container() {
  local out
  out=$(sb_chroot ctr run --rm docker.io/library/busybox:latest t1 echo hello 2>&1)
  [[ $out == hello ]] || { echo "  ctr run printed: $out" >&2; return 1; }
}

output_says() { # output_says <log> <fixed string>
  grep -Fq -- "$2" "$1" && return 0
  echo "  wanted: $2" >&2
  # the nearest thing the engine did say, to show how it differs
  echo "  closest: $(grep -Ei -m1 'nodespec:.*(checksum|mismatch|systemd)|did not match' "$1" | cut -c1-400)" >&2
  return 1
}

spawns() { count_lines "$SB_ROOT/run/standin/spawns.log"; }

# A daemon-reload precedes the first start (or restart) of containerd.service in the calls
# after line <from>: the contract reloads once before the first service step of a run
# that changed something, so systemd sees a new or changed unit.
reload_before() { # reload_before start|restart [<from>]
  calls_since "${2:-0}" | awk -v verb="$1" '
    $1 == "daemon-reload" { reloaded = 1 }
    $1 == verb && $2 == "containerd.service" { found = 1; exit }
    END { exit((found && reloaded) ? 0 : 1) }'
}

# ---------------------------------------------------------------------------------------------

case_apply() {
  local t=$1 pid pid2 dl calls sp out
  reference
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/install: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/install: containerd binaries" "not the release's bytes" binaries_are "$CONTAINERD_VERSION"
  check "$t/install: runc binary" "not the release's bytes" runc_installed
  check "$t/install: CNI plugins in /opt/cni/bin" "missing or different" cni_installed
  check "$t/install: artifact stamps" "missing" stamps_written
  check "$t/install: containerd.service unit" "missing or wrong" unit_installed
  check "$t/install: containerd.service enabled" "no .wants symlink" unit_enabled
  check "$t/install: hosts.toml mirror" "wrong" hosts_has "$REGISTRY_URL"
  pid=$(service_pid containerd.service)
  check "$t/install: containerd started" "not running (stand-in pidfile)" test -n "$pid"
  check "$t/install: started once" "$(spawns) starts, want 1" test "$(spawns)" = 1
  check "$t/install: daemon-reload before the start" "calls: $(tr '\n' ';' <"$SB_ROOT/run/standin/calls.log")" \
    reload_before start
  check "$t/install: ctr version answers" "no Server section" containerd_serves
  check "$t/install: pull through the registry mirror" "pull failed" pull_through_mirror
  check "$t/install: container runs" "ctr run failed" run_container
  manifest >"$RESULTS_DIR/manifest-apply-$t"

  # --- idempotence: the same output again changes nothing
  manifest --identity >"$CASE_DIR/identity-before"
  dl=$(mirror_downloads)
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  sp=$(spawns)
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/again: output applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/again: downloads nothing" "$(($(mirror_downloads) - dl)) downloads" test "$(mirror_downloads)" = "$dl"
  manifest --identity >"$CASE_DIR/identity-after"
  if diff -u "$CASE_DIR/identity-before" "$CASE_DIR/identity-after" >"$CASE_DIR/identity.diff"; then
    pass "$t/again: rewrites nothing"
  else
    fail "$t/again: rewrites nothing" "managed files changed (inode/mtime/bytes):"
    grep '^[-+][^-+]' "$CASE_DIR/identity.diff" | head -20 | sed 's/^/    /'
  fi
  pid2=$(service_pid containerd.service)
  check "$t/again: containerd PID unchanged" "was $pid, now ${pid2:-none}" test "$pid" = "$pid2"
  out=$(calls_since "$calls" | grep -E '^(start|stop|restart|try-restart|reload-or-restart) ' | tr '\n' ';')
  check "$t/again: no start or restart" "systemctl calls: $out" test -z "$out" -a "$(spawns)" = "$sp"
  out=$(calls_since "$calls" | grep -c '^daemon-reload')
  check "$t/again: no daemon-reload" "$out daemon-reloads though nothing changed" test "$out" = 0
  if [[ $t == ansible ]]; then
    check "$t/again: recap changed=0" "recap: $(cat "$CASE_DIR/recap")" test "$(recap_changed)" = 0
  fi

  # --- one more registry mirror: hosts.toml changes, containerd keeps running
  write_spec "$CASE_DIR/spec3.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL" "$SECOND_MIRROR"
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  sp=$(spawns)
  dl=$(mirror_downloads)
  step 3 "$t" "$CASE_DIR/spec3.yaml"
  check "$t/mirror-added: output applies" "engine failed, see $CASE_DIR/apply3.log" test $? = 0
  check "$t/mirror-added: hosts.toml has both mirrors" "wrong" hosts_has "$SECOND_MIRROR"
  check "$t/mirror-added: first mirror kept" "wrong" hosts_has "$REGISTRY_URL"
  out=$(calls_since "$calls" | grep -E '^(start|stop|restart|try-restart|reload-or-restart) ' | tr '\n' ';')
  check "$t/mirror-added: containerd not restarted" "systemctl calls: $out; starts $sp -> $(spawns)" \
    test -z "$out" -a "$(spawns)" = "$sp"
  check "$t/mirror-added: downloads nothing" "$(($(mirror_downloads) - dl)) downloads" test "$(mirror_downloads)" = "$dl"

  # --- only the second mirror: containerd reads the new hosts.toml without a restart, so
  # the next pull goes to the second registry (nothing else is reachable)
  write_spec "$CASE_DIR/spec3b.yaml" "$CONTAINERD_VERSION" "$SECOND_MIRROR"
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  sp=$(spawns)
  if registry2_start "$CASE_DIR"; then
    step 3b "$t" "$CASE_DIR/spec3b.yaml"
    check "$t/mirror-switched: output applies" "engine failed, see $CASE_DIR/apply3b.log" test $? = 0
    out=$(calls_since "$calls" | grep -E '^(start|stop|restart|try-restart|reload-or-restart) ' | tr '\n' ';')
    check "$t/mirror-switched: containerd not restarted" "systemctl calls: $out" test -z "$out" -a "$(spawns)" = "$sp"
    sb_chroot ctr images rm docker.io/library/busybox:latest >/dev/null 2>&1
    check "$t/mirror-switched: the next pull uses the new mirror" "see $CASE_DIR/pull.log, $REGISTRY2_LOG" \
      pull_from "$REGISTRY2_LOG"
    registry2_stop
  else
    fail "$t/mirror-switched: second registry" "did not start"
  fi

  # --- another containerd version: installed, containerd restarted exactly once
  write_spec "$CASE_DIR/spec4.yaml" "$CONTAINERD_UPGRADE_VERSION" "$REGISTRY_URL" "$SECOND_MIRROR"
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  sp=$(spawns)
  dl=$(mirror_downloads)
  pid=$(service_pid containerd.service)
  step 4 "$t" "$CASE_DIR/spec4.yaml"
  check "$t/upgrade: output applies" "engine failed, see $CASE_DIR/apply4.log" test $? = 0
  check "$t/upgrade: new containerd installed" "binaries are not $CONTAINERD_UPGRADE_VERSION's" \
    binaries_are "$CONTAINERD_UPGRADE_VERSION"
  check "$t/upgrade: one download" "$(($(mirror_downloads) - dl)) downloads, want 1 (the containerd tarball)" \
    test "$(($(mirror_downloads) - dl))" = 1
  pid2=$(service_pid containerd.service)
  check "$t/upgrade: containerd restarted exactly once" \
    "starts $sp -> $(spawns), PID $pid -> ${pid2:-none}; calls: $(calls_since "$calls" | tr '\n' ';')" \
    test "$(($(spawns) - sp))" = 1 -a -n "$pid2" -a "$pid" != "$pid2"
  check "$t/upgrade: daemon-reload before the restart" "calls: $(calls_since "$calls" | tr '\n' ';')" \
    reload_before restart "$calls"
  check "$t/upgrade: ctr version answers" "no Server section" containerd_serves
}

case_faults() {
  local t=$1 pid sp calls bad
  reference
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/faults: baseline install" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  manifest >"$CASE_DIR/bins-before"
  listing >"$CASE_DIR/listing-before"
  pid=$(service_pid containerd.service)
  sp=$(spawns)
  write_spec "$CASE_DIR/spec2.yaml" "$CONTAINERD_UPGRADE_VERSION" "$REGISTRY_URL"

  # --- the mirror serves bytes that do not match the pinned sha256
  mirror_fault swap "$(containerd_asset "$CONTAINERD_UPGRADE_VERSION")" "$WORK/mirror-bogus.bin"
  bad=$(sha256sum <"$WORK/mirror-bogus.bin" | cut -c1-64)
  step 2 "$t" "$CASE_DIR/spec2.yaml"
  check "$t/bad-sha256: the run fails" "engine said success, see $CASE_DIR/apply2.log" test $? != 0
  check "$t/bad-sha256: message names the file" "see $CASE_DIR/apply2.log" output_says "$CASE_DIR/apply2.log" \
    "nodespec: checksum mismatch for containerd-$CONTAINERD_UPGRADE_VERSION-linux-amd64.tar.gz: expected $(mirror_sha256 "$(containerd_asset "$CONTAINERD_UPGRADE_VERSION")"), got $bad"
  check "$t/bad-sha256: installed files byte-identical" "see diff below" \
    diff -u "$CASE_DIR/bins-before" <(manifest)
  bad=$(leftovers "$CASE_DIR/listing-before" | tr '\n' ' ')
  check "$t/bad-sha256: nothing left behind" "new: $bad" test -z "$bad"
  check "$t/bad-sha256: containerd untouched" "PID $pid -> $(service_pid containerd.service), starts $sp -> $(spawns)" \
    test "$(service_pid containerd.service)" = "$pid" -a "$(spawns)" = "$sp"

  # --- the download is cut off halfway (Content-Length promised, connection closed)
  mirror_fault clear
  mirror_fault cutoff "$(containerd_asset "$CONTAINERD_UPGRADE_VERSION")"
  step 3 "$t" "$CASE_DIR/spec2.yaml"
  check "$t/cut-off: the run fails" "engine said success, see $CASE_DIR/apply3.log" test $? != 0
  check "$t/cut-off: the mirror did cut it" "no cut-off request in the access log" \
    grep -q '200-cutoff' "$MIRROR_LOG"
  check "$t/cut-off: installed files byte-identical" "see diff below" \
    diff -u "$CASE_DIR/bins-before" <(manifest)
  bad=$(leftovers "$CASE_DIR/listing-before" | tr '\n' ' ')
  check "$t/cut-off: nothing left behind" "new: $bad" test -z "$bad"

  # --- mirror fixed: the next run completes
  mirror_fault clear
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  step 4 "$t" "$CASE_DIR/spec2.yaml"
  check "$t/recovered: the run completes" "engine failed, see $CASE_DIR/apply4.log" test $? = 0
  check "$t/recovered: new containerd installed" "wrong bytes" binaries_are "$CONTAINERD_UPGRADE_VERSION"
  check "$t/recovered: containerd restarted once" "starts $sp -> $(spawns); calls: $(calls_since "$calls" | tr '\n' ';')" \
    test "$(($(spawns) - sp))" = 1
}

case_nosystemd() {
  local t=$1 dl
  reference
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/no-systemd: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/no-systemd: says it did not start" "see $CASE_DIR/apply1.log" output_says "$CASE_DIR/apply1.log" \
    "nodespec: systemd is not running: containerd.service enabled, not started"
  check "$t/no-systemd: enabled by symlink" "wrong" unit_enabled
  check "$t/no-systemd: binaries installed" "wrong bytes" binaries_are "$CONTAINERD_VERSION"
  check "$t/no-systemd: nothing started" "spawns: $(spawns); calls: $(tr '\n' ';' <"$SB_ROOT/run/standin/calls.log" 2>/dev/null)" \
    test "$(spawns)" = 0 -a -z "$(grep -E '^(start|restart|daemon-reload) ' "$SB_ROOT/run/standin/calls.log" 2>/dev/null)"
  dl=$(mirror_downloads)
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/no-systemd: again applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/no-systemd: again downloads nothing" "$(($(mirror_downloads) - dl)) downloads" test "$(mirror_downloads)" = "$dl"
}

case_published() {
  local t=$1 dl
  reference
  # No sha256 in the spec: the hashes come from the checksum files published beside each asset
  # (containerd <asset>.sha256sum, runc runc.sha256sum with "*runc.amd64", CNI <asset>.sha256).
  # Over https: published checksums over plain http are refused (insecure-published).
  if ! mirror_start_tls "$CASE_DIR"; then
    fail "$t/published: setup" "no https mirror, see $CASE_DIR/mirror-server.err"
    return
  fi
  cat >"$CASE_DIR/spec1.yaml" <<SPEC
nodespec: 1
name: system-test-published
arch: amd64
downloads:
  mirror: $MIRROR_URL
  verify: published
components:
  containerd: $CONTAINERD_VERSION
  runc: $RUNC_VERSION
  cni: $CNI_VERSION
SPEC
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/published: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/published: containerd binaries" "not the release's bytes" binaries_are "$CONTAINERD_VERSION"
  check "$t/published: runc binary" "not the release's bytes" runc_installed
  check "$t/published: CNI plugins" "missing or different" cni_installed
  check "$t/published: checksum files fetched" "not one GET of each of the three checksum files" \
    test "$(grep -cE '^GET .*\.sha256(sum)? 200' "$MIRROR_LOG")" = 3
  dl=$(mirror_downloads)
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/published: again applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/published: again downloads nothing" "$(($(mirror_downloads) - dl)) downloads" \
    test "$(mirror_downloads)" = "$dl"

  # A runc whose bytes do not match the published hash, on a node that lost its runc.
  local runc
  runc=$(runc_path) && rm -f "$SB_ROOT$runc"
  mirror_fault swap "$(runc_asset "$RUNC_VERSION")" "$WORK/mirror-bogus.bin"
  step 3 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/published: a mismatch fails the run" "engine said success, see $CASE_DIR/apply3.log" test $? != 0
  check "$t/published: message names runc.amd64" "see $CASE_DIR/apply3.log" output_says "$CASE_DIR/apply3.log" \
    "nodespec: checksum mismatch for runc.amd64: expected $(mirror_sha256 "$(runc_asset "$RUNC_VERSION")"), got $(sha256sum <"$WORK/mirror-bogus.bin" | cut -c1-64)"
  check "$t/published: bad bytes not installed" "a runc is there: $(runc_path)" test -z "$(runc_path)"
  mirror_fault clear
}

# A spec value full of shell, YAML, TOML and Jinja syntax travels through each engine
# untouched: nothing it spells out is executed, and hosts.toml holds exactly the value.
case_quoting() {
  local t=$1 pwned
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  # Replace the short mirror form with one that carries the hostile header. YAML single
  # quotes: '' is one quote, nothing else is special.
  python3 - "$CASE_DIR/spec1.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
hostile = ("a'b\"c $(touch /pwned-1) `touch /pwned-2` ${HOME} "
           "{{ lookup('pipe', 'touch /pwned-3') }} {% raw %}{# c #} \\ \\n \\\" ]] [x] = \"y\" end")
quoted = "'" + hostile.replace("'", "''") + "'"
text = text.replace("      - http://127.0.0.1:", "      - url: http://127.0.0.1:", 1)
text = text.rstrip("\n") + "\n        header:\n          X-Nodespec-Test: " + quoted + "\n"
open(path, "w").write(text)
PY
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/quoting: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  pwned=$(ls -d "$SB_ROOT"/pwned-* "$SB_ROOT"/root/nodespec-test/pwned-* "$SB_ROOT"/tmp/pwned-* 2>/dev/null | tr '\n' ' ')
  check "$t/quoting: nothing in the value was executed" "found: $pwned" test -z "$pwned"
  # The mirror's table is named by the registry's configured URL (REGISTRY_PORT may move it).
  check "$t/quoting: hosts.toml holds the exact value" "see below" python3 - "$CASE_DIR/spec1.yaml" \
    "$SB_ROOT/etc/containerd/certs.d/docker.io/hosts.toml" "$REGISTRY_URL" <<'PY'
import sys, tomllib, yaml
spec = yaml.safe_load(open(sys.argv[1]))
want = spec["registries"]["docker.io"]["mirrors"][0]["header"]["X-Nodespec-Test"]
hosts = tomllib.load(open(sys.argv[2], "rb"))
got = hosts["host"][sys.argv[3]]["header"]["X-Nodespec-Test"]
if isinstance(got, list) and len(got) == 1:
    got = got[0]
if got != want:
    print(f"  want {want!r}\n  got  {got!r}", file=sys.stderr)
    sys.exit(1)
PY
  check "$t/quoting: containerd still pulls through the mirror" "pull failed" pull_through_mirror
  manifest >"$RESULTS_DIR/manifest-quoting-$t"
  manifest --identity >"$CASE_DIR/identity-before"
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/quoting: again applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/quoting: again rewrites nothing" "see $CASE_DIR/identity-before" \
    diff -q "$CASE_DIR/identity-before" <(manifest --identity)
}

# A spec big enough that the cloud-config passes 16 KB, where the cloud-init backend starts
# compressing (write_files `encoding: gz+b64`): cloud-init itself must decode it to the same
# bytes the other targets write (the equivalence check compares them).
LARGE_REGISTRIES=20
case_large() {
  local t=$1 n
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  python3 - "$CASE_DIR/spec1.yaml" "$LARGE_REGISTRIES" "$REGISTRY_URL" "$SECOND_MIRROR" <<'PY'
import sys
path, count, first, second = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(path, "a") as f:
    for i in range(count):
        f.write(f"  reg{i}.example.com:\n    mirrors:\n"
                f"      - url: {first}\n"
                f"        header: {{ X-Pad: 'pad-{i}-{'x' * 150}' }}\n"
                f"      - {second}\n")
PY
  # cloud-init gets the whole user-data gzip-compressed (--gzip), its files compressed inside
  # as well: everything below then shows that cloud-init decompressed both layers.
  local COMPILE_EXTRA=
  [[ $t == cloud-init ]] && COMPILE_EXTRA=--gzip
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/large: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  if [[ $t == cloud-init ]]; then
    check "$t/large: user-data is gzip-compressed, within 16 KB" \
      "$(wc -c <"$CASE_DIR/out1.yaml") bytes, starting $(head -c 2 "$CASE_DIR/out1.yaml" | od -An -tx1)" \
      eval "(( $(wc -c <"$CASE_DIR/out1.yaml") <= 16384 )) && [[ \$(head -c 2 '$CASE_DIR/out1.yaml' | od -An -tx1) == ' 1f 8b' ]]"
    check "$t/large: its cloud-config compresses files too" "no gz+b64" \
      sh -c "gunzip -c '$CASE_DIR/out1.yaml' | grep -q 'encoding: gz+b64'"
  fi
  n=$(find "$SB_ROOT/etc/containerd/certs.d" -name hosts.toml | wc -l)
  check "$t/large: every hosts.toml written" "$n of $((LARGE_REGISTRIES + 1))" test "$n" = $((LARGE_REGISTRIES + 1))
  check "$t/large: containerd pulls" "pull failed" pull_through_mirror
  manifest >"$RESULTS_DIR/manifest-large-$t"
}

case_packages() {
  local t=$1 before lines p missing=() kept=' (install|upgrade) (iproute2|iptables):'
  if ! debs_sandbox >>"$CASE_DIR/setup.log" 2>&1; then
    fail "$t/packages: setup" "$(tail -2 "$CASE_DIR/setup.log" | tr '\n' ' ')"
    return
  fi
  for p in "${KUBE_REMOVED_PACKAGES[@]}"; do package_installed "$p" || missing+=("$p"); done
  check "$t/packages: the node lacks ${KUBE_REMOVED_PACKAGES[*]}" "still installed" \
    test "${missing[*]}" = "${KUBE_REMOVED_PACKAGES[*]}"
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  printf 'kubernetes:\n  packages: true\n' >>"$CASE_DIR/spec1.yaml"
  before=$(dpkg_installs) lines=$(count_lines "$SB_ROOT/var/log/dpkg.log")
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/packages: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  missing=()
  for p in "${KUBE_REMOVED_PACKAGES[@]}"; do package_installed "$p" || missing+=("$p"); done
  check "$t/packages: installed ${KUBE_REMOVED_PACKAGES[*]}" "not installed: ${missing[*]}" \
    test ${#missing[@]} = 0
  check "$t/packages: conntrack and socat on PATH" "missing" \
    sb_chroot sh -c 'command -v conntrack && command -v socat' >/dev/null
  check "$t/packages: only the missing ones installed" "$(dpkg_log_since "$lines" | grep -E "$kept")" \
    test -z "$(dpkg_log_since "$lines" | grep -E "$kept")"
  if [[ $t != ansible ]]; then
    check "$t/packages: says what it installed" "see $CASE_DIR/apply1.log" \
      output_says "$CASE_DIR/apply1.log" "installed packages: ${KUBE_REMOVED_PACKAGES[*]}"
  fi
  check "$t/packages: dpkg installed something" "dpkg.log: $before -> $(dpkg_installs)" \
    test "$(dpkg_installs)" -gt "$before"
  before=$(dpkg_installs)
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/packages: again applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/packages: again installs no package" "dpkg.log: $before -> $(dpkg_installs)" \
    test "$(dpkg_installs)" = "$before"
  if [[ $t == ansible ]]; then
    check "$t/packages: again changed=0" "recap: $(cat "$CASE_DIR/recap")" test "$(recap_changed)" = 0
  else
    check "$t/packages: again says nothing about packages" "see $CASE_DIR/apply2.log" \
      test -z "$(grep -F 'installed packages' "$CASE_DIR/apply2.log")"
  fi
}

case_tls() {
  local t=$1 url=https://127.0.0.1:$REGISTRY_TLS_PORT certs=/etc/containerd/certs.d/docker.io
  reference
  if ! registry_tls_start "$CASE_DIR" >>"$CASE_DIR/setup.log" 2>&1; then
    fail "$t/tls: setup" "$(tail -2 "$CASE_DIR/setup.log" | tr '\n' ' ')"
    return
  fi
  # The CA sits beside the spec, delivered with `{local: ca.pem}`.
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$url"
  sed -i "s|^      - $url\$|      - url: $url\\n        ca: {local: ca.pem}|" "$CASE_DIR/spec1.yaml"
  check "$t/tls: the spec delivers the CA" "see $CASE_DIR/spec1.yaml" \
    grep -q 'ca: {local: ca.pem}' "$CASE_DIR/spec1.yaml"
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/tls: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/tls: ca.crt beside hosts.toml is the CA" "missing or different" \
    sh -c "grep -v '^#' '$SB_ROOT$certs/ca.crt' | cmp -s - '$CASE_DIR/ca.pem'"
  check "$t/tls: hosts.toml names it" "see $SB_ROOT$certs/hosts.toml" \
    grep -Fq "ca = [\"$certs/ca.crt\"]" "$SB_ROOT$certs/hosts.toml"
  # The same hosts.toml without its `ca` line: the pull must fail on the certificate.
  mkdir -p "$SB_ROOT/tmp/untrusted/docker.io"
  grep -v '^ *ca = ' "$SB_ROOT$certs/hosts.toml" >"$SB_ROOT/tmp/untrusted/docker.io/hosts.toml"
  sb_chroot ctr images pull --hosts-dir /tmp/untrusted "docker.io/$TEST_IMAGE" \
    >"$CASE_DIR/untrusted-pull.log" 2>&1
  check "$t/tls: without the CA the node does not trust the registry" \
    "$(tail -1 "$CASE_DIR/untrusted-pull.log")" \
    grep -q 'certificate signed by unknown authority' "$CASE_DIR/untrusted-pull.log"
  check "$t/tls: the pull is served by the TLS registry through hosts.toml" "pull failed" \
    pull_from "$REGISTRY_TLS_LOG"
}

# One node of examples/fleet as checked in: its site's and the base's values, merged through
# `extends`. The sandbox reaches no real mirror, so `--set` (laid over every file) points the
# downloads at the release mirror, whose bytes are ours (hence the sha256s), and Docker Hub at
# the local registry. Everything else (units, the site's registry.k8s.io mirror, the name)
# comes from the fleet's files.
case_fleet() {
  local t=$1 ext=sh dl node=$SYSTEM_TESTS/../../examples/fleet/nodes/eu-web-01.yaml
  [[ $t == cloud-init ]] && ext=yaml
  [[ $t == ansible ]] && ext=yml
  reference
  local sets=(
    --set "downloads.mirror=$MIRROR_URL"
    --set "components.containerd={version: $CONTAINERD_VERSION, sha256: $(mirror_sha256 "$(containerd_asset "$CONTAINERD_VERSION")")}"
    --set "components.runc={version: $RUNC_VERSION, sha256: $(mirror_sha256 "$(runc_asset "$RUNC_VERSION")")}"
    --set "components.cni={version: $CNI_VERSION, sha256: $(mirror_sha256 "$(cni_asset "$CNI_VERSION")")}"
    --set "registries.\"docker.io\".mirrors=[$REGISTRY_URL]"
  )
  local n
  for n in 1 2; do
    if ! "$COMPILER" compile "$node" --target "$t" --output "$CASE_DIR/out$n.$ext" "${sets[@]}" \
      2>"$CASE_DIR/compile$n.err"; then
      fail "$t/fleet: compile" "nodespec compile failed: $(head -c 600 "$CASE_DIR/compile$n.err")"
      return
    fi
    [[ $n == 2 ]] && dl=$(mirror_downloads)
    ns_apply "$t" "$CASE_DIR/out$n.$ext" "$CASE_DIR/apply$n.log"
    check "$t/fleet: output applies ($n)" "engine failed, see $CASE_DIR/apply$n.log" test $? = 0
  done
  check "$t/fleet: the node's name from the node file" "no eu-web-01 in the output" \
    grep -q 'eu-web-01' "$CASE_DIR/out1.$ext"
  check "$t/fleet: containerd binaries (the base's components)" "not the release's bytes" \
    binaries_are "$CONTAINERD_VERSION"
  check "$t/fleet: runc binary" "not the release's bytes" runc_installed
  check "$t/fleet: CNI plugins" "missing or different" cni_installed
  check "$t/fleet: containerd.service enabled" "no .wants symlink" unit_enabled
  check "$t/fleet: the site's registry.k8s.io mirror" "no hosts.toml with it" grep -Fq \
    '[host."https://k8s-mirror.eu.corp.example"]' "$SB_ROOT/etc/containerd/certs.d/registry.k8s.io/hosts.toml"
  check "$t/fleet: --set replaced the site's docker.io mirrors" "wrong" hosts_has "$REGISTRY_URL"
  check "$t/fleet: ctr version answers" "no Server section" containerd_serves
  check "$t/fleet: pull through the registry mirror" "pull failed" pull_through_mirror
  check "$t/fleet: again downloads nothing" "$(($(mirror_downloads) - dl)) downloads" \
    test "$(mirror_downloads)" = "$dl"
}

# ---------------------------------------------------------------------------------------------

# The spec of the operations case: a proxy (which nothing can reach: everything the test
# touches is on 127.0.0.1, in no_proxy), containerd's data folders and a setting.
write_operations_spec() { # write_operations_spec <out> <https proxy> [<no_proxy>]
  cat >"$1" <<EOF2
nodespec: 1
name: system-test
arch: amd64
downloads:
  mirror: $MIRROR_URL
proxy:
  http: http://proxy.invalid:3128
  https: $2
  no_proxy: [${3:-localhost, 127.0.0.1}]
components:
  containerd:
    version: $CONTAINERD_VERSION
    sha256: $(mirror_sha256 "$(containerd_asset "$CONTAINERD_VERSION")")
    root: /srv/containerd
    state: /run/containerd-main
    accept: data-folder-not-moved
    settings:
      oom_score: 500  # raising it needs no privilege the sandbox may lack
  runc:
    version: $RUNC_VERSION
    sha256: $(mirror_sha256 "$(runc_asset "$RUNC_VERSION")")
registries:
  docker.io:
    mirrors: [$REGISTRY_URL]
EOF2
}

service_environ_has() { # service_environ_has <pid> <NAME=value>
  tr '\0' '\n' <"/proc/$1/environ" | grep -Fxq -- "$2" ||
    { echo "  environment of $1: $(tr '\0' ' ' <"/proc/$1/environ" | cut -c1-300)" >&2; return 1; }
}

# What Debian's containerd 1.6 makes of the config.toml nodespec wrote plus the admin's
# conf.d drop-in: `containerd config dump` inside the sandbox.
dump_has() { # dump_has <fixed line>
  sb_chroot containerd --config /etc/containerd/config.toml config dump \
    >"$CASE_DIR/dump.$APPLY_COUNT" 2>&1 && grep -Fxq -- "$1" "$CASE_DIR/dump.$APPLY_COUNT" ||
    { echo "  no line '$1' in $CASE_DIR/dump.$APPLY_COUNT" >&2; return 1; }
}

case_operations() {
  local t=$1 pid pid2 calls admin=$SB_ROOT/etc/containerd/conf.d/50-admin.toml
  local drop_in=$SB_ROOT/etc/systemd/system/containerd.service.d/nodespec-proxy.conf
  # An administrator's drop-in, there before nodespec runs (a plugin table nodespec does
  # not write: containerd 1.6 replaces whole plugin tables from imports).
  mkdir -p "${admin%/*}"
  printf 'version = 2\n\n[plugins."io.containerd.internal.v1.opt"]\n  path = "/opt/admin-drop-in"\n' \
    >"$admin"
  cp "$admin" "$CASE_DIR/admin.toml"
  # The downloads go through the proxy: without the mirror's address in no_proxy they reach
  # for proxy.invalid, which does not resolve, and the run stops before installing anything.
  write_operations_spec "$CASE_DIR/spec0.yaml" http://proxy.invalid:3128 localhost
  step 0 "$t" "$CASE_DIR/spec0.yaml"
  check "$t/operations: downloads use the proxy (unreachable: the run fails)" \
    "engine succeeded, see $CASE_DIR/apply0.log" test $? != 0
  check "$t/operations: nothing installed through the failed run" "containerd is there" \
    test ! -e "$SB_ROOT/usr/local/bin/containerd"
  write_operations_spec "$CASE_DIR/spec1.yaml" http://proxy.invalid:3128
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/operations: output applies (downloads bypass the proxy by no_proxy)" \
    "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/operations: proxy drop-in written" "missing" \
    grep -Fxq 'Environment="https_proxy=http://proxy.invalid:3128"' "$drop_in"
  pid=$(service_pid containerd.service)
  check "$t/operations: containerd started" "not running" test -n "$pid"
  check "$t/operations: containerd runs with HTTPS_PROXY" "see above" \
    service_environ_has "$pid" HTTPS_PROXY=http://proxy.invalid:3128
  check "$t/operations: containerd runs with no_proxy" "see above" \
    service_environ_has "$pid" no_proxy=localhost,127.0.0.1
  check "$t/operations: oom_score setting applied" "oom_score_adj $(cat "/proc/$pid/oom_score_adj")" \
    test "$(cat "/proc/$pid/oom_score_adj")" = 500
  check "$t/operations: data in the root folder" "no content store under /srv/containerd" \
    test -d "$SB_ROOT/srv/containerd/io.containerd.content.v1.content"
  check "$t/operations: state folder used" "no /run/containerd-main" test -d "$SB_ROOT/run/containerd-main"
  check "$t/operations: containerd 1.6 reads root" "see above" dump_has 'root = "/srv/containerd"'
  check "$t/operations: containerd 1.6 reads state" "see above" dump_has 'state = "/run/containerd-main"'
  check "$t/operations: containerd 1.6 reads the setting" "see above" dump_has 'oom_score = 500'
  check "$t/operations: containerd 1.6 reads the conf.d drop-in" "see above" \
    dump_has '    path = "/opt/admin-drop-in"'
  check "$t/operations: pull through the registry mirror" "pull failed" pull_through_mirror

  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/operations-again: output applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/operations-again: the conf.d drop-in is untouched" "changed" same_bytes "$admin" "$CASE_DIR/admin.toml"
  pid2=$(service_pid containerd.service)
  check "$t/operations-again: containerd not restarted" "was $pid, now ${pid2:-none}" test "$pid" = "$pid2"

  # --- another https proxy: the drop-in changes, systemd reloads, containerd restarts once
  calls=$(count_lines "$SB_ROOT/run/standin/calls.log")
  write_operations_spec "$CASE_DIR/spec3.yaml" http://other-proxy.invalid:8080
  step 3 "$t" "$CASE_DIR/spec3.yaml"
  check "$t/proxy-changed: output applies" "engine failed, see $CASE_DIR/apply3.log" test $? = 0
  pid2=$(service_pid containerd.service)
  check "$t/proxy-changed: containerd restarted" "PID still $pid" test -n "$pid2" -a "$pid" != "$pid2"
  check "$t/proxy-changed: daemon-reload before the restart" "calls: $(calls_since "$calls" | tr '\n' ';')" \
    reload_before restart "$calls"
  check "$t/proxy-changed: containerd runs with the new proxy" "see above" \
    service_environ_has "$pid2" HTTPS_PROXY=http://other-proxy.invalid:8080
  check "$t/proxy-changed: the conf.d drop-in is untouched" "changed" same_bytes "$admin" "$CASE_DIR/admin.toml"
}

case_auth() {
  local t=$1 registry=127.0.0.1:$REGISTRY_AUTH_PORT
  local certs=/etc/containerd/certs.d/127.0.0.1_${REGISTRY_AUTH_PORT}_ pass before
  reference
  if ! registry_auth_start "$CASE_DIR" >>"$CASE_DIR/setup.log" 2>&1; then
    fail "$t/auth: setup" "$(tail -2 "$CASE_DIR/setup.log" | tr '\n' ' ')"
    return
  fi
  pass=$(head -n 1 "$CASE_DIR/registry.pass")
  # The password file is on the node before the output runs, as an operator would put it.
  install -D -m 0600 "$CASE_DIR/registry.pass" "$SB_ROOT/etc/nodespec/registry.pass"
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  printf '  "%s":\n    server: http://%s\n    auth:\n      username: %s\n%s\n' \
    "$registry" "$registry" "$REGISTRY_AUTH_USER" \
    '      password: {file: /etc/nodespec/registry.pass}' >>"$CASE_DIR/spec1.yaml"
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/auth: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/auth: the output does not hold the password" "found in $CASE_DIR/out1.*" \
    sh -c '! grep -qF -- "$1" "$2"/out1.*' _ "$pass" "$CASE_DIR"
  check "$t/auth: hosts.toml is owner-only" \
    "mode $(stat -c %a "$SB_ROOT$certs/hosts.toml" 2>&1)" \
    test "$(stat -c %a "$SB_ROOT$certs/hosts.toml" 2>/dev/null)" = 600
  check "$t/auth: the header decodes to user:password" "see $SB_ROOT$certs/hosts.toml" \
    python3 -c 'import base64, sys, tomllib
h = tomllib.load(open(sys.argv[1], "rb"))["header"]["Authorization"]
kind, _, token = h.partition(" ")
want = sys.argv[2] + ":" + open(sys.argv[3]).read().removesuffix("\n")
sys.exit(not (kind == "Basic" and base64.b64decode(token).decode() == want))' \
    "$SB_ROOT$certs/hosts.toml" "$REGISTRY_AUTH_USER" "$CASE_DIR/registry.pass"
  # The same hosts.toml without its header: the registry must refuse the pull.
  mkdir -p "$SB_ROOT/tmp/noauth/127.0.0.1_${REGISTRY_AUTH_PORT}_"
  grep -v 'Authorization' "$SB_ROOT$certs/hosts.toml" \
    >"$SB_ROOT/tmp/noauth/127.0.0.1_${REGISTRY_AUTH_PORT}_/hosts.toml"
  sb_chroot ctr images pull --hosts-dir /tmp/noauth "$registry/$TEST_IMAGE" \
    >"$CASE_DIR/noauth-pull.log" 2>&1
  check "$t/auth: without the header the registry refuses the pull" \
    "$(tail -1 "$CASE_DIR/noauth-pull.log")" \
    grep -q '401 Unauthorized' "$CASE_DIR/noauth-pull.log"
  local rc=0
  sb_chroot ctr images pull --hosts-dir /etc/containerd/certs.d "$registry/$TEST_IMAGE" \
    >"$CASE_DIR/auth-pull.log" 2>&1 || rc=$?
  check "$t/auth: the pull authenticates through hosts.toml" \
    "$(tail -1 "$CASE_DIR/auth-pull.log")" test "$rc" = 0
  before=$(stat -c %i.%Y "$SB_ROOT$certs/hosts.toml")
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/auth: again applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/auth: again leaves hosts.toml alone" "inode.mtime $before changed" \
    test "$(stat -c %i.%Y "$SB_ROOT$certs/hosts.toml")" = "$before"
}

imports_listed() { # imports_listed <tag...>: the k8s.io namespace holds these images
  local listed tag
  listed=$(sb_chroot ctr --namespace k8s.io images ls -q 2>&1)
  for tag in "$@"; do
    grep -qx "docker.io/library/preload:$tag" <<<"$listed" ||
      { echo "  k8s.io images: $(tr '\n' ' ' <<<"$listed")" >&2; return 1; }
  done
}

not_listed() { ! imports_listed "$@" 2>/dev/null; }

case_images() {
  local t=$1 file=$WORK/preload/preload-file.tar url=$WORK/mirror/nodespec-images/preload-url.tar
  local dir=/var/lib/nodespec/images fsha usha dl marks
  reference
  fsha=$(sha256sum <"$file") fsha=${fsha%% *}
  usha=$(sha256sum <"$url") usha=${usha%% *}
  install -D -m 0644 "$file" "$SB_ROOT/srv/images/preload.tar"
  write_spec "$CASE_DIR/spec1.yaml" "$CONTAINERD_VERSION" "$REGISTRY_URL"
  printf 'images:\n  - file: /srv/images/preload.tar\n    sha256: %s\n' "$fsha" \
    >>"$CASE_DIR/spec1.yaml"
  printf '  - url: %s/nodespec-images/preload-url.tar\n    sha256: %s\n' "$MIRROR_URL" "$usha" \
    >>"$CASE_DIR/spec1.yaml"
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/images: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/images: both are in the k8s.io namespace" "not listed" imports_listed file url
  check "$t/images: each digest is recorded" "missing markers under $dir" \
    test -f "$SB_ROOT$dir/$fsha.imported" -a -f "$SB_ROOT$dir/$usha.imported"
  check "$t/images: the downloaded tarball is removed" "$SB_ROOT$dir/$usha.tar is left" \
    test ! -e "$SB_ROOT$dir/$usha.tar"
  check "$t/images: the node's own file is kept" "missing" test -f "$SB_ROOT/srv/images/preload.tar"

  # --- again: nothing imported, nothing downloaded
  sb_chroot ctr --namespace k8s.io images rm docker.io/library/preload:file >/dev/null 2>&1
  marks=$(stat -c %Y.%i "$SB_ROOT$dir/$fsha.imported" "$SB_ROOT$dir/$usha.imported" | tr '\n' ' ')
  dl=$(mirror_downloads)
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/images: again applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/images: again downloads nothing" "$(($(mirror_downloads) - dl)) downloads" \
    test "$(mirror_downloads)" = "$dl"
  # The image removed by hand stays removed: a recorded digest is not imported again.
  check "$t/images: again imports nothing" "preload:file was imported again" \
    not_listed file
  check "$t/images: again leaves the records alone" "changed" \
    test "$(stat -c %Y.%i "$SB_ROOT$dir/$fsha.imported" "$SB_ROOT$dir/$usha.imported" | tr '\n' ' ')" = "$marks"
  if [[ $t == ansible ]]; then
    check "$t/images: again changed=0" "recap: $(cat "$CASE_DIR/recap")" test "$(recap_changed)" = 0
  fi

  # --- a tarball that does not match its sha256 is not imported
  printf 'not the image\n' >>"$SB_ROOT/srv/images/preload.tar"
  rm -f "$SB_ROOT$dir/$fsha.imported"
  step 3 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/images: a changed file fails the run" "engine succeeded" test $? != 0
  check "$t/images: and says so" "see $CASE_DIR/apply3.log" \
    output_says "$CASE_DIR/apply3.log" "checksum mismatch for /srv/images/preload.tar"
  check "$t/images: and records nothing" "marker written" test ! -e "$SB_ROOT$dir/$fsha.imported"
  images_uninstall "$t" "$CASE_DIR/spec1.yaml" "$usha"
}

# An https download is redirected only to https: the mirror answers runc's download with a 302
# to http://, and the run fails before anything is installed (for Ansible, naming the
# redirect); a 302 to another https URL is followed and installs runc.
case_redirect() {
  local t=$1 asset
  reference
  if ! mirror_start_tls "$CASE_DIR"; then
    fail "$t/redirect: setup" "no https mirror, see $CASE_DIR/mirror-server.err"
    return
  fi
  asset=$(runc_asset "$RUNC_VERSION")
  cat >"$CASE_DIR/spec1.yaml" <<SPEC
nodespec: 1
name: system-test-redirect
arch: amd64
downloads:
  mirror: $MIRROR_URL
components:
  runc:
    version: $RUNC_VERSION
    sha256: $(mirror_sha256 "$asset")
SPEC
  # The http target really serves runc (logging to its own file): without the refusal the
  # download would succeed there.
  local downgrade=http://127.0.0.1:$MIRROR_PORT/moved/$asset plain_pid
  /usr/bin/python3 "$SYSTEM_TESTS/lib/mirror-server.py" "$WORK/mirror" "$MIRROR_PORT" \
    "$CASE_DIR/http-access.log" "$CASE_DIR/http-faults" 2>"$CASE_DIR/http-server.err" &
  plain_pid=$!
  wait_for_port "$MIRROR_PORT" "$plain_pid" || fail "$t/redirect: setup" "no http mirror"
  mirror_fault redirect "$asset" "$downgrade"
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/redirect: a redirect to http fails the run" "engine said success, see $CASE_DIR/apply1.log" test $? != 0
  check "$t/redirect: the mirror answered the redirect" "no 302 in $MIRROR_LOG" grep -q "^GET /$asset 302" "$MIRROR_LOG"
  if [[ $t == ansible ]]; then
    check "$t/redirect: message names the redirect" "see $CASE_DIR/apply1.log" output_says "$CASE_DIR/apply1.log" \
      "refused the redirect of $MIRROR_URL/$asset to $downgrade: an https download is redirected only to https"
  fi
  check "$t/redirect: runc not installed" "a runc is there: $(runc_path)" test -z "$(runc_path)"
  check "$t/redirect: nothing asked the http server" "see $CASE_DIR/http-access.log" \
    test ! -s "$CASE_DIR/http-access.log"
  kill "$plain_pid" 2>/dev/null
  wait "$plain_pid" 2>/dev/null
  mirror_fault clear

  # A request of the walk that fails (after its retries) is named by its own message, not
  # the loop's "One or more items failed".
  if [[ $t == ansible ]]; then
    mirror_fault fail "$asset"
    step 4 "$t" "$CASE_DIR/spec1.yaml"
    check "$t/redirect: a failed https request fails the run" "engine said success, see $CASE_DIR/apply4.log" test $? != 0
    check "$t/redirect: message names the failed request" "see $CASE_DIR/apply4.log" output_says "$CASE_DIR/apply4.log" \
      "cannot install runc $RUNC_VERSION from ${asset##*/}: Status code was 500"
    mirror_fault clear
  fi

  mirror_fault redirect "$asset" "$MIRROR_URL/moved/$asset"
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/redirect: a redirect to https is followed" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/redirect: runc came from the redirect target" "no GET /moved/$asset 200 in $MIRROR_LOG" \
    grep -q "^GET /moved/$asset 200" "$MIRROR_LOG"
  check "$t/redirect: runc binary" "not the release's bytes" runc_installed
  mirror_fault clear

  # A published checksum file goes through the same refusal, on a node that lost its runc.
  local sums=${asset%/*}/runc.sha256sum runc
  sed -e '/sha256:/d' -e 's/^  mirror: .*/&\n  verify: published/' "$CASE_DIR/spec1.yaml" >"$CASE_DIR/spec3.yaml"
  runc=$(runc_path) && rm -f "$SB_ROOT$runc"
  mirror_fault redirect "$sums" "http://127.0.0.1:$MIRROR_PORT/moved/$sums"
  step 3 "$t" "$CASE_DIR/spec3.yaml"
  check "$t/redirect: a checksum file redirected to http fails the run" "engine said success, see $CASE_DIR/apply3.log" test $? != 0
  if [[ $t == ansible ]]; then
    check "$t/redirect: message names the checksum file's redirect" "see $CASE_DIR/apply3.log" output_says "$CASE_DIR/apply3.log" \
      "refused the redirect of $MIRROR_URL/$sums to http://127.0.0.1:$MIRROR_PORT/moved/$sums"
  fi
  check "$t/redirect: runc not installed without its checksum" "a runc is there: $(runc_path)" test -z "$(runc_path)"
  mirror_fault clear
}

# --- runtimes: crun installed from the (stand-in) release, configured, and running containers
# (the release files: mirror_runtimes in lib/mirror.sh, run once by run.sh)

# The start of the runtimes and kata specs: the test mirror, containerd $RUNTIMES_CONTAINERD
# (the 1.x layout Debian's containerd 1.6 reads) and runc.
runtimes_spec_head() {
  cat <<EOF
nodespec: 1
name: system-test
arch: amd64
downloads:
  mirror: $MIRROR_URL
components:
$(pinned containerd "$RUNTIMES_CONTAINERD" "$(containerd_asset "$RUNTIMES_CONTAINERD")")
$(pinned runc "$RUNC_VERSION" "$(runc_asset "$RUNC_VERSION")")
EOF
}

write_runtimes_spec() { # write_runtimes_spec <out>
  runtimes_spec_head >"$1"
  cat >>"$1" <<EOF
registries:
  docker.io:
    mirrors: [$REGISTRY_URL]
runtimes:
  crun:
    version: $RUNTIMES_CRUN
    sha256: $(mirror_sha256 "$CRUN_ASSET")
default_runtime: crun
kubernetes:
  prerequisites: false
EOF
}

# The config containerd dumps holds <line> in the table [<table>] (up to the next header),
# indentation aside.
dump_table_has() { # dump_table_has <table> <line>
  sb_chroot containerd --config /etc/containerd/config.toml config dump \
    >"$CASE_DIR/dump.$APPLY_COUNT" 2>&1 &&
    dump_file_table_has "$CASE_DIR/dump.$APPLY_COUNT" "$@"
}
dump_file_table_has() { # dump_file_table_has <dump> <table> <line>
  awk -v t="[$2]" -v want="$3" '
    { line = $0; sub(/^ */, "", line) }
    line ~ /^\[/ { inside = (line == t) }
    inside && line == want { found = 1 }
    END { exit(found ? 0 : 1) }' "$1" ||
    { echo "  no '$3' in [$2] of $1" >&2; return 1; }
}

# crun keeps a container's state as <root>/<id>/status, runc as <root>/<id>/state.json: the
# container is crun's when crun lists it running under the root the runc shim passes.
crun_runs() { # crun_runs <id>
  local listed dir=$SB_ROOT/run/containerd/runc/default/$1
  listed=$(sb_chroot /usr/local/bin/crun --root /run/containerd/runc/default list 2>&1)
  echo "$listed" >"$CASE_DIR/crun-list"
  awk -v id="$1" '$1 == id && $3 == "running" { found = 1 } END { exit(found ? 0 : 1) }' \
    <<<"$listed" || { echo "  crun list: $(tr '\n' ' ' <<<"$listed")" >&2; return 1; }
  [[ -f $dir/status && ! -e $dir/state.json ]] ||
    { echo "  state files: $(cd "$dir" 2>/dev/null && echo *)" >&2; return 1; }
}

runtimes_config_readback() { # runtimes_config_readback <target>
  local t=$1 cr='plugins."io.containerd.grpc.v1.cri".containerd'
  printf '%s\n' 'nodespec: 1' 'arch: amd64' 'components:' '  containerd: 1.7.24' \
    '  runc: 1.2.5' 'runtimes:' '  youki: 0.5.7' '  runsc: "20260817.0"' \
    'default_runtime: runsc' 'kubernetes:' '  prerequisites: false' >"$CASE_DIR/spec-gvisor.yaml"
  "$COMPILER" plan "$CASE_DIR/spec-gvisor.yaml" --format json >"$CASE_DIR/plan-gvisor.json" &&
    python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["resources"]["containerd.config"]["content"], end="")' \
      "$CASE_DIR/plan-gvisor.json" >"$SB_ROOT/tmp/config-gvisor.toml"
  sb_chroot containerd --config /tmp/config-gvisor.toml config dump \
    >"$CASE_DIR/dump-gvisor" 2>&1
  local dump=$CASE_DIR/dump-gvisor
  check "$t/runtimes-gvisor: containerd 1.6 reads runsc as the default" "see $dump" \
    dump_file_table_has "$dump" "$cr" 'default_runtime_name = "runsc"'
  check "$t/runtimes-gvisor: containerd 1.6 reads runsc's shim" "see $dump" \
    dump_file_table_has "$dump" "$cr.runtimes.runsc" 'runtime_type = "io.containerd.runsc.v1"'
  check "$t/runtimes-gvisor: containerd 1.6 reads youki's BinaryName" "see $dump" \
    dump_file_table_has "$dump" "$cr.runtimes.youki.options" \
    'BinaryName = "/usr/local/libexec/youki/youki"'
}

case_runtimes() {
  local t=$1 pid pid2 dl out cr='plugins."io.containerd.grpc.v1.cri".containerd'
  reference
  # This machine mounts cgroup v1 beside a v2 hierarchy that holds a controller (hugetlb),
  # which crun 1.8 refuses ("cgroups in hybrid mode not supported, drop all controllers from
  # cgroupv2"); a node has one or the other. The sandbox, in this case's own mount namespace,
  # drops the v2 mount, so crun and containerd see plain v1.
  if mountpoint -q "$SB_ROOT/sys/fs/cgroup/unified" &&
    [[ -n $(cat "$SB_ROOT/sys/fs/cgroup/unified/cgroup.controllers") ]]; then
    umount "$SB_ROOT/sys/fs/cgroup/unified" || umount -l "$SB_ROOT/sys/fs/cgroup/unified"
  fi
  stat -f -c "sandbox /sys/fs/cgroup/unified: %T" "$SB_ROOT/sys/fs/cgroup/unified" >>"$CASE_DIR/setup.log" 2>&1
  write_runtimes_spec "$CASE_DIR/spec1.yaml"
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/runtimes: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/runtimes: crun installed from the release" "not Debian's crun's bytes" \
    same_bytes /usr/bin/crun "$SB_ROOT/usr/local/bin/crun"
  check "$t/runtimes: crun is executable" "mode $(stat -c %a "$SB_ROOT/usr/local/bin/crun" 2>&1)" \
    test -x "$SB_ROOT/usr/local/bin/crun"
  pid=$(service_pid containerd.service)
  check "$t/runtimes: containerd started" "not running" test -n "$pid"
  check "$t/runtimes: containerd 1.6 reads default_runtime_name" "see above" \
    dump_table_has "$cr" 'default_runtime_name = "crun"'
  check "$t/runtimes: containerd 1.6 reads crun's runtime_type" "see above" \
    dump_table_has "$cr.runtimes.crun" 'runtime_type = "io.containerd.runc.v2"'
  check "$t/runtimes: containerd 1.6 reads crun's BinaryName" "see above" \
    dump_table_has "$cr.runtimes.crun.options" 'BinaryName = "/usr/local/bin/crun"'
  check "$t/runtimes: pull through the registry mirror" "pull failed" pull_through_mirror
  out=$(sb_chroot ctr run --rm --runc-binary /usr/local/bin/crun \
    docker.io/library/busybox:latest crun-hello echo hello 2>&1)
  check "$t/runtimes: a container runs with crun" "ctr run printed: $out" test "$out" = hello
  sb_chroot ctr run -d --runc-binary /usr/local/bin/crun \
    docker.io/library/busybox:latest crun-sleeper busybox sleep 300 >"$CASE_DIR/crun-run.log" 2>&1
  check "$t/runtimes: crun runs it (crun's state, not runc's)" "see $CASE_DIR/crun-list" \
    crun_runs crun-sleeper
  sb_chroot ctr task kill -s SIGKILL crun-sleeper >/dev/null 2>&1
  sleep 1
  sb_chroot ctr task rm -f crun-sleeper >/dev/null 2>&1
  sb_chroot ctr container rm crun-sleeper >/dev/null 2>&1

  # --- youki and gVisor: their pins are the real releases' (gVisor's sha512), which no
  # stand-in matches, so they are not installed here; the config.toml nodespec writes for
  # them (from `nodespec plan`) is read back by the same containerd 1.6.
  runtimes_config_readback "$t"

  # --- again: nothing downloaded, containerd not restarted
  dl=$(mirror_downloads)
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/runtimes-again: output applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/runtimes-again: downloads nothing" "$(($(mirror_downloads) - dl)) downloads" \
    test "$(mirror_downloads)" = "$dl"
  pid2=$(service_pid containerd.service)
  check "$t/runtimes-again: containerd not restarted" "was $pid, now ${pid2:-none}" \
    test "$pid" = "$pid2"
}

# --- kata: Kata Containers from a stand-in kata-static .tar.xz (mirror_kata in lib/mirror.sh),
# with containerd 1.7.24 (the 1.x layout Debian's containerd 1.6 reads). Nothing starts a VM:
# the stand-in has no hypervisor. modprobe is a stand-in in the sandbox that records its
# calls: the host's kernel is shared, and no test loads a module into it.

write_kata_spec() { # write_kata_spec <out> [kata]
  runtimes_spec_head >"$1"
  if [[ ${2:-} == kata ]]; then
    cat >>"$1" <<EOF
runtimes:
  kata:
    version: "$KATA_VERSION"
    url: $MIRROR_URL/$KATA_ASSET
    sha256: $(mirror_sha256 "$KATA_ASSET")
default_runtime: kata
EOF
  fi
  printf 'kubernetes:\n  prerequisites: false\n' >>"$1"
}

KATA_DEFAULTS=/opt/kata/share/defaults/kata-containers

kata_installed() { # the release's files under /opt/kata, byte for byte, the link kept
  local f
  for f in bin/containerd-shim-kata-v2 share/defaults/kata-containers/configuration-qemu.toml; do
    same_bytes "$CASE_DIR/kata-release/opt/kata/$f" "$SB_ROOT/opt/kata/$f" ||
      { echo "  /opt/kata/$f differs from the release's" >&2; return 1; }
  done
  [[ -x $SB_ROOT/opt/kata/bin/containerd-shim-kata-v2 ]] ||
    { echo "  the shim is not executable" >&2; return 1; }
  [[ $(readlink "$SB_ROOT$KATA_DEFAULTS/configuration.toml") == configuration-qemu.toml ]] ||
    { echo "  configuration.toml: $(ls -l "$SB_ROOT$KATA_DEFAULTS" 2>&1 | tr '\n' ' ')" >&2; return 1; }
}

# Nothing kata installed is left. Ansible records no folder an archive creates below the
# folder it unpacks into (docs/targets.md), so with Ansible empty folders may stay.
kata_gone() { # kata_gone <target>
  local left f
  left=$(find "$SB_ROOT/opt/kata" ! -type d 2>/dev/null | tr '\n' ' ')
  [[ -z $left ]] || { echo "  left under /opt/kata: $left" >&2; return 1; }
  for f in /usr/local/bin/containerd-shim-kata-v2 /etc/modules-load.d/nodespec-kata.conf \
    /var/lib/nodespec/artifacts/runtimes.kata.archive.stamp; do
    [[ ! -e $SB_ROOT$f ]] || { echo "  $f is still there" >&2; return 1; }
  done
  if [[ $1 != ansible && -e $SB_ROOT/opt/kata ]]; then
    echo "  left: $(cd "$SB_ROOT" && find opt/kata | tr '\n' ' ')" >&2
    return 1
  fi
}

case_kata() {
  local t=$1 pid pid2 dl out conf calls cr='plugins."io.containerd.grpc.v1.cri".containerd'
  conf=$SB_ROOT/etc/modules-load.d/nodespec-kata.conf
  mkdir -p "$CASE_DIR/kata-release"
  tar -xJf "$WORK/mirror/$KATA_ASSET" -C "$CASE_DIR/kata-release" ||
    { fail "$t/kata: setup" "cannot read the stand-in release"; return; }
  rm -f "$SB_ROOT/usr/sbin/modprobe"
  printf '#!/bin/sh\n# stand-in: records the call, loads nothing\necho "$*" >>/run/modprobe.calls\n' \
    >"$SB_ROOT/usr/sbin/modprobe"
  chmod 0755 "$SB_ROOT/usr/sbin/modprobe"
  write_kata_spec "$CASE_DIR/spec1.yaml" kata
  step 1 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/kata: output applies" "engine failed, see $CASE_DIR/apply1.log" test $? = 0
  check "$t/kata: the release's files under /opt/kata" "see above" kata_installed
  check "$t/kata: / and /opt keep their modes (the archive's ./ and ./opt/ are 0700)" \
    "$(stat -c '%n %a' "$SB_ROOT/" "$SB_ROOT/opt" | tr '\n' ' ')" \
    test "$(stat -c %a "$SB_ROOT/" "$SB_ROOT/opt" | tr '\n' ' ')" = "$(stat -c %a / /opt | tr '\n' ' ')"
  out=$(sb_chroot env PATH=/usr/local/bin:/usr/bin containerd-shim-kata-v2 -v 2>&1)
  check "$t/kata: containerd-shim-kata-v2 on PATH runs kata's shim" "it printed: $out" \
    test "$out" = "stand-in containerd-shim-kata-v2 -v"
  check "$t/kata: vhost modules persisted" "$(tr '\n' ' ' <"$conf" 2>&1)" \
    eval "grep -qx vhost_vsock '$conf' && grep -qx vhost_net '$conf'"
  check "$t/kata: vhost modules loaded (modprobe called)" \
    "calls: $(tr '\n' ';' <"$SB_ROOT/run/modprobe.calls" 2>&1)" \
    eval "grep -qw vhost_vsock '$SB_ROOT/run/modprobe.calls' && grep -qw vhost_net '$SB_ROOT/run/modprobe.calls'"
  if [[ -e $SB_ROOT/dev/kvm ]]; then
    check "$t/kata: no warning with /dev/kvm" "see $CASE_DIR/apply1.log" \
      eval "! grep -q 'warning: /dev/kvm' '$CASE_DIR/apply1.log'"
  else
    check "$t/kata: warns without /dev/kvm" "see $CASE_DIR/apply1.log" \
      output_says "$CASE_DIR/apply1.log" "nodespec: warning: /dev/kvm is missing"
  fi
  pid=$(service_pid containerd.service)
  check "$t/kata: containerd started" "not running" test -n "$pid"
  check "$t/kata: containerd 1.6 reads kata as the default" "see above" \
    dump_table_has "$cr" 'default_runtime_name = "kata"'
  check "$t/kata: containerd 1.6 reads kata's runtime_type" "see above" \
    dump_table_has "$cr.runtimes.kata" 'runtime_type = "io.containerd.kata.v2"'
  check "$t/kata: containerd 1.6 reads privileged_without_host_devices" "see above" \
    dump_table_has "$cr.runtimes.kata" 'privileged_without_host_devices = true'
  check "$t/kata: containerd 1.6 reads pod_annotations" "see above" \
    dump_table_has "$cr.runtimes.kata" 'pod_annotations = ["io.katacontainers.*"]'
  check "$t/kata: containerd 1.6 reads ConfigPath" "see above" \
    dump_table_has "$cr.runtimes.kata.options" "ConfigPath = \"$KATA_DEFAULTS/configuration-qemu.toml\""
  check "$t/kata: the manifest names kata's shim, its configuration and the wrapper" \
    "see $SB_ROOT$NS_MANIFEST" \
    eval "manifest_names file /opt/kata/bin/containerd-shim-kata-v2 &&
      manifest_names file $KATA_DEFAULTS/configuration-qemu.toml &&
      manifest_names file /usr/local/bin/containerd-shim-kata-v2"
  check "$t/kata: manifest matches the node" "see above" manifest_matches_node

  # --- again: nothing downloaded, nothing changed but the modules: the stand-in modprobe
  # adds no /sys/module entry, which is what tells a loaded module, so each run loads them.
  dl=$(mirror_downloads)
  calls=$(wc -l <"$SB_ROOT/run/modprobe.calls")
  step 2 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/kata-again: output applies" "engine failed, see $CASE_DIR/apply2.log" test $? = 0
  check "$t/kata-again: downloads nothing" "$(($(mirror_downloads) - dl)) downloads" \
    test "$(mirror_downloads)" = "$dl"
  pid2=$(service_pid containerd.service)
  check "$t/kata-again: containerd not restarted" "was $pid, now ${pid2:-none}" test "$pid" = "$pid2"
  calls=$(($(wc -l <"$SB_ROOT/run/modprobe.calls") - calls))
  check "$t/kata-again: only the two modules loaded again" "$calls modprobe calls" test "$calls" = 2
  if [[ $t == ansible ]]; then
    check "$t/kata-again: recap changed=2 (the modules)" "recap: $(cat "$CASE_DIR/recap")" \
      test "$(recap_changed)" = 2
  else
    check "$t/kata-again: says nothing else changed" "see $CASE_DIR/apply2.log" \
      eval "! grep '^nodespec: [a-z]*ed ' '$CASE_DIR/apply2.log' | grep -qv '^nodespec: loaded kernel module '"
  fi

  # --- kata dropped from the spec: what it installed is pruned
  write_kata_spec "$CASE_DIR/spec3.yaml"
  step 3 "$t" "$CASE_DIR/spec3.yaml"
  check "$t/kata-drop: output applies" "engine failed, see $CASE_DIR/apply3.log" test $? = 0
  check "$t/kata-drop: kata's files are gone" "see above" kata_gone "$t"
  check "$t/kata-drop: containerd 1.6 has no kata table" "see $CASE_DIR/dump.$APPLY_COUNT" \
    eval "! dump_table_has '$cr.runtimes.kata' 'runtime_type = \"io.containerd.kata.v2\"' 2>/dev/null"
  check "$t/kata-drop: manifest matches the node" "see above" manifest_matches_node

  # --- kata again, then the uninstall removes it
  step 4 "$t" "$CASE_DIR/spec1.yaml"
  check "$t/kata-uninstall: reinstalled" "see $CASE_DIR/apply4.log" kata_installed
  uninstall_only "$t" "$CASE_DIR/spec1.yaml" >"$CASE_DIR/uninstall.log" 2>&1
  check "$t/kata-uninstall: runs" "see $CASE_DIR/uninstall.log" test $? = 0
  check "$t/kata-uninstall: kata's files are gone" "see above" kata_gone "$t"
}
