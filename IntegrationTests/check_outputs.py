"""Parses a spec's cloud-config and playbook back and checks that they mean what the spec says.

    check_outputs.py SPEC CLOUD_CONFIG PLAYBOOK

- Both targets write the same managed files with the same bytes (secret files, whose content
  is read on the node, are compared by path only).
- Every TOML file parses (tomllib); nerdctl.toml and buildkitd.toml are where the mode puts
  them (rootless: the user's ~/.config); every hosts.toml lists the spec's mirrors, in order, with a
  scheme, and `fallback: false` makes the last mirror the server; config.toml has the layout of
  the pinned containerd version and the cgroup driver the spec asks for.
Exits non-zero with one line per problem.
"""

import base64
import gzip
import os
import re
import shlex
import sys
import tomllib

import jinja2
import yaml

STAGED = "/var/lib/nodespec/cloud-init/staged"


class Unsafe(str):
    """An Ansible `!unsafe` string: never templated."""


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))


def cloud_init_files(path):
    """Staged copies, and the files the apply script writes from heredocs (those under 4 KB
    are not staged); secret files, assembled on the node, are left out."""
    files = {}
    for entry in yaml.load(open(path), Loader=Loader)["write_files"]:
        content = entry["content"]
        if entry.get("encoding") == "gz+b64":
            content = gzip.decompress(base64.b64decode(content)).decode()
        # Files under /var/lib/nodespec (the image import script) are bookkeeping, left out
        # on both sides.
        if entry["path"].startswith(STAGED + "/") and not entry["path"].startswith(
            STAGED + "/var/lib/nodespec/"
        ):
            files[entry["path"][len(STAGED):]] = content
        elif entry["path"] == APPLY_SCRIPT:
            files.update({path: text for path, text in script_files(content).items()
                          if not path.startswith("/var/lib/nodespec/")})
    return files


APPLY_SCRIPT = "/var/lib/nodespec/cloud-init/apply.sh"


def script_files(script):
    """path -> bytes of every file step whose content is all heredocs and printf tails."""
    files = {}
    lines = iter(script.split("\n"))
    for line in lines:
        # a user's file names its path only where it is put
        if not (line.startswith("ns_begin_file ") or line == "ns_begin_user_file"):
            continue
        content, literal = "", True
        for line in lines:
            if line.startswith(("ns_put_file ", "ns_put_user_file ")):
                path = shlex.split(line)[1]
                break
            heredoc = re.match(r"""cat >>"\$ns_new" <<'([^']+)'$""", line)
            if heredoc:
                for body in lines:
                    if body == heredoc.group(1):
                        break
                    content += body + "\n"
            elif line.startswith("printf '%s' "):
                content += shlex.split(line)[2]
            else:
                literal = False  # a staged copy or a secret
        if literal:
            files[path] = content
    return files


def tasks(items):
    for task in items or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks(task.get(key))


def ansible_files(path):
    """dest -> content for every copy task with inline content; None for secret ones."""
    play = yaml.load(open(path), Loader=Loader)[0]
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    files = {}
    for task in tasks(play["tasks"]):
        copy = task.get("ansible.builtin.copy")
        # nodespec's own bookkeeping: stamps, and the manifest (written at the end of the play)
        if (not copy or "content" not in copy or "/var/lib/nodespec/" in copy["dest"]
                or copy["dest"] == "{{ nodespec_manifest }}"):
            continue
        content = copy["content"]
        if task.get("no_log"):
            files[copy["dest"]] = None
        elif isinstance(content, Unsafe):
            files[copy["dest"]] = str(content)
        else:
            files[copy["dest"]] = env.from_string(content).render(**task.get("vars", {}))
    return files


def containerd_layout(version):
    major, minor = (int(x) for x in version.split(".")[:2])
    return 2 if major < 2 else (3 if minor < 3 else 4)


def with_scheme(url):
    return url if re.match(r"^https?://", url) else "https://" + url


def host_folder(name):
    match = re.fullmatch(r"([^:\[\]]+):(\d+)", name)
    return f"{match[1]}_{match[2]}_" if match else name


def merge(base, overlay):
    """docs/spec.md's rule, written again independently: mappings merge key by key, scalars
    and lists replace, null removes a key."""
    if not isinstance(base, dict) or not isinstance(overlay, dict):
        return overlay
    merged = dict(base)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge(merged.get(key), value)
    return merged


def load_spec(path):
    """The spec at `path` with its `extends` bases under it."""
    spec = yaml.safe_load(open(path))
    extends = spec.pop("extends", None) or []
    merged = None
    for base in [extends] if isinstance(extends, str) else extends:
        loaded = load_spec(os.path.join(os.path.dirname(path), base))
        merged = loaded if merged is None else merge(merged, loaded)
    return spec if merged is None else merge(merged, spec)


