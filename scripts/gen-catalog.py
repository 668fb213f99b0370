#!/usr/bin/env python3
"""Generate Sources/Compiler/Catalog+Data.swift from domain-facts.md.

The catalog pins one sha256 per (component, version, arch). Every value comes from the
research notes in domain-facts.md, never from a guess:

- section 3 "Requested seed versions" table (rows named by asset, e.g.
  `containerd-2.0.0-linux-ARCH.tar.gz`; cells without a 64-hex value are skipped);
- section 3 bullet lists "Other nerdctl-full hashes found" and "Other BuildKit / CNI hashes"
  (a line marked UNVERIFIED is skipped);
- the Appendix kubespray tables (`containerd_archive_checksums`, ...), whose header row names
  the arch columns; `arm` is the 32-bit arm asset (nerdctl: `arm-v7`).

A (component, version, arch) found twice must carry the same hash, otherwise the generator
fails: two sources that disagree need a human.

Usage:
  scripts/gen-catalog.py [--facts PATH] [--out PATH]   write the Swift file
  scripts/gen-catalog.py [--facts PATH] --tsv          print `component version arch sha256`
  scripts/gen-catalog.py [--facts PATH] --check        exit 1 when the Swift file is stale

Python 3 standard library only. Output is sorted, so it is byte-identical run to run.
"""

import argparse
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# shared/ sits beside the repository on developer machines and in CI.
DEFAULT_FACTS = os.environ.get(
    "NODESPEC_FACTS", os.path.join(os.path.dirname(REPO), "shared", "domain-facts.md"))
DEFAULT_OUT = os.path.join(REPO, "Sources", "Compiler", "Catalog+Data.swift")

HEX = re.compile(r"\b[0-9a-f]{64}\b")
ARCHES = ["amd64", "arm64", "arm", "ppc64le", "s390x", "riscv64"]

# Appendix table name -> catalog component.
APPENDIX_TABLES = {
    "containerd_archive_checksums": "containerd",
    "containerd_static_archive_checksums": "containerd-static",
    "runc_checksums": "runc",
    "cni_binary_checksums": "cni",
    "nerdctl_archive_checksums": "nerdctl",
}

# Catalog component -> `CatalogComponent` case in Swift.
SWIFT_CASES = {
    "buildkit": "buildkit",
    "cni": "cni",
    "containerd": "containerd",
    "containerd-static": "containerdStatic",
    "nerdctl": "nerdctl",
    "nerdctl-full": "nerdctlFull",
    "runc": "runc",
}

# Seed-table asset names -> (component, version). Order matters: `containerd-static-` before
# `containerd-`, `nerdctl-full-` before `nerdctl-`.
SEED_ASSETS = [
    (re.compile(r"^containerd-static-([0-9][^-]*)-linux-ARCH\.tar\.gz$"), "containerd-static"),
    (re.compile(r"^containerd-([0-9][^-]*)-linux-ARCH\.tar\.gz$"), "containerd"),
    (re.compile(r"^cni-plugins-linux-ARCH-v([0-9][^-]*)\.tgz$"), "cni"),
    (re.compile(r"^buildkit-v([0-9][^-]*)\.linux-ARCH\.tar\.gz$"), "buildkit"),
    (re.compile(r"^nerdctl-full-([0-9][^-]*)-linux-ARCH\.tar\.gz$"), "nerdctl-full"),
    (re.compile(r"^nerdctl-([0-9][^-]*)-linux-ARCH\.tar\.gz$"), "nerdctl"),
    (re.compile(r"^nerdctl-([0-9][^-]*)-linux-arm-v7\.tar\.gz$"), "nerdctl@arm"),
]
SEED_RUNC = re.compile(r"^runc\.ARCH` v([0-9][^ |]*)")

# Bullet lines: "- 2.0.1 amd64 `hex`, arm64 `hex` (...)" under the nerdctl-full heading, and
# "- buildkit v0.17.0 (...): amd64 `hex`, arm64 `hex`" / "- cni v1.6.0 ...".
LIST_NERDCTL_FULL = re.compile(r"^- ([0-9][0-9.]*) (.*)$")
LIST_COMPONENT = re.compile(r"^- (buildkit|cni) v([0-9][0-9.]*) (.*)$")
ARCH_HASH = re.compile(r"\b(amd64|arm64|arm|ppc64le|s390x|riscv64) `([0-9a-f]{64})`")


class Catalog:
    def __init__(self):
        self.pins = {}  # (component, version, arch) -> (sha256, where)
        self.date = None  # the newest upstream read, "YYYY-MM-DD"

    def add(self, component, version, arch, sha, where):
        key = (component, version, arch)
        if key in self.pins and self.pins[key][0] != sha:
            sys.exit(
                f"gen-catalog: {component} {version} {arch}: {self.pins[key][1]} says "
                f"{self.pins[key][0]}, {where} says {sha}"
            )
        self.pins.setdefault(key, (sha, where))


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


