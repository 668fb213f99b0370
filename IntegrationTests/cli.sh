#!/usr/bin/env bash
# The command line's contract: exit codes, diagnostics on stderr with file:line:col, nothing
# written for a bad spec, atomic -o, standard input.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=IntegrationTests/lib/check.sh
. IntegrationTests/lib/check.sh

nodespec=${NODESPEC:-.build/debug/nodespec}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

good=examples/minimal.yaml
cat >"$work/bad.yaml" <<'YAML'
nodespec: 1
compnents:
  containerd: 2.0.0
YAML

status() { "$@" >/dev/null 2>&1; echo $?; }

# Every command's help: exit 0, the exit statuses stated, and text wrapped by one rule (at
# 80 columns no line is longer, and no line ends where the next line's first word would
# still have fitted: a sentence broken in the middle of the screen).
# The usage line and what follows are ArgumentParser's own layout, one line per option.
wrapped() {
  awk '/^USAGE:/ { exit }
    length($0) > 80 { print "too long: " $0; bad = 1 }
    prev != "" && $0 != "" && $0 !~ /^ / {
      split($0, words, " ")
      if (length(prev) + 1 + length(words[1]) < 80) { print "broken before: " $0; bad = 1 }
    }
    { prev = $0 } END { exit bad }'
}
for sub in "" compile validate plan catalog explain schema init; do
  # shellcheck disable=SC2086 # an empty $sub means the top-level command
  check "--help ${sub:-(top)} exits 0" "$nodespec" $sub --help
  # shellcheck disable=SC2086
  help=$(COLUMNS=80 "$nodespec" $sub --help)
  check "--help ${sub:-(top)} states the exit statuses" \
    grep -q '64 usage error; 74 a file could not be read or written' <<<"$help"
  check "--help ${sub:-(top)} breaks no sentence mid-line at 80 columns" wrapped <<<"$help"
done
targets=$("$nodespec" compile --help | grep -c 'cloud-init')
check "compile --help lists the targets once ($targets)" test "$targets" = 1
s=$(status "$nodespec")
check "no subcommand is a usage error (64, got $s)" test "$s" = 64
version=$("$nodespec" --version)
check "--version names the version and the catalog's date ($version)" \
  grep -Eqx 'nodespec [0-9]+\.[0-9]+\.[0-9]+ \(catalog [0-9]{4}-[0-9]{2}-[0-9]{2}\)' <<<"$version"

check "compile to stdout" "$nodespec" compile "$good" --target shell
check "validate a good spec" "$nodespec" validate "$good"
check "stdin as -" sh -c "'$nodespec' compile - --target shell < '$good' | grep -q '^#!/usr/bin/env bash'"

s=$(status "$nodespec" compile "$work/bad.yaml" --target shell)
check "invalid spec exits 1 (got $s)" test "$s" = 1

err=$("$nodespec" compile "$work/bad.yaml" --target shell 2>&1 >/dev/null)
check "diagnostic names file:line:col" grep -q "^$work/bad.yaml:2:1: error: " <<<"$err"
check "diagnostic has a hint" grep -q 'hint: ' <<<"$err"

"$nodespec" compile "$work/bad.yaml" --target shell -o "$work/out.sh" 2>/dev/null
check "bad spec writes nothing" test ! -e "$work/out.sh"

printf 'keep me\n' >"$work/existing.sh"
"$nodespec" compile "$work/bad.yaml" --target shell -o "$work/existing.sh" 2>/dev/null
check "bad spec leaves an existing output alone" test "$(cat "$work/existing.sh")" = "keep me"

"$nodespec" compile "$good" --target cloud-init -o "$work/out.yaml"
check "-o writes the file" grep -qx '#cloud-config' "$work/out.yaml"
check "-o leaves no temporary" test -z "$(find "$work" -name '.*nodespec*')"

