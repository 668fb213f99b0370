#!/usr/bin/env bash
# The command line's fleet features: `compile SPEC... --out-dir DIR` (every output
# byte-identical to a single compile whatever the thread count, failures contained, nothing
# written on a usage error), `plan` (text and JSON), the Ansible target's `--hosts`, and
# cloud-init's whole-user-data gzip.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=IntegrationTests/lib/check.sh
. IntegrationTests/lib/check.sh

nodespec=${NODESPEC:-.build/debug/nodespec}
venv=${NODESPEC_VENV:-.venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ANSIBLE_LOCAL_TEMP="$work/ansible-tmp" ANSIBLE_HOME="$work/ansible-home"

status() { "$@" >/dev/null 2>&1; echo $?; }
declare -A extension=([shell]=sh [cloud-init]=user-data [ansible]=playbook.yml)

## compile --out-dir

# Every example, every target, with one thread and with four: each output is the single
# compile's bytes, and nothing else is in the folder.
for target in shell cloud-init ansible; do
  for jobs in 1 4; do
    out="$work/batch-$target-$jobs"
    check "$target --jobs $jobs: the batch of every example succeeds" \
      "$nodespec" compile examples/*.yaml --target "$target" --out-dir "$out" --jobs "$jobs"
    same=yes
    for spec in examples/*.yaml; do
      file="$out/$(basename "$spec" .yaml).${extension[$target]}"
      if ! "$nodespec" compile "$spec" --target "$target" | cmp -s - "$file"; then
        same="no: $file"
      fi
    done
    check "$target --jobs $jobs: every output is byte-identical to compiling its spec alone ($same)" \
      test "$same" = yes
    count=$(find "$out" -type f | wc -l)
    check "$target --jobs $jobs: one file per spec, no temporary left ($count)" \
      test "$count" = "$(find examples -maxdepth 1 -name '*.yaml' | wc -l)"
  done
done

# A fleet with a bad spec and a spec with a warning among good ones: the bad one writes
# nothing and is reported at its line; the others are written; exit 1. The report is the
# same, in spec order, with any thread count.
mkdir -p "$work/fleet"
for i in $(seq 1 12); do
  sed "s/^name: .*/name: node-$i/" examples/writeup.yaml >"$work/fleet/node-$i.yaml"
done
printf 'nodespec: 1\ncompnents:\n  containerd: 2.0.0\n' >"$work/fleet/broken.yml"
printf 'nodespec: 1\narch: amd64\ncomponents:\n  runc: 1.2.2\n' >"$work/fleet/warned.yaml"
for jobs in 1 3; do
  s=$(status "$nodespec" compile "$work"/fleet/* --target shell --out-dir "$work/out-$jobs" \
    --jobs "$jobs")
  check "--jobs $jobs: a fleet with a bad spec exits 1 (got $s)" test "$s" = 1
  "$nodespec" compile "$work"/fleet/* --target shell --out-dir "$work/out-$jobs" \
    --jobs "$jobs" 2>"$work/report-$jobs" >/dev/null
  check "--jobs $jobs: the bad spec writes nothing" test ! -e "$work/out-$jobs/broken.sh"
  check "--jobs $jobs: the others are written" \
    test "$(find "$work/out-$jobs" -name 'node-*.sh' | wc -l)" = 12 -a -s "$work/out-$jobs/warned.sh"
  check "--jobs $jobs: the bad spec is reported at its line" \
    grep -q "^$work/fleet/broken.yml:2:1: error: .*\[unknown-key\]" "$work/report-$jobs"
  s=$(status "$nodespec" compile "$work"/fleet/* --target shell --out-dir "$work/strict-$jobs" \
    --jobs "$jobs" --strict)
  check "--jobs $jobs --strict: the warned spec fails too, and writes nothing (got $s)" \
    test "$s" = 1 -a ! -e "$work/strict-$jobs/warned.sh" -a -s "$work/strict-$jobs/node-1.sh"
done
check "the report is the same with 1 and 3 threads" cmp "$work/report-1" "$work/report-3"
check "the report is in spec order: broken.yml's before warned.yaml's" \
  sh -c "grep -n -e 'broken.yml:' -e 'warned.yaml:' '$work/report-1' | cut -d: -f2 | tr '\n' ' ' |
    grep -q 'broken.yml.*warned.yaml'"

# Durable before visible, with one sync for many outputs: each temporary is renamed only
# after a syncfs that began once its data was written, the folder is fsynced once after the
# last rename, and no output is fsynced on its own. Checked on the calls as they happened
# (strace -f, one line when a call starts and, for one another thread interrupted, one when
# it returns).
cat >"$work/order.py" <<'PY'
import re, sys
trace, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
written, renamed, syncs, fsyncs, pending = {}, {}, [], [], {}
for number, line in enumerate(open(trace)):
    pid = line.split()[0]
    resumed = re.match(r"\d+\s+<\.\.\. (\w+) resumed>", line)
    call = re.match(r"\d+\s+(\w+)\((.*)", line)
    if resumed:  # the call's end: what was noted at its start, with this line as its end
        name, rest, start = pending.pop(pid)
        end = number
    elif call:
        name, rest, start = call[1], call[2], number
        if "<unfinished ...>" in line:
            pending[pid] = (name, rest, start)
            continue
        end = number
    else:
        continue
    temporary = re.search(r"<(" + re.escape(folder) + r"/\.[^>]*nodespec-[^>]*)>", rest)
    if name == "write" and temporary:
        written[temporary[1]] = end
    elif name.startswith("rename"):
        source = re.search(r'"([^"]*)"', rest)[1]
        renamed[source] = start
    elif name == "syncfs":
        syncs.append((start, end))
    elif name in ("fsync", "fdatasync"):
        fsyncs.append((start, rest))
assert len(written) == count and sorted(written) == sorted(renamed), (len(written), len(renamed))
for temporary, done in written.items():
    assert any(done < start and end < renamed[temporary] for start, end in syncs), temporary
assert len(fsyncs) == 1 and folder in fsyncs[0][1] and fsyncs[0][0] > max(renamed.values()), fsyncs
print(len(syncs))
PY
if command -v strace >/dev/null; then
  strace -f -y -qq -o "$work/trace" \
    -e trace=write,fsync,fdatasync,syncfs,rename,renameat,renameat2 \
    "$nodespec" compile "$work"/fleet/node-*.yaml --target shell --out-dir "$work/traced" \
    --jobs 3 >/dev/null 2>&1
  check "each temporary is renamed after a sync that followed its write; one fsync, the folder's" \
    python3 "$work/order.py" "$work/trace" "$work/traced" 12
  check "... and writes every output" \
    test "$(find "$work/traced" -type f -name 'node-*.sh' | wc -l)" = 12
fi

# More outputs than one write-back batch (`WriteBehind.every`, 64): every one is still the
# single compile's bytes, none is left hidden, each is renamed after a sync that followed its
# write (once for the first 64, if the writer's thread woke for them before the end, and
# once at the end), and each output's pages are dropped from the page cache exactly once.
mkdir -p "$work/many"
for i in $(seq 1 70); do
  sed "s/^name: .*/name: many-$i/" examples/writeup.yaml >"$work/many/many-$i.yaml"
done
"$nodespec" compile "$work"/many/*.yaml --target shell --out-dir "$work/many-out" --jobs 2
same=yes
for i in $(seq 1 70); do
  "$nodespec" compile "$work/many/many-$i.yaml" --target shell |
    cmp -s - "$work/many-out/many-$i.sh" || same="no: many-$i.sh"
done
check "70 outputs with 2 threads: each is byte-identical to compiling its spec alone ($same)" \
  test "$same" = yes
check "... and no temporary is left" test -z "$(find "$work/many-out" -name '.*nodespec*')"
if command -v strace >/dev/null; then
  strace -f -y -qq -o "$work/many-trace" \
    -e trace=write,fsync,fdatasync,syncfs,rename,fadvise64,%%stat \
    "$nodespec" compile "$work"/many/*.yaml --target shell --out-dir "$work/many-traced" \
    --jobs 2 >/dev/null 2>&1
  syncs=$(python3 "$work/order.py" "$work/many-trace" "$work/many-traced" 70)
  check "... each renamed after a sync that followed its write, with one or two syncs ($syncs)" \
    test "${syncs:-0}" -ge 1 -a "${syncs:-0}" -le 2
  check "... and its pages dropped once (fadvise64 POSIX_FADV_DONTNEED)" \
    test "$(grep -c 'fadvise64(.*POSIX_FADV_DONTNEED' "$work/many-trace")" = 70
  check "... and, the folder being new, no output path is looked up before it is written" \
    test "$(grep -c "stat.*\"$work/many-traced/" "$work/many-trace")" = 0
fi

# Compiled again into the same folder: a changed spec's output is replaced, the others are
# the same bytes, and no temporary is left.
cp -r "$work/out-1" "$work/again"
sed -i "s/^name: .*/name: node-renamed/" "$work/fleet/node-3.yaml"
"$nodespec" compile "$work"/fleet/node-*.yaml --target shell --out-dir "$work/again" \
  --jobs 2 2>/dev/null
check "compiled again into the same folder: the changed spec's output is replaced" sh -c \
  "grep -q node-renamed '$work/again/node-3.sh' && ! grep -q node-renamed '$work/out-1/node-3.sh'"
check "... the others are the same bytes" cmp "$work/again/node-4.sh" "$work/out-1/node-4.sh"
check "... and no temporary is left" test -z "$(find "$work/again" -name '.*nodespec*')"

# Usage errors are found before anything is written: two specs with one stem (even in other
# folders or with .yml), standard input, -o with several specs, --jobs 0.
mkdir -p "$work/other"
cp examples/minimal.yaml "$work/other/node-1.yml"
s=$(status "$nodespec" compile "$work/fleet/node-1.yaml" "$work/other/node-1.yml" --target shell \
  --out-dir "$work/dup")
check "two specs with one stem are a usage error (64, got $s)" test "$s" = 64
check "... and nothing is written" test ! -e "$work/dup"
err=$("$nodespec" compile "$work/fleet/node-1.yaml" "$work/other/node-1.yml" --target shell \
  --out-dir "$work/dup" 2>&1)
check "... naming both specs" grep -q "node-1.yaml and .*other/node-1.yml would both be written to node-1.sh" <<<"$err"
s=$(status "$nodespec" compile - --target shell --out-dir "$work/stdin" <examples/minimal.yaml)
check "standard input with --out-dir is a usage error (64, got $s)" test "$s" = 64
s=$(status "$nodespec" compile examples/minimal.yaml examples/writeup.yaml --target shell)
check "several specs without --out-dir are a usage error (64, got $s)" test "$s" = 64
s=$(status "$nodespec" compile examples/minimal.yaml examples/writeup.yaml --target shell \
  --out-dir "$work/both" -o "$work/both.sh")
check "--out-dir with -o is a usage error (64, got $s)" test "$s" = 64
s=$(status "$nodespec" compile examples/minimal.yaml --target shell --out-dir "$work/j" --jobs 0)
check "--jobs 0 is a usage error (64, got $s)" test "$s" = 64

# Written with -o's rules: atomically, 0644 or 0600 with a secret, regular files only.
cat >"$work/fleet/secret.yaml" <<'YAML'
nodespec: 1
registries:
  docker.io:
    mirrors:
      - url: https://mirror.example.com
        header: {Authorization: {env: NODESPEC_FLEET_TOKEN}}
YAML
mkdir -p "$work/modes"
mkfifo "$work/modes/node-2.sh"
s=$(NODESPEC_FLEET_TOKEN='Bearer s3cr3t' status "$nodespec" compile "$work/fleet/secret.yaml" \
  "$work/fleet/node-1.yaml" "$work/fleet/node-2.yaml" --target shell --out-dir "$work/modes")
check "an output path that is a FIFO fails that spec as an I/O error (74, got $s)" test "$s" = 74
check "... the FIFO is still a FIFO" test -p "$work/modes/node-2.sh"
check "the output holding a secret is 0600" test "$(stat -c %a "$work/modes/secret.sh")" = 600
check "an output without a secret is 0644" test "$(stat -c %a "$work/modes/node-1.sh")" = 644
check "no temporary is left" test -z "$(find "$work/modes" -name '.*nodespec*')"
printf 'x\n' >"$work/a-file"
s=$(status "$nodespec" compile examples/minimal.yaml --target shell --out-dir "$work/a-file")
check "an --out-dir that is a file is an I/O error (74, got $s)" test "$s" = 74
s=$(status "$nodespec" compile examples/minimal.yaml "$work/missing.yaml" --target shell \
  --out-dir "$work/unreadable")
check "an unreadable spec is an I/O error (74, got $s), the others written" \
  test "$s" = 74 -a -s "$work/unreadable/minimal.sh"

## plan

# The JSON parses, is exactly Python's sorted, indented dump of itself, and means what the
# spec and the catalog say.
"$nodespec" plan examples/writeup.yaml --format json >"$work/plan.json"
hash=$("$nodespec" catalog --hashes containerd |
  awk '$5 == "containerd-2.0.0-linux-amd64.tar.gz" { print $4 }')
check "plan --format json of the write-up means what the spec says" python3 - "$work/plan.json" "$hash" <<'PY'
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
plan = json.loads(text)
assert json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text, "not canonical"
assert plan["nodespec_plan"] == 1 and plan["name"] == "writeup-node", plan["name"]
assert plan["arches"] == ["amd64"] and plan["detects_arch"] is False
resources, order = plan["resources"], plan["order"]
assert sorted(order) == sorted(resources), "order and resources differ"
for index, id in enumerate(order):
    assert resources[id]["order"] == index + 1, id
archive = resources["containerd.archive"]
assert archive["kind"] == "artifact" and archive["version"] == "2.0.0", archive
source = archive["sources"]["amd64"]
assert source["url"] == ("https://github.com/containerd/containerd/releases/download/v2.0.0/"
                         "containerd-2.0.0-linux-amd64.tar.gz"), source["url"]
assert source["check"] == {"sha256": sys.argv[2]}, source["check"]
assert archive["install"] == {"archive": {"directory": "/usr/local"}}
assert archive["restarts"] == ["containerd.service"]
assert resources["runc.binary"]["install"]["binary"] == {"path": "/usr/local/sbin/runc", "mode": "0755"}
hosts = resources["registry.docker.io.hosts"]
assert hosts["path"] == "/etc/containerd/certs.d/docker.io/hosts.toml" and hosts["mode"] == "0644"
assert (hosts["owner"], hosts["group"], hosts["secret"]) == ("root", "root", False)
assert "https://docker.m.daocloud.io" in hosts["content"] and hosts["restarts"] == []
config = resources["containerd.config"]
assert 'SystemdCgroup = true' in config["content"] and config["restarts"] == ["containerd.service"]
service = resources["containerd.service"]
assert service["kind"] == "service" and service["scope"] == "system"
assert service["wanted_by"] == "multi-user.target"
assert service["restarted_by"] == ["containerd.archive", "containerd.unit", "containerd.config"]
assert resources["kubernetes.sysctl.net.ipv4.ip_forward"] == {
    "kind": "sysctl", "key": "net.ipv4.ip_forward", "value": "1", "order": 8,
    "restarts": [], "condition": None}
PY
a=$("$nodespec" plan examples/rootless.yaml --format json | sha256sum)
b=$("$nodespec" plan examples/rootless.yaml --format json | sha256sum)
check "plan --format json is the same bytes on every run" test "$a" = "$b"
check "plan of rootless mode names the user's units and conditions" python3 -c "
import json, subprocess, sys
plan = json.loads(subprocess.run(['$nodespec', 'plan', 'examples/rootless.yaml', '--format', 'json'],
                                 capture_output=True, check=True).stdout)
service = plan['resources']['containerd.service']
assert service['scope'] == {'user': 'builder'}, service
assert service['condition'] == {'systemd_running': True}, service
assert plan['resources']['rootless.folder.config']['owner'] == 'builder'
"
# A secret from the environment never appears in the plan, in either form.
for format in text json; do
  out=$(NODESPEC_FLEET_TOKEN='Bearer s3cr3t' "$nodespec" plan "$work/fleet/secret.yaml" \
    --format "$format" 2>&1)
  check "plan --format $format shows no secret" test -n "$out" -a "${out/s3cr3t/}" = "$out"
done
check "the JSON marks the secret file and leaves its content out" python3 -c "
import json, os, subprocess
env = dict(os.environ, NODESPEC_FLEET_TOKEN='Bearer s3cr3t')
plan = json.loads(subprocess.run(['$nodespec', 'plan', '$work/fleet/secret.yaml', '--format', 'json'],
                                 capture_output=True, check=True, env=env).stdout)
hosts = plan['resources']['registry.docker.io.hosts']
assert hosts['secret'] is True and hosts['content'] is None, hosts
"
text=$("$nodespec" plan examples/writeup.yaml)
check "plan (text) names each download with version, arch, URL and checksum" grep -q \
  "containerd.archive: containerd 2.0.0, unpacked into /usr/local" <<<"$text"
check "... its source" grep -qF "amd64 from https://github.com/containerd/containerd/releases/download/v2.0.0/containerd-2.0.0-linux-amd64.tar.gz (sha256 $hash)" <<<"$text"
check "... files with mode and owner" grep -q \
  "registry.docker.io.hosts: file /etc/containerd/certs.d/docker.io/hosts.toml 0644 root:root" <<<"$text"
check "... and what a change restarts" grep -q \
  "restarted by a change of containerd.archive, containerd.unit, containerd.config" <<<"$text"
s=$(status "$nodespec" plan "$work/fleet/broken.yml")
check "plan of an invalid spec exits 1 (got $s)" test "$s" = 1
check "... printing nothing on standard output" test -z "$("$nodespec" plan "$work/fleet/broken.yml" 2>/dev/null)"
s=$(status "$nodespec" plan "$work/missing.yaml")
check "plan of an unreadable spec is an I/O error (74, got $s)" test "$s" = 74

## --hosts

# The play's hosts line is the pattern, written by the YAML emitter (quoted where YAML would
# misread it) and read back as the same string.
for pattern in builders 'web:&staging:!phoenix' '*.example.com' 'web[0:2],db' '~(web|db).*'; do
  "$nodespec" compile examples/minimal.yaml --target ansible --hosts "$pattern" -o "$work/hosts.yml"
  check "--hosts '$pattern' is the play's hosts" "$venv/bin/python" -c "
import sys, yaml
play, = yaml.safe_load(open('$work/hosts.yml'))
assert play['hosts'] == sys.argv[1], play['hosts']" "$pattern"
done
check "without --hosts the play is for all hosts" sh -c \
  "'$nodespec' compile examples/minimal.yaml --target ansible | grep -qx '  hosts: all'"
for pattern in "{{ lookup('pipe', 'id') }}" '{% raw %}x' 'web #x' 'a b' "web'" 'web"' '' \
  $'web\nx' 'wéb'; do
  s=$(status "$nodespec" compile examples/minimal.yaml --target ansible --hosts "$pattern" \
    -o "$work/refused.yml")
  check "--hosts $(printf %q "$pattern") is a usage error (64, got $s), nothing written" \
    test "$s" = 64 -a ! -e "$work/refused.yml"
done
s=$(status "$nodespec" compile examples/minimal.yaml --target shell --hosts builders)
check "--hosts with another target is a usage error (64, got $s)" test "$s" = 64

# A site playbook that imports one compiled playbook per inventory group, as docs/targets.md
# shows it: Ansible accepts it, lints it, and runs each play on its group only.
mkdir -p "$work/site"
cat >"$work/site/inventory.ini" <<'INI'
[builders]
build-01 ansible_connection=local
build-02 ansible_connection=local

[gpu]
gpu-01 ansible_connection=local
INI
"$nodespec" compile examples/writeup.yaml --target ansible --hosts builders \
  -o "$work/site/builders.yml"
"$nodespec" compile examples/minimal.yaml --target ansible --hosts gpu -o "$work/site/gpu.yml"
cat >"$work/site/site.yml" <<'YAML'
---
- name: Builders
  ansible.builtin.import_playbook: builders.yml
- name: GPU nodes
  ansible.builtin.import_playbook: gpu.yml
YAML
check "the site playbook passes ansible-playbook --syntax-check" \
  "$venv/bin/ansible-playbook" -i "$work/site/inventory.ini" "$work/site/site.yml" --syntax-check
check "the site playbook passes ansible-lint (production profile)" sh -c \
  "cd '$work/site' && '$venv/bin/ansible-lint' --offline --profile production --nocolor site.yml"
hosts=$("$venv/bin/ansible-playbook" -i "$work/site/inventory.ini" "$work/site/site.yml" \
  --list-hosts 2>&1)
check "each imported play runs on its group only" "$venv/bin/python" -c "
import re, sys
plays = re.findall(r'play #\d+ \((\w+)\).*?hosts \(\d+\):((?:\n +\S+)+)', sys.argv[1], re.S)
found = {group: sorted(block.split()) for group, block in plays}
assert found == {'builders': ['build-01', 'build-02'], 'gpu': ['gpu-01']}, (found, sys.argv[1])
" "$hosts"

## cloud-init: the whole user-data gzip-compressed

# --gzip forces it: gzip's magic bytes, and gunzip gives exactly the text compile writes.
"$nodespec" compile examples/writeup-all-mirrors.yaml --target cloud-init --gzip -o "$work/forced.gz"
check "--gzip writes gzip (magic 1f8b)" test "$(head -c 2 "$work/forced.gz" | od -An -tx1 | tr -d ' ')" = 1f8b
"$nodespec" compile examples/writeup-all-mirrors.yaml --target cloud-init -o "$work/plain.yaml"
check "... that gunzips to the text compile writes without it" sh -c \
  "gunzip -c '$work/forced.gz' | cmp -s - '$work/plain.yaml'"
check "... which cloud-init schema accepts" sh -c \
  "gunzip -c '$work/forced.gz' >'$work/forced.yaml' && cloud-init schema --config-file '$work/forced.yaml'"
check "the example that fits is still text without --gzip" sh -c \
  "'$nodespec' compile examples/writeup-all-mirrors.yaml --target cloud-init | head -n 1 | grep -qx '#cloud-config'"
# Over 16 KB even with its files compressed: the whole user-data is gzip'd, and fits.
python3 bench/registries.py 80 >"$work/registries-80.yaml"
"$nodespec" compile "$work/registries-80.yaml" --target cloud-init -o "$work/auto.gz"
size=$(wc -c <"$work/auto.gz")
check "a cloud-config over 16 KB becomes gzip'd user-data within 16,384 bytes ($size)" \
  test "$(head -c 2 "$work/auto.gz" | od -An -tx1 | tr -d ' ')" = 1f8b -a "$size" -le 16384
check "... whose text is over 16 KB and valid" sh -c "gunzip -c '$work/auto.gz' >'$work/auto.yaml' &&
  test \$(wc -c <'$work/auto.yaml') -gt 16384 && cloud-init schema --config-file '$work/auto.yaml'"
# Over even gzip'd: an error that says by how much, and nothing written.
python3 bench/registries.py 1000 >"$work/registries-1000.yaml"
s=$(status "$nodespec" compile "$work/registries-1000.yaml" --target cloud-init -o "$work/huge.gz")
check "user-data over 16 KB even gzip'd is an invalid spec (1, got $s), nothing written" \
  test "$s" = 1 -a ! -e "$work/huge.gz"
check "... and the error says by how much" sh -c "'$nodespec' compile '$work/registries-1000.yaml' \
  --target cloud-init 2>&1 >/dev/null | grep -Eq 'is [0-9]+ bytes even gzip-compressed, [0-9]+ bytes over the 16384 bytes EC2 accepts .*\\[cloud-init-size\\]'"
# Binary is not written to a terminal (`script` gives the command one); a pipe is fine.
if command -v script >/dev/null; then
  s=$(script -qec "'$nodespec' compile examples/minimal.yaml --target cloud-init --gzip; echo rc=\$?" \
    /dev/null | tr -d '\r' | sed -n 's/^rc=//p')
  check "--gzip to a terminal is refused (74, got $s)" test "$s" = 74
fi
check "--gzip to a pipe is written" sh -c \
  "'$nodespec' compile examples/minimal.yaml --target cloud-init --gzip | gunzip -c | grep -qx '#cloud-config'"
s=$(status "$nodespec" compile examples/minimal.yaml --target shell --gzip)
check "--gzip with another target is a usage error (64, got $s)" test "$s" = 64

finish
