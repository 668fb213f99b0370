#!/usr/bin/env bash
# The command line's contract: exit codes, diagnostics on stderr with file:line:col, nothing
# written for a bad spec, atomic -o, standard input.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib/check.sh
. tests/lib/check.sh

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

for sub in "" compile validate; do
  # shellcheck disable=SC2086 # an empty $sub means the top-level command
  check "--help ${sub:-(top)} exits 0" "$nodespec" $sub --help
done

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
for target in shell cloud-init ansible; do
  NODESPEC_CLI_TOKEN='Bearer s3cr3t' "$nodespec" compile "$work/env-secret.yaml" \
    --target "$target" -o "$work/secret-$target.out"
  check "$target: an output holding a secret is 0600" \
    test "$(stat -c %a "$work/secret-$target.out")" = 600
  check "$target: the environment's secret is in it" grep -q 's3cr3t' "$work/secret-$target.out"
  "$nodespec" compile "$good" --target "$target" -o "$work/plain-$target.out"
  check "$target: an output without a secret is 0644" \
    test "$(stat -c %a "$work/plain-$target.out")" = 644
done
s=$(status "$nodespec" compile "$work/env-secret.yaml" --target shell)
check "an unset environment variable is an invalid spec (1, got $s)" test "$s" = 1

s=$(status "$nodespec" compile "$good" --target nonsense)
check "unknown target is a usage error (64, got $s)" test "$s" = 64

s=$(status "$nodespec" compile "$work/missing.yaml" --target shell)
check "unreadable file is an I/O error (74, got $s)" test "$s" = 74

s=$(status "$nodespec" validate "$good" "$work/bad.yaml")
check "validate fails when one spec is bad (got $s)" test "$s" = 1

a=$("$nodespec" compile examples/writeup.yaml --target ansible | sha256sum)
b=$("$nodespec" compile examples/writeup.yaml --target ansible | sha256sum)
empty=$(printf '' | sha256sum)
check "byte-identical output across runs" test "$a" = "$b" -a "$a" != "$empty"

check "catalog lists runc 1.2.2" sh -c "'$nodespec' catalog runc | grep -q '^  1.2.2 '"
check "catalog --hashes pins the write-up's containerd" sh -c "'$nodespec' catalog --hashes containerd \
  | grep -qx 'containerd.2.0.0.amd64.6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1'"
s=$(status "$nodespec" catalog no-such-component)
check "catalog of an unknown component is a usage error (64, got $s)" test "$s" = 64

finish
