#!/usr/bin/env python3
"""Writes a fleet of N distinct specs into DIR: node-00000.yaml, node-00001.yaml, ...

Usage: bench/fleet.py N DIR [REGISTRIES]   (bench/fleet.sh uses it)

Each is bench/registries.py's write-up full setup (five components, Kubernetes) with its own
name and REGISTRIES registries of its own (default 11, as examples/writeup-all-mirrors.yaml
has), so no two specs, and no two outputs, are the same.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registries import spec  # noqa: E402

count, folder = int(sys.argv[1]), sys.argv[2]
registries = int(sys.argv[3]) if len(sys.argv) > 3 else 11
os.makedirs(folder, exist_ok=True)
width = len(str(count - 1))
for index in range(count):
    with open(os.path.join(folder, f"node-{index:0{width}d}.yaml"), "w") as file:
        file.write(spec(registries, name=f"fleet-{index}", first=index * registries))
