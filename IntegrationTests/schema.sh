#!/usr/bin/env bash
# `nodespec schema` against PyPI's jsonschema: a valid draft 2020-12 schema; every example,
# every fleet file, the starter of `nodespec init` and the corpus's good cases valid under it;
# the corpus's structural cases (unknown keys, wrong types, values outside a closed set)
# invalid. The decoder's side (it accepts exactly the schema's keys) is SpecKeysTests.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=IntegrationTests/lib/check.sh
. IntegrationTests/lib/check.sh

nodespec=${NODESPEC:-.build/debug/nodespec}
python=${NODESPEC_VENV:-.venv}/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check "schema exits 0" sh -c "'$nodespec' schema >'$work/schema.json'"
check "init exits 0" sh -c "'$nodespec' init >'$work/init.yaml'"
corpus=IntegrationTests/corpus
shopt -s nullglob globstar
valid=(examples/**/*.yaml "$work/init.yaml" "$corpus/extends-merged.yaml" "$corpus"/bases/{common,site,cycle,depth-*}.yaml)
invalid=("$corpus"/unknown-key-*.yaml "$corpus"/type-*.yaml "$corpus"/value-*.yaml "$corpus"/bases/{bad-arch,hidden,no-format}.yaml)
if ! out=$("$python" IntegrationTests/check_schema.py "$work/schema.json" \
  --valid "${valid[@]}" --invalid "${invalid[@]}" 2>&1); then
  grep -q '^FAIL' <<<"$out" || fail "check_schema.py" "$out"
fi
while IFS= read -r line; do
  case $line in
    ok*) ok "${line#ok    }" ;;
    FAIL*) fail "${line#FAIL  }" ;;
  esac
done <<<"$out"
finish
