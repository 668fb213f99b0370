#!/usr/bin/env python3
"""Add a release to catalog/catalog.tsv from the checksum file its project publishes.

    scripts/add-release.py COMPONENT VERSION [--arch ARCH]... [--from DIR] [--dry-run]

For a maintainer's machine with internet access. For each arch (default: amd64 and arm64) it
downloads the checksum file the project publishes next to the release (the same files
`downloads.verify: published` checks on the node; docs/catalog.md), takes the line of the
asset's exact file name, and adds `component version arch sha256 source` to the catalog, the
source being the checksum file's URL. Then it regenerates Sources/Compiler/Catalog+Data.swift.

- `--from DIR` reads the checksum files from DIR (by their published names, e.g.
  `SHA256SUMS`, `runc.sha256sum`, `containerd-2.0.0-linux-amd64.tar.gz.sha256sum`) instead
  of downloading them: for checking a file fetched by other means, and for the tests.
- `--dry-run` prints the lines instead of writing them.
- A pin already in the catalog with the same hash is kept (its source gains the URL); with a
  different hash the script stops: two sources that disagree need a human.
- BuildKit publishes no checksum file: add its line by hand, naming the source you checked.

Asset names and checksum files follow Sources/Compiler/CatalogComponent.swift.
Python 3 standard library only.
"""

import argparse
import importlib.util
import os
import re
import sys
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GITHUB = "https://github.com"

_spec = importlib.util.spec_from_file_location(
    "gen_catalog", os.path.join(REPO, "scripts", "gen-catalog.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

REPOSITORIES = {
    "containerd": "containerd/containerd",
    "containerd-static": "containerd/containerd",
    "runc": "opencontainers/runc",
    "cni": "containernetworking/plugins",
    "nerdctl": "containerd/nerdctl",
    "nerdctl-full": "containerd/nerdctl",
    "buildkit": "moby/buildkit",
    "crictl": "kubernetes-sigs/cri-tools",
}
LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")


def asset_arch(component, arch):
    """The arch as the project spells it in asset names; None when it publishes none."""
    if component in ("containerd", "containerd-static") and arch == "arm":
        return None
    if component == "nerdctl-full" and arch not in ("amd64", "arm64"):
        return None
    if component == "runc" and arch == "arm":
        return "armhf"
    if component in ("nerdctl", "buildkit") and arch == "arm":
        return "arm-v7"
    return arch


def asset_name(component, version, arch):
    a = asset_arch(component, arch)
    if a is None:
        return None
    return {
        "containerd": f"containerd-{version}-linux-{a}.tar.gz",
        "containerd-static": f"containerd-static-{version}-linux-{a}.tar.gz",
        "runc": f"runc.{a}",
        "cni": f"cni-plugins-linux-{a}-v{version}.tgz",
        "nerdctl": f"nerdctl-{version}-linux-{a}.tar.gz",
        "nerdctl-full": f"nerdctl-full-{version}-linux-{a}.tar.gz",
        "buildkit": f"buildkit-v{version}.linux-{a}.tar.gz",
        "crictl": f"crictl-v{version}-linux-{a}.tar.gz",
    }[component]


def checksum_file(component, asset):
    """The published checksum file's name for this asset; None for BuildKit, and for crictl,
    whose `.sha256` files are not verified research (pin from kubespray's checksums.yml)."""
    return {
        "containerd": f"{asset}.sha256sum",
        "containerd-static": f"{asset}.sha256sum",
        "runc": "runc.sha256sum",
        "cni": f"{asset}.sha256",
        "nerdctl": "SHA256SUMS",
        "nerdctl-full": "SHA256SUMS",
        "buildkit": None,
        "crictl": None,
    }[component]


def parse(text, asset):
    """The sha256 on the `<hex>  <name>` line whose name is exactly the asset, or None."""
    for line in text.splitlines():
        match = LINE.match(line.strip())
        if match and os.path.basename(match.group(2).strip()) == asset:
            return match.group(1).lower()
    return None


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("component", choices=sorted(REPOSITORIES))
    parser.add_argument("version")
    parser.add_argument("--arch", action="append", choices=gen.ARCHES)
    parser.add_argument("--from", dest="source_dir")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--data", default=gen.DEFAULT_DATA)
    parser.add_argument("--out", default=gen.DEFAULT_OUT)
    args = parser.parse_args()

    component, version = args.component, args.version.removeprefix("v")
    if not gen.VERSION.match(version):
        sys.exit(f"add-release: {version!r} is not a version")
    base = f"{GITHUB}/{REPOSITORIES[component]}/releases/download/v{version}"
    rows = []
    for arch in args.arch or ["amd64", "arm64"]:
        asset = asset_name(component, version, arch)
        if asset is None:
            sys.exit(f"add-release: {component} publishes nothing for {arch}")
        name = checksum_file(component, asset)
        if name is None:
            sys.exit(f"add-release: {component} publishes no checksum file; add its line to "
                     f"{os.path.relpath(args.data, REPO)} by hand, naming the source you checked")
        url = f"{base}/{name}"
        if args.source_dir:
            with open(os.path.join(args.source_dir, name), encoding="utf-8") as handle:
                text = handle.read()
        else:
            text = fetch(url)
        sha = parse(text, asset)
        if sha is None:
            sys.exit(f"add-release: {url} has no line for {asset}")
        rows.append((component, version, arch, sha, url))

    if args.dry_run:
        for row in rows:
            print("\t".join(row))
        return
    try:
        pins = gen.read(args.data)
    except gen.CatalogError as error:
        sys.exit(f"add-release: {error}")
    for component, version, arch, sha, url in rows:
        key = (component, version, arch)
        if key in pins:
            known, source = pins[key]
            if known != sha:
                sys.exit(f"add-release: {component} {version} {arch}: the catalog has {known} "
                         f"({source}), {url} says {sha}")
            if url not in source.split("; "):
                pins[key] = (sha, f"{source}; {url}")
        else:
            pins[key] = (sha, url)
    write(args.data, pins)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(gen.swift(pins, gen.read_date(args.data)))
    print(f"add-release: {len(rows)} pins for {component} {version}; now run `swift test`")


def write(path, pins):
    """The data file with its comment lines kept, the pins sorted."""
    with open(path, encoding="utf-8") as handle:
        comments = [line for line in handle if line.startswith("#")]
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(comments)
        handle.write("\t".join(gen.HEADER) + "\n")
        for key in sorted(pins, key=gen.sort_key):
            handle.write("\t".join(key + pins[key]) + "\n")


if __name__ == "__main__":
    main()