# A write that cannot happen is an I/O error, and leaves neither a file nor a temporary.
# (Root may write anywhere a mode forbids, so these fail by path, not by permission.)
s=$(status "$nodespec" compile "$good" --target shell -o "$work/no-such-dir/out.sh")
check "output folder missing is an I/O error (74, got $s)" test "$s" = 74
s=$(status "$nodespec" compile "$good" --target shell -o /proc/nodespec-out.sh)
check "output folder not writable is an I/O error (74, got $s)" test "$s" = 74
check "nothing written under /proc" test ! -e /proc/nodespec-out.sh
mkdir "$work/a-directory"
s=$(status "$nodespec" compile "$good" --target shell -o "$work/a-directory")
check "rename over a directory fails as an I/O error (74, got $s)" test "$s" = 74
check "a failed rename leaves no temporary" test -z "$(find "$work" -name '.*nodespec*')"
check "a failed rename leaves the directory alone" test -d "$work/a-directory"

# -o writes only regular files: a rename over a device, FIFO, socket or directory, or over the
# spec itself, is refused before anything is written (as root, `-o /dev/null` once replaced
# /dev/null with a regular file). `-o -` is standard output.
# The device is a /dev/null of the test's own (as root), so that a compiler that still renames
# over devices damages nothing outside the test's folder.
mkfifo "$work/fifo"
targets=("$work/fifo" "$work/a-directory")
if ((EUID == 0)) && mknod "$work/null" c 1 3; then targets+=("$work/null"); fi
for target in "${targets[@]}"; do
  s=$(status "$nodespec" compile "$good" --target shell -o "$target")
  check "-o $(basename "$target") is refused as an I/O error (74, got $s)" test "$s" = 74
done
check "the FIFO is still a FIFO" test -p "$work/fifo"
if [ -e "$work/null" ]; then
  check "the device is still a character device" test -c "$work/null"
  err=$("$nodespec" compile "$good" --target shell -o "$work/null" 2>&1 >/dev/null)
  check "the refusal says why" grep -q "cannot write $work/null: it is a character device" \
    <<<"$err"
fi
cp "$good" "$work/spec.yaml"
ln -s spec.yaml "$work/spec-link.yaml"
for target in "$work/spec.yaml" "$work/spec-link.yaml"; do
  s=$(status "$nodespec" compile "$work/spec.yaml" --target shell -o "$target")
  check "-o the spec itself ($(basename "$target")) is refused (74, got $s)" test "$s" = 74
done
check "the spec is left as it was" cmp -s "$good" "$work/spec.yaml"
# (In the test's folder: a compiler that takes - for a file name writes it there.)
check "-o - writes standard output" sh -c "cd '$work' &&
  '$(realpath "$nodespec")' compile '$PWD/$good' --target shell -o - | grep -q '^#!/usr/bin/env bash'"
check "-o - leaves no file named -" test ! -e "$work/-"

# An endless stream is not read to the end: past 8 MiB the CLI stops (exit 74, in well
# under the time reading it all would take).
s=$(head -c 9000000 /dev/zero | tr '\0' '#' | timeout 10 "$nodespec" compile - --target shell \
  2>/dev/null >/dev/null; echo $?)
check "a stream over 8 MiB is refused as an I/O error (74, got $s)" test "$s" = 74

# A header value from the compiling machine's environment is in the output literally: the
# output is written 0600, and one without a secret 0644.
cat >"$work/env-secret.yaml" <<'YAML'
nodespec: 1
registries:
  docker.io:
    mirrors:
      - url: https://mirror.example.com
        header: {Authorization: {env: NODESPEC_CLI_TOKEN}}
YAML
# The output with every `gz+b64` write_files entry of a cloud-config decoded.
decoded() {
  python3 -c 'import base64, gzip, sys
text = open(sys.argv[1]).read()
print(text)
if text.startswith("#cloud-config"):
    import yaml
    for entry in yaml.safe_load(text).get("write_files", []):
        if entry.get("encoding") == "gz+b64":
            print(gzip.decompress(base64.b64decode(entry["content"])).decode())' "$1"
}
for target in shell cloud-init ansible; do
  NODESPEC_CLI_TOKEN='Bearer s3cr3t' "$nodespec" compile "$work/env-secret.yaml" \
    --target "$target" -o "$work/secret-$target.out"
  check "$target: an output holding a secret is 0600" \
    test "$(stat -c %a "$work/secret-$target.out")" = 600
  # (cloud-init: maybe inside a compressed apply script, so read with its entries decoded)
  check "$target: the environment's secret is in it" \
    eval "decoded '$work/secret-$target.out' | grep s3cr3t >/dev/null"
  "$nodespec" compile "$good" --target "$target" -o "$work/plain-$target.out"
  check "$target: an output without a secret is 0644" \
    test "$(stat -c %a "$work/plain-$target.out")" = 644
