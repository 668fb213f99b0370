#!/usr/bin/env bash
# Every spec in examples/ (and every node of examples/fleet/) through every target: compiles with no warning (--strict), matches
# its golden output (NODESPEC_RECORD=1 re-records), passes the real validators (shellcheck,
# cloud-init schema, ansible-playbook --syntax-check, ansible-lint), and means what the spec
# says once parsed back (IntegrationTests/check_outputs.py).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=IntegrationTests/lib/check.sh
. IntegrationTests/lib/check.sh

nodespec=${NODESPEC:-.build/debug/nodespec}
venv=${NODESPEC_VENV:-.venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Ansible needs a writable home and no host config; keep both inside the work folder.
export ANSIBLE_LOCAL_TEMP="$work/ansible-tmp" ANSIBLE_HOME="$work/ansible-home"

declare -A extension=([shell]=sh [cloud-init]=yaml [ansible]=yml)

# The fleet's nodes (examples/fleet/nodes/, each extending a site that extends the base)
# too, as fleet-NODE; the bases alone are not nodes.
for spec in examples/*.yaml examples/fleet/nodes/*.yaml; do
  name=$(basename "$spec" .yaml)
  [[ $spec == examples/fleet/* ]] && name=fleet-$name
  out="$work/$name"
  mkdir -p "$out"
  for target in shell cloud-init ansible; do
    file="$out/$target.${extension[$target]}"
    check "$name: compiles for $target without warnings" \
      "$nodespec" compile --strict "$spec" --target "$target" -o "$file"
    [ -s "$file" ] || continue
    golden="IntegrationTests/golden/$name/$target.${extension[$target]}"
    if [ "${NODESPEC_RECORD:-}" = 1 ]; then
      mkdir -p "$(dirname "$golden")" && cp "$file" "$golden"
    fi
    check "$name: $target matches $golden" diff -u "$golden" "$file"
  done

  [ -s "$out/shell.sh" ] && check "$name: shellcheck" shellcheck -S style "$out/shell.sh"
  [ -s "$out/shell.sh" ] && check "$name: bash -n" bash -n "$out/shell.sh"
  [ -s "$out/cloud-init.yaml" ] \
    && check "$name: cloud-init schema" cloud-init schema --config-file "$out/cloud-init.yaml"
  if [ -s "$out/ansible.yml" ]; then
    check "$name: ansible-playbook --syntax-check" \
      "$venv/bin/ansible-playbook" --syntax-check -i localhost, "$out/ansible.yml"
    check "$name: ansible-lint production" \
      "$venv/bin/ansible-lint" --offline --profile production --nocolor "$out/ansible.yml"
  fi
  if [ -s "$out/cloud-init.yaml" ] && [ -s "$out/ansible.yml" ]; then
    # check_outputs.py merges the spec's bases itself (the rule of docs/spec.md, written again).
    check "$name: outputs mean what the spec says" \
      "$venv/bin/python" IntegrationTests/check_outputs.py "$spec" "$out/cloud-init.yaml" "$out/ansible.yml"
  fi
done

finish
