#!/usr/bin/env python3
"""Extract the config.toml keys each containerd release reads for the CRI plugin tables.

    scripts/containerd-config-keys.py GIT_DIR TAG... > IntegrationTests/data/containerd-config-keys.json

GIT_DIR is a clone of github.com/containerd/containerd (bare is fine). For each tag it reads
the Go structs the CRI plugins decode their tables into (the `toml:"…"` tags of
`pkg/cri/config/config.go` for 1.x, `internal/cri/config/config.go` for 2.x, and the runc
shim's `Options` for `runtimes.*.options`) and writes every key path, with `*` where a map
takes any key. IntegrationTests/upstream-configs.sh fails on any key nodespec writes that is not in the
set of the version it writes for. Maintainers rerun this when a containerd line is added;
the data file is checked in so the tests need no network and no clone.

Python 3 standard library only.
"""

import json
import re
import subprocess
import sys

FIELD = re.compile(r"^\t(?:(\w+)\s+)?([\w.*\[\]{}]+)\s+`[^`]*\btoml:\"([^\"]*)\"")
STRUCT = re.compile(r"^type (\w+) struct \{$")


def show(git_dir, tag, path):
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{tag}:{path}"],
        check=True, capture_output=True, text=True).stdout


def structs(source):
    """name -> [(toml key, go type)] for every struct with toml tags."""
    found, current = {}, None
    for line in source.splitlines():
        match = STRUCT.match(line)
        if match:
            current = found.setdefault(match.group(1), [])
            continue
        if line == "}":
            current = None
            continue
        if current is not None:
            field = FIELD.match(line)
            if field and field.group(3) not in ("", "-"):
                current.append((field.group(3).split(",")[0], field.group(2)))
    return found


def paths(types, name, prefix, options):
    for key, go_type in types[name]:
        path = prefix + [key]
        bare = go_type.lstrip("*")
        if bare in types:
            yield from paths(types, bare, path, options)
        elif bare.startswith("map[string]") and bare[len("map[string]"):] in types:
            yield from paths(types, bare[len("map[string]"):], path + ["*"], options)
        elif key == "options" and bare == "map[string]interface{}":
            yield from (path + [option] for option in options)
        elif bare.startswith("map["):
            yield path + ["*"]
        else:
            yield path


def keys(git_dir, tag):
    major = int(tag.lstrip("v").split(".")[0])
    if major < 2:
        config = show(git_dir, tag, "pkg/cri/config/config.go")
        runc = show(git_dir, tag, "runtime/v2/runc/options/oci.pb.go")
        roots = {"io.containerd.grpc.v1.cri": "PluginConfig"}
        layout = 2
    else:
        config = show(git_dir, tag, "internal/cri/config/config.go")
        runc = show(git_dir, tag, "api/types/runc/options/oci.pb.go")
        roots = {"io.containerd.cri.v1.images": "ImageConfig",
                 "io.containerd.cri.v1.runtime": "RuntimeConfig"}
        layout = 4 if (major, int(tag.split(".")[1])) >= (2, 3) else 3
    # The runc shim decodes `options` into its protobuf `Options` by Go field name.
    block = runc[runc.index("type Options struct {"):]
    block = block[:block.index("\n}\n")]
    options = sorted(set(re.findall(r"^\t([A-Z]\w*) \S+ `protobuf", block, re.M)))
    types = structs(config)
    found = {("version",)}
    for plugin, name in roots.items():
        for path in paths(types, name, ["plugins", plugin], options):
            found.add(tuple(path))
    return {"layout": layout, "keys": [list(p) for p in sorted(found)]}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    git_dir, tags = sys.argv[1], sys.argv[2:]
    data = {tag: keys(git_dir, tag) for tag in tags}
    json.dump(data, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