def main(spec_path, cloud_config, playbook):
    problems = []
    spec = load_spec(spec_path)
    staged = cloud_init_files(cloud_config)
    written = ansible_files(playbook)

    if set(staged) != {p for p, c in written.items() if c is not None}:
        problems.append(f"managed files differ: cloud-init {sorted(staged)} ansible {sorted(written)}")
    for path, content in staged.items():
        if written.get(path) not in (None, content):
            problems.append(f"{path}: cloud-init and ansible write different bytes")

    # Every file's bytes: the secret ones only the playbook knows by path.
    everything = dict(staged)
    for path in written:
        everything.setdefault(path, None)
    for path, content in everything.items():
        if content is not None and path.endswith(".toml"):
            try:
                tomllib.loads(content)
            except tomllib.TOMLDecodeError as error:
                problems.append(f"{path}: not TOML: {error}")

    # Rootless mode moves the configuration under the user's ~/.config.
    if spec.get("mode") == "rootless":
        config = (spec.get("home") or f"/home/{spec['user']}").rstrip("/") + "/.config"
    else:
        config = "/etc"
    components = spec.get("components") or {}
    if "nerdctl" in components or "nerdctl-full" in components:
        nerdctl = everything.get(f"{config}/nerdctl/nerdctl.toml")
        if nerdctl is None:
            problems.append(f"no {config}/nerdctl/nerdctl.toml")
        elif tomllib.loads(nerdctl).get("hosts_dir") != [f"{config}/containerd/certs.d"]:
            problems.append(f"nerdctl.toml hosts_dir is not {config}/containerd/certs.d")
    if ("buildkit" in components or "nerdctl-full" in components) \
            and f"{config}/buildkit/buildkitd.toml" not in everything:
        problems.append(f"no {config}/buildkit/buildkitd.toml")

    for name, registry in (spec.get("registries") or {}).items():
        path = f"{config}/containerd/certs.d/{host_folder(name)}/hosts.toml"
        if path not in everything:
            problems.append(f"{name}: no {path}")
            continue
        if everything[path] is None:
            continue
        hosts = tomllib.loads(everything[path])
        mirrors = [with_scheme(m if isinstance(m, str) else m["url"]) for m in registry["mirrors"]]
        if registry.get("fallback") is False:
            expected_hosts, server = mirrors[:-1], mirrors[-1]
        else:
            expected_hosts, server = mirrors, registry.get("server")
        if list(hosts.get("host", {})) != expected_hosts:
            problems.append(f"{path}: hosts {list(hosts.get('host', {}))}, want {expected_hosts}")
        if hosts.get("server") != (with_scheme(server) if server else None):
            problems.append(f"{path}: server {hosts.get('server')!r}, want {server!r}")

    containerd = components.get("containerd")
    kubernetes = spec.get("kubernetes")
    if kubernetes is not None and containerd is not None:
        version = str(containerd["version"] if isinstance(containerd, dict) else containerd)
        config = everything.get("/etc/containerd/config.toml")
        if config is None:
            problems.append("kubernetes: no /etc/containerd/config.toml")
        else:
            parsed = tomllib.loads(config)
            if parsed.get("version") != containerd_layout(version):
                problems.append(f"config.toml version {parsed.get('version')} for containerd {version}")
            runtime = "io.containerd.grpc.v1.cri" if parsed["version"] == 2 else "io.containerd.cri.v1.runtime"
            try:
                options = parsed["plugins"][runtime]["containerd"]["runtimes"]["runc"]["options"]
            except KeyError:
                options = {}
                problems.append(f"config.toml has no runc options under {runtime}")
            want = (kubernetes.get("cgroup_driver") or "systemd") == "systemd"
            if options.get("SystemdCgroup") is not want:
                problems.append(f"config.toml SystemdCgroup {options.get('SystemdCgroup')}, want {want}")

    prefix = spec.get("prefix", "/usr/local")
    # systemd searches <prefix>/lib/systemd/system only for these two prefixes.
    units = f"{prefix}/lib/systemd/system" if prefix in ("/usr/local", "/usr") else "/etc/systemd/system"
    unit = everything.get(f"{units}/containerd.service")
    # Rootless containerd runs from the unit the setup tool writes as the user, not a system one.
    rootless = spec.get("mode") == "rootless"
    if containerd is not None and not rootless and (
            unit is None or f"ExecStart={prefix}/bin/containerd" not in unit):
        problems.append("containerd.service does not run the installed containerd")

    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
