"""Checks the files of one compiled spec with the upstream programs that read them.

    check_upstream.py CLOUD_CONFIG CONTAINERD_VERSION|- WORK_DIR

Unpacks the cloud-config's files into WORK_DIR/root, then:
- every system unit is where systemd looks (`systemctl --root enable` finds it) and passes
  `systemd-analyze verify --root` (its ExecStart binaries stubbed: the sandbox has no release
  binaries; systemd's own units copied in, since verify loads the targets a unit names);
- a `version = 2` config.toml is loaded by the real containerd (Debian's 1.6) with `config
  dump`, and every value nodespec wrote is the effective value in the dump (a key containerd
  did not read would be missing there);
- a `version = 3` or `4` config.toml holds only keys that the containerd version reads, per
  catalog/containerd-config-keys.json (scripts/containerd-config-keys.py, from containerd's
  source). With `-` (a bundle whose containerd is not named) the keys every release of that
  layout reads.
Exits non-zero with one line per problem.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_outputs import cloud_init_files  # noqa: E402

KEYS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "catalog",
                    "containerd-config-keys.json")
SYSTEMD_UNITS = "/usr/lib/systemd/system"
UNIT_FOLDERS = ("/etc/systemd/system/", "/usr/local/lib/systemd/system/",
                "/usr/lib/systemd/system/")

problems = []


def unpack(files, root):
    for path, content in files.items():
        target = root + path
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(content or "")


def check_units(files, root):
    units = [p for p in files if p.endswith((".service", ".socket")) and "/systemd/" in p]
    # Drop-ins (`<unit>.d/*.conf`) are read with their unit by verify below.
    drop_ins = [p for p in files if re.search(r"/systemd/system/[^/]+\.d/[^/]+\.conf$", p)]
    unpack({d: files[d] for d in drop_ins}, root)
    for unit in units:
        if not unit.startswith(UNIT_FOLDERS):
            problems.append(f"{unit}: not in a folder systemd searches for system units")
    if not units:
        return
    # systemd's own units (targets, slices) for verify; ours take precedence where they
    # collide (they live in /etc or /usr/local, searched first, or are copied over).
    shutil.copytree(SYSTEMD_UNITS, root + SYSTEMD_UNITS, symlinks=True, dirs_exist_ok=True)
    unpack({u: files[u] for u in units}, root)
    for unit in units:
        text = files[unit] or ""
        for line in text.splitlines():
            match = re.match(r"^Exec\w+=[-@:+!]*(/\S+)", line)
            if match:
                stub = root + match.group(1)
                os.makedirs(os.path.dirname(stub), exist_ok=True)
                if not os.path.exists(stub):
                    with open(stub, "w") as handle:
                        handle.write("#!/bin/sh\n")
                    os.chmod(stub, 0o755)
    env = dict(os.environ, SYSTEMD_LOG_LEVEL="warning", SYSTEMD_PAGER="", LC_ALL="C.UTF-8")
    for unit in units:
        verify = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", f"--root={root}", unit],
            capture_output=True, text=True, env=env, timeout=60)
        output = (verify.stdout + verify.stderr).strip()
        if verify.returncode != 0 or output:
            problems.append(f"systemd-analyze verify {unit}: {output or verify.returncode}")
    names = [os.path.basename(u) for u in units]
    enable = subprocess.run(
        ["systemctl", f"--root={root}", "enable", *names],
        capture_output=True, text=True, env=env, timeout=60)
    if enable.returncode != 0:
        problems.append(f"systemctl enable {' '.join(names)}: {enable.stderr.strip()}")


def leaves(table, path=()):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from leaves(value, path + (key,))
        else:
            yield path + (key,), value


# A drop-in an administrator (or nvidia-ctk) might leave in conf.d: a plugin table nodespec
# does not write, so that with 1.x's whole-table replacement too every value nodespec wrote
# stays the effective one.
DROP_IN = ('version = 2\n\n[plugins."io.containerd.internal.v1.opt"]\n'
           '  path = "/opt/nodespec-drop-in"\n')


def check_v2(path, written):
    """Loads config.toml with the real containerd, its conf.d import pointed at a folder
    under the work dir that holds DROP_IN (the written `/etc/...` pattern would read the
    host's), and checks the drop-in was read and every value nodespec wrote is effective."""
    imports = written.get("imports")
    if imports != [f"{os.path.dirname(path)[len(ROOT):]}/conf.d/*.toml"]:
        problems.append(f"config.toml imports = {imports!r}, not its conf.d folder")
    conf_d = os.path.join(os.path.dirname(path), "conf.d")
    os.makedirs(conf_d, exist_ok=True)
    with open(os.path.join(conf_d, "50-admin.toml"), "w", encoding="utf-8") as handle:
        handle.write(DROP_IN)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    rooted = path + ".rooted"
    with open(rooted, "w", encoding="utf-8") as handle:
        handle.write(re.sub(r'^imports = \[".*"\]$', f'imports = ["{conf_d}/*.toml"]', text,
                            flags=re.M))
    dump = subprocess.run(["containerd", "--config", rooted, "config", "dump"],
                          capture_output=True, text=True, timeout=60)
    if dump.returncode != 0:
        problems.append(f"containerd config dump: {dump.stderr.strip()}")
        return
    effective = tomllib.loads(dump.stdout)
    opt = effective.get("plugins", {}).get("io.containerd.internal.v1.opt", {})
    if opt.get("path") != "/opt/nodespec-drop-in":
        problems.append(f"containerd did not read the conf.d drop-in (opt path {opt!r})")
    written = {k: v for k, v in written.items() if k != "imports"}
    for key, value in leaves(written):
        current = effective
        for part in key:
            current = current.get(part) if isinstance(current, dict) else None
        if current != value:
            problems.append(
                f"config.toml {'.'.join(key)} = {value!r}, containerd reads {current!r}")


def allowed_keys(version, layout):
    data = json.load(open(KEYS, encoding="utf-8"))
    same = {tag: entry for tag, entry in data.items() if entry["layout"] == layout}
    if not same:
        return None
    if version == "-":
        sets = [{tuple(k) for k in entry["keys"]} for entry in same.values()]
        return set.intersection(*sets)
    line = version.split(".")[:2]
    tags = [t for t in same if t.lstrip("v").split(".")[:2] == line]
    if not tags:
        return None
    # The newest recorded tag of that line at or below the version, else the line's oldest.
    number = lambda t: [int(x) for x in t.lstrip("v").split(".")]
    below = [t for t in tags if number(t) <= number(version)]
    tag = max(below, key=number) if below else min(tags, key=number)
    return {tuple(k) for k in same[tag]["keys"]}


def matches(key, allowed):
    return any(len(a) == len(key) and all(x in ("*", y) for x, y in zip(a, key)) for a in allowed)


def check_config(files, root, version):
    text = files.get("/etc/containerd/config.toml")
    if text is None:
        return
    written = tomllib.loads(text)
    layout = written.get("version")
    if layout == 2:
        check_v2(root + "/etc/containerd/config.toml", written)
    if version == "-" and layout == 2:
        return
    allowed = allowed_keys(version, layout)
    if allowed is None:
        problems.append(f"config.toml version {layout}: no key set for containerd {version}")
        return
    # Only the CRI plugins' keys are recorded: another plugin's table (from `settings:`) is
    # neither known nor unknown, as for the compiler's `unknown-setting`.
    recorded = {a[1] for a in allowed if a[0] == "plugins"}
    for key, _ in leaves(written):
        if key[0] == "plugins" and key[1] not in recorded:
            continue
        # A runtime's `options` is a map containerd hands to its shim: the recorded keys are
        # runc's; another shim's (kata's ConfigPath) are that shim's own.
        # key: plugins, <cri plugin>, containerd, runtimes, <name>, options, <option>
        if len(key) == 7 and key[3] == "runtimes" and key[5] == "options":
            runtime = written["plugins"][key[1]]["containerd"]["runtimes"][key[4]]
            if runtime.get("runtime_type") != "io.containerd.runc.v2":
                continue
        if not matches(key, allowed):
            problems.append(f"config.toml {'.'.join(key)}: not a key containerd {version} reads")


ROOT = ""


def main():
    global ROOT
    cloud_config, version, work = sys.argv[1:4]
    root = os.path.join(work, "root")
    ROOT = root
    os.makedirs(root, exist_ok=True)
    files = cloud_init_files(cloud_config)
    unpack({p: c for p, c in files.items() if p.startswith("/etc/containerd/")}, root)
    check_units(files, root)
    check_config(files, root, version)
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