done
s=$(status "$nodespec" compile "$work/env-secret.yaml" --target shell)
check "an unset environment variable is an invalid spec (1, got $s)" test "$s" = 1

# Certificates delivered with the spec: `local:` reads a file beside the spec, and only there
# (a symlink that leads out is refused); a delivered key makes the output 0600; the key
# file on the node is 0600.
mkdir -p "$work/tls/certs" "$work/outside"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj /CN=nodespec-cli-test -keyout "$work/tls/certs/client.key" \
  -out "$work/tls/certs/client.pem" 2>/dev/null
cp "$work/tls/certs/client.key" "$work/outside/secret.key"
cat >"$work/tls/spec.yaml" <<'YAML'
nodespec: 1
registries:
  corp.example:
    mirrors:
      - url: https://mirror.corp.example
        ca: {local: certs/client.pem}
        client: {cert: {local: certs/client.pem}, key: {local: certs/client.key}}
YAML
"$nodespec" compile "$work/tls/spec.yaml" --target shell -o "$work/tls.sh" 2>"$work/tls.err"
check "local: certificates compile" test -s "$work/tls.sh"
check "an output holding a delivered key is 0600" test "$(stat -c %a "$work/tls.sh")" = 600
check "the key is written 0600 beside hosts.toml" \
  grep -q "ns_put_file '/etc/containerd/certs.d/corp.example/client.key' 600" "$work/tls.sh"
check "hosts.toml names the delivered CA" \
  grep -q 'ca = \["/etc/containerd/certs.d/corp.example/ca.crt"\]' "$work/tls.sh"
ln -s ../../outside/secret.key "$work/tls/certs/link.key"
sed 's|key: {local: certs/client.key}|key: {local: certs/link.key}|' "$work/tls/spec.yaml" \
  >"$work/tls/escape.yaml"
s=$(status "$nodespec" compile "$work/tls/escape.yaml" --target shell -o "$work/escape.sh")
check "a local: symlink out of the spec's folder is an invalid spec (1, got $s)" test "$s" = 1
check "... said at its line, nothing written" sh -c "! test -e '$work/escape.sh' &&
  '$nodespec' compile '$work/tls/escape.yaml' --target shell 2>&1 >/dev/null |
  grep -q 'escape.yaml:7:[0-9]*: error: .*unreadable-local-file'"
check "... and the secret is not printed" sh -c "! '$nodespec' compile '$work/tls/escape.yaml' \
  --target shell 2>&1 | grep -q 'PRIVATE KEY'"

s=$(status "$nodespec" compile "$good" --target nonsense)
check "unknown target is a usage error (64, got $s)" test "$s" = 64

s=$(status "$nodespec" compile "$work/missing.yaml" --target shell)
check "unreadable file is an I/O error (74, got $s)" test "$s" = 74
err=$(head -c 9000000 /dev/zero | "$nodespec" compile - --target shell 2>&1 >/dev/null)
s=$?
check "a stream past the read limit is refused as an I/O error (74, got $s)" test "$s" = 74
check "the refusal names the limit" grep -q '^nodespec: cannot read -: it is larger than' <<<"$err"

s=$(status "$nodespec" validate "$good" "$work/bad.yaml")
check "validate fails when one spec is bad (got $s)" test "$s" = 1
s=$(status "$nodespec" validate "$work/bad.yaml" "$work/missing.yaml")
check "validate of an unreadable spec is an I/O error (74, got $s)" test "$s" = 74
s=$(status "$nodespec" validate)
check "validate without a spec is a usage error (64, got $s)" test "$s" = 64
s=$("$nodespec" catalog runc >/dev/full 2>/dev/null; echo $?)
check "catalog that cannot write is an I/O error (74, got $s)" test "$s" = 74

# Colour only on a terminal, and never when NO_COLOR is set to something (an empty NO_COLOR
# counts as unset: no-color.org). `script` gives the command a terminal.
if command -v script >/dev/null; then
  colours() {
    NO_COLOR=$1 script -qec "'$nodespec' validate '$work/bad.yaml'" /dev/null | grep -c $'\e\['
  }
  check "diagnostics are coloured on a terminal" test "$(colours '')" -gt 0
  check "NO_COLOR=1 turns colour off" test "$(colours 1)" = 0