RESEARCH_DATE = re.compile(r"^Research date:(.*?)(?:\n\n|\Z)", re.M | re.S)
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def parse(text):
    catalog = Catalog()
    # The catalog is as fresh as the newest upstream read in the notes' "Research date:"
    # paragraph (`nodespec --version` prints it).
    research = RESEARCH_DATE.search(text)
    dates = DATE.findall(research.group(1)) if research else []
    catalog.date = max(dates) if dates else None
    lines = text.splitlines()
    section = None  # "seed", "list-nerdctl-full", "list-other", ("appendix", component)
    columns = None
    for number, line in enumerate(lines, 1):
        where = f"domain-facts.md:{number}"
        if line.startswith("#"):
            columns = None
            section = None
            if line.startswith("### Requested seed versions"):
                section = "seed"
            elif line.startswith("#### `"):
                name = line.split("`")[1]
                if name in APPENDIX_TABLES:
                    section = ("appendix", APPENDIX_TABLES[name])
            continue
        if line.startswith("Other nerdctl-full hashes found"):
            section = "list-nerdctl-full"
            continue
        if line.startswith("Other BuildKit / CNI hashes"):
            section = "list-other"
            continue

        if section == "seed" and line.startswith("| `"):
            row = cells(line)
            asset = row[0].strip("`")
            component, version = None, None
            runc = SEED_RUNC.match(row[0].lstrip("`"))
            if runc:
                component, version = "runc", runc.group(1)
            for pattern, name in SEED_ASSETS:
                match = pattern.match(asset)
                if match:
                    component, version = name, match.group(1)
                    break
            if component is None:
                sys.exit(f"gen-catalog: {where}: unknown asset {asset!r} in the seed table")
            if component == "nerdctl@arm":
                for cell in row[1:3]:
                    found = HEX.search(cell)
                    if found and "(arm)" in cell:
                        catalog.add("nerdctl", version, "arm", found.group(0), where)
                continue
            for arch, cell in zip(["amd64", "arm64"], row[1:3]):
                found = HEX.fullmatch(cell.strip("`"))
                if found:
                    catalog.add(component, version, arch, found.group(0), where)
        elif section == "list-nerdctl-full" and line.startswith("- "):
            if "UNVERIFIED" in line:
                continue
            match = LIST_NERDCTL_FULL.match(line)
            if match:
                for arch, sha in ARCH_HASH.findall(match.group(2)):
                    catalog.add("nerdctl-full", match.group(1), arch, sha, where)
        elif section == "list-other" and line.startswith("- "):
            if "UNVERIFIED" in line:
                continue
            match = LIST_COMPONENT.match(line)
            if match:
                for arch, sha in ARCH_HASH.findall(match.group(3)):
                    catalog.add(match.group(1), match.group(2), arch, sha, where)
        elif isinstance(section, tuple) and line.startswith("|"):
            row = cells(line)
            if row[0] == "version":
                columns = row[1:]
                for arch in columns:
                    if arch not in ARCHES:
                        sys.exit(f"gen-catalog: {where}: unknown arch column {arch!r}")
                continue
            if columns is None or set(row[0]) <= set("-"):
                continue
            version = row[0]
            for arch, cell in zip(columns, row[1:]):
                found = HEX.fullmatch(cell.strip("`"))
                if found:
                    catalog.add(section[1], version, arch, found.group(0), where)
    return catalog


def version_key(version):
    return [int(part) for part in version.split(".")]


def sorted_pins(catalog):
    return sorted(
        catalog.pins.items(),
        key=lambda item: (item[0][0], version_key(item[0][1]), ARCHES.index(item[0][2])),
    )


def swift(catalog):
    out = [
        "// generated by scripts/gen-catalog.py from domain-facts.md, do not edit.",
        "// To add a version: add it to the facts, rerun the script, run `swift test`.",
        "",
        "extension Catalog {",
        "  /// The newest upstream read in the research notes the pins come from (YYYY-MM-DD).",
        f'  public static let date = "{catalog.date}"',
        "",
        "  /// Every pinned (component, version, arch) sha256, sorted by component, version, arch.",
        "  static let pinned: [Entry] = [",
    ]
    for (component, version, arch), (sha, _) in sorted_pins(catalog):
        case = SWIFT_CASES[component]
        out.append("    .init(")
        out.append(f'      .{case}, "{version}", .{arch},')
        out.append(f'      "{sha}"),')
    out += ["  ]", "}", ""]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", default=DEFAULT_FACTS)
    parser.add_argument("--out", default=DEFAULT_OUT)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--tsv", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()

    with open(args.facts, encoding="utf-8") as handle:
        catalog = parse(handle.read())
    if not catalog.pins:
        sys.exit(f"gen-catalog: no checksums found in {args.facts}")

    if args.tsv:
        for (component, version, arch), (sha, _) in sorted_pins(catalog):
            print(f"{component}\t{version}\t{arch}\t{sha}")
        return
    if not catalog.date:
        sys.exit(f"gen-catalog: no 'Research date:' paragraph with a date in {args.facts}")
    text = swift(catalog)
    if args.check:
        try:
            with open(args.out, encoding="utf-8") as handle:
                current = handle.read()
        except FileNotFoundError:
            current = None
        if current != text:
            sys.exit(f"gen-catalog: {args.out} is stale; run scripts/gen-catalog.py")
        return
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