fi
err=$("$nodespec" validate "$work/bad.yaml" 2>&1)
check "no colour when standard error is not a terminal" test "$(grep -c $'\e\[' <<<"$err")" = 0

a=$("$nodespec" compile examples/writeup.yaml --target ansible | sha256sum)
b=$("$nodespec" compile examples/writeup.yaml --target ansible | sha256sum)
empty=$(printf '' | sha256sum)
check "byte-identical output across runs" test "$a" = "$b" -a "$a" != "$empty"

# Every problem in one run, in file order, whichever stage found it, then a count line.
cat >"$work/many.yaml" <<'YAML'
nodespec: 1
arch: amd64
components:
  containerd: 9.9.9
  runc: 1.2.2
  nerdctl: latest
YAML
err=$("$nodespec" validate "$work/many.yaml" 2>&1)
positions=$(grep -o '^[^ ]*many.yaml:[0-9]*:[0-9]*: [a-z]*' <<<"$err" | sed 's/^.*many.yaml://')
check "a decoding error hides no catalog error, all in file order" \
  test "$positions" = $'4:15: error\n5:9: warning\n6:12: error'
check "the report ends with a count line" test "$(tail -n 1 <<<"$err")" = "2 errors, 1 warning"
printf 'nodespec: 1\narch: amd64\ncomponents:\n  runc: 1.2.2\n' >"$work/warned.yaml"
last=$("$nodespec" validate --strict "$work/warned.yaml" 2>&1 | tail -n 1)
check "--strict says that warnings count as errors" \
  test "$last" = "1 warning; --strict treats warnings as errors"
check "a clean spec prints nothing" test -z "$("$nodespec" validate "$good" 2>&1)"

# explain: the id in a diagnostic's brackets leads to its entry in docs/diagnostics.md.
id=$("$nodespec" validate "$work/bad.yaml" 2>&1 | grep -o '\[[a-z0-9-]*\]$' | head -n 1 | tr -d '[]')
check "explain $id prints its entry, with an example and the fix" \
  sh -c "'$nodespec' explain '$id' | grep -q '^Fix: '"
check "explain prints what docs/diagnostics.md says" \
  sh -c "'$nodespec' explain unknown-key | grep -qF 'Fix: correct the spelling or the indentation'"
check "explain without an id lists every id" \
  test "$("$nodespec" explain | wc -l)" = "$(grep -c '^### `' docs/diagnostics.md)"
s=$(status "$nodespec" explain no-such-id)
check "explain of an unknown id is a usage error (64, got $s)" test "$s" = 64

check "catalog lists runc 1.2.4" sh -c "'$nodespec' catalog runc | grep -q '^  1.2.4 '"
check "catalog marks a known-bad version" \
  sh -c "'$nodespec' catalog runc | grep -qx '  1.2.2  *amd64 arm64  \[known-bad-version\]'"
check "catalog shows containerd-static as containerd's static: true" \
  sh -c "'$nodespec' catalog containerd | grep -qx 'containerd with \`static: true\` (containerd/containerd)'"
check "catalog says when it pins no release" \
  sh -c "'$nodespec' catalog slirp4netns | grep -q 'pins no release'"
check "catalog --hashes pins the write-up's containerd" sh -c "'$nodespec' catalog --hashes containerd \
  | grep -qx 'containerd.2.0.0.amd64.6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1.containerd-2.0.0-linux-amd64.tar.gz'"
s=$(status "$nodespec" catalog no-such-component)
check "catalog of an unknown component is a usage error (64, got $s)" test "$s" = 64
check "catalog suggests the component meant" \
  sh -c "'$nodespec' catalog containr 2>&1 | grep -q 'did you mean .containerd.'"

# init: a starter spec that compiles under --strict for every target.
"$nodespec" init >"$work/init.yaml"
for target in shell cloud-init ansible; do
  check "init's starter compiles under --strict for $target" \
    "$nodespec" compile --strict "$work/init.yaml" --target "$target" -o "$work/init.$target"
done
check "init names the newest containerd the catalog pins without a warning" sh -c "grep -qx \
  \"  containerd: \$('$nodespec' catalog containerd | awk '\$1 ~ /^[0-9]/ && !/\\[/ { print \$1; exit }')\" '$work/init.yaml'"
check "schema prints draft 2020-12 JSON Schema" sh -c "'$nodespec' schema | grep -q '\"\$schema\": \"https://json-schema.org/draft/2020-12/schema\"'"

# extends: bases relative to the file naming them, merged before decoding; diagnostics at the
# base's line with notes up the chain; --set over everything, named in its diagnostics.
mkdir -p "$work/fleet/sites" "$work/fleet/nodes"
cat >"$work/fleet/base.yaml" <<'YAML'
nodespec: 1
arch: amd64
components:
  containerd: 2.0.0
  runc: 1.2.4
kubernetes: {}
YAML
cat >"$work/fleet/sites/eu.yaml" <<'YAML'
nodespec: 1
extends: ../base.yaml
registries:
  docker.io:
    mirrors: [https://mirror.eu.example]
YAML
cat >"$work/fleet/nodes/n1.yaml" <<'YAML'
nodespec: 1
extends: [../sites/eu.yaml]
name: n1
YAML
check "a spec that extends compiles, from another folder" sh -c "cd / &&
  '$(realpath "$nodespec")' compile '$work/fleet/nodes/n1.yaml' -t shell -o '$work/n1.sh'"
check "the base's containerd and the site's mirror are in the output" \
  sh -c "grep -q 'containerd-2.0.0-linux-amd64' '$work/n1.sh' && grep -q 'mirror.eu.example' '$work/n1.sh'"
check "validate follows extends" "$nodespec" validate "$work/fleet/nodes/n1.yaml"
sed -i 's/^arch: amd64/arch: x86/' "$work/fleet/base.yaml"
err=$("$nodespec" validate "$work/fleet/nodes/n1.yaml" 2>&1)
check "a bad value in a base is reported at the base's line" \
  grep -q "^$work/fleet/base.yaml:2:7: error: unknown arch .x86. \[invalid-value\]" <<<"$err"
check "with a note at the site's extends entry" \
  grep -q "^$work/fleet/sites/eu.yaml:2:10: note: .* is extended by " <<<"$err"
check "and one at the spec's" grep -q "^$work/fleet/nodes/n1.yaml:2:11: note: " <<<"$err"
s=$(status "$nodespec" compile "$work/fleet/nodes/n1.yaml" -t shell -o "$work/n1-bad.sh")
check "a bad base fails the compile (1, got $s) and writes nothing" \
  sh -c "test $s = 1 && test ! -e '$work/n1-bad.sh'"
check "--set fixes it, winning over every file" \
  "$nodespec" validate "$work/fleet/nodes/n1.yaml" --set arch=arm64
check "--set takes a YAML scalar: quoting works" sh -c "'$nodespec' compile '$work/fleet/nodes/n1.yaml' \
  -t shell --set arch=amd64 --set \"name='007'\" | grep -q '^# Spec: 007\$'"
err=$("$nodespec" validate "$work/fleet/nodes/n1.yaml" --set arch=amd64 --set components.containerd=9.9.9 2>&1)
check "a bad --set is reported in the --set, at its value" \
  grep -q '^--set components.containerd:1:23: error: .*\[unknown-version\]' <<<"$err"
check "plan follows extends and --set" sh -c "'$nodespec' plan '$work/fleet/nodes/n1.yaml' \
  --set arch=amd64 --format json | grep -q 'mirror.eu.example'"
check "the batch follows extends and --set, as a single compile does" sh -c "
  '$nodespec' compile '$work/fleet/nodes/n1.yaml' -t shell --set arch=amd64 --out-dir '$work/batch' &&
  '$nodespec' compile '$work/fleet/nodes/n1.yaml' -t shell --set arch=amd64 | cmp -s - '$work/batch/n1.sh' &&
  grep -q 'containerd-2.0.0-linux-amd64' '$work/batch/n1.sh'"
s=$(status "$nodespec" validate "$good" --set name)
check "a --set without = is a usage error (64, got $s)" test "$s" = 64
s=$(status "$nodespec" compile - -t shell <"$work/fleet/nodes/n1.yaml")
check "a spec from standard input cannot extend (1, got $s)" test "$s" = 1

finish
