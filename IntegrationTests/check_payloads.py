"""Checks that hostile strings a spec carries reach every target as data, intact.

    check_payloads.py SPEC SHELL_SCRIPT CLOUD_CONFIG PLAYBOOK

Every string of the spec's `downloads`, `components` and `registries` (keys too) that holds a character
some target treats as syntax ($ ` ' " \\ { } ; & | % # !) is a payload; `{env: NAME}` stands
for the environment's NAME. The files each target writes are rebuilt from its text the way
its engine would (shell: the heredocs, printf arguments and secret-file steps between
`ns_begin_file` and `ns_put_file`; cloud-init: the same, from its apply script and staged
files; Ansible: each copy task's Jinja rendered with its vars, a node secret file standing
in as `<secret:PATH>`), every TOML file is parsed (tomllib), and then:
- the three targets' TOML files mean the same (equal after parsing);
- each payload is, exactly, a key or a string value of a parsed TOML file, the path of a
  secret file each target reads, or the start of a download URL (a shell word of an
  `ns_artifact` step; a parsed string of the playbook);
- in the playbook, every parsed string that holds a payload and `{{`/`{%`/`{#` is `!unsafe`.
Exits non-zero with one line per problem.
"""

import base64
import gzip
import json
import os
import re
import shlex
import sys
import tomllib

import jinja2
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_outputs  # noqa: E402  (same folder: the !unsafe loader, task walking)

SYNTAX = set("$`'\"\\{};&|%#!")


def toml_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")


def payloads(node, out):
    if isinstance(node, dict):
        if set(node) == {"env"}:
            out.append(os.environ.get(node["env"], ""))
            return
        for key, value in node.items():
            if isinstance(key, str) and SYNTAX & set(key):
                out.append(key)
            payloads(value, out)
    elif isinstance(node, list):
        for item in node:
            payloads(item, out)
    elif isinstance(node, str) and SYNTAX & set(node):
        out.append(node)


def strings(node, out):
    if isinstance(node, dict):
        for key, value in node.items():
            strings(key, out)
            strings(value, out)
    elif isinstance(node, list):
        for item in node:
            strings(item, out)
    elif isinstance(node, str):
        out.append(node)


# A user's file (rootless mode) names its path only where it is put.
STEP = re.compile(r"^ns_begin_(?:user_)?file(?: (.*))?$")
PUT = ("ns_put_file ", "ns_put_user_file ")


def script_files(script, staged=None):
    """path -> content for every file step of a nodespec shell script."""
    files, secrets = {}, set()
    lines = script.split("\n")
    i = 0
    while i < len(lines):
        match = STEP.match(lines[i])
        i += 1
        if not match:
            continue
        content = ""
        while i < len(lines) and not lines[i].startswith(PUT):
            line = lines[i]
            i += 1
            if line.startswith("cat >>\"$ns_new\" <<'"):
                delimiter = line.split("<<'", 1)[1].rstrip("'")
                while lines[i] != delimiter:
                    content += lines[i] + "\n"
                    i += 1
                i += 1
            elif line.startswith("printf '%s' "):
                content += shlex.split(line)[2]
            elif line.startswith("ns_append_secret "):
                secret = shlex.split(line)[1]
                secrets.add(secret)
                content += toml_escape(f"<secret:{secret}>")
            elif line.startswith("cat -- ") and staged is not None:
                content += staged[shlex.split(line)[2]]
            else:
                raise ValueError(f"unexpected line in a file step: {line!r}")
        path = shlex.split(match.group(1) or lines[i].split(" ", 1)[1])[0]
        files[path] = content
    return files, secrets


def artifact_words(script):
    """The shell words of every ns_artifact step (download URLs, names, paths)."""
    words = []
    for command in re.findall(r"^ns_artifact .*?(?<!\\)$", script, re.M | re.S):
        words += shlex.split(command.replace("\\\n", " "))
    return words


def ansible_files(playbook):
    play = yaml.load(open(playbook), Loader=check_outputs.Loader)[0]
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["b64decode"] = lambda s: base64.b64decode(s).decode()
    env.filters["to_json"] = lambda v, **kw: json.dumps(v, **kw)
    files, secrets, slurped = {}, set(), {}
    for task in check_outputs.tasks(play["tasks"]):
        if "ansible.builtin.slurp" in task:
            src = str(task["ansible.builtin.slurp"]["src"])
            secrets.add(src)
            slurped[task["register"]] = {
                "content": base64.b64encode(f"<secret:{src}>".encode()).decode()}
        copy = task.get("ansible.builtin.copy")
        if not copy or "content" not in copy or "/var/lib/nodespec/" in copy["dest"]:
            continue
        if isinstance(copy["content"], check_outputs.Unsafe):
            files[str(copy["dest"])] = str(copy["content"])
            continue
        variables = dict(slurped)
        for name, value in (task.get("vars") or {}).items():
            if isinstance(value, str) and not isinstance(value, check_outputs.Unsafe):
                value = env.from_string(value).render(**variables)
            variables[name] = value
        files[str(copy["dest"])] = env.from_string(copy["content"]).render(**variables)
    return files, secrets


def parsed_toml(files):
    return {path: tomllib.loads(text) for path, text in files.items() if path.endswith(".toml")}


def main(spec_path, script_path, cloud_config, playbook):
    spec = yaml.safe_load(open(spec_path))
    wanted = []
    payloads({k: spec.get(k) for k in ("downloads", "components", "registries")}, wanted)
    problems = []
    if not wanted:
        problems.append("the spec holds no payload: not a payload case")

    shell_files, shell_secrets = script_files(open(script_path).read())
    doc = yaml.load(open(cloud_config), Loader=check_outputs.Loader)
    # An output over cloud-init's size limit carries its biggest files compressed.
    staged = {
        str(f["path"]): gzip.decompress(base64.b64decode(str(f["content"]))).decode()
        if f.get("encoding") == "gz+b64" else str(f["content"])
        for f in doc["write_files"]}
    apply = next(v for k, v in staged.items() if k.endswith("/apply.sh"))
    ci_files, ci_secrets = script_files(apply, staged)
    pb_files, pb_secrets = ansible_files(playbook)

    play_strings = []
    strings(yaml.load(open(playbook), Loader=check_outputs.Loader), play_strings)
    targets = {
        "shell": (parsed_toml(shell_files), shell_secrets,
                  artifact_words(open(script_path).read())),
        "cloud-init": (parsed_toml(ci_files), ci_secrets, artifact_words(apply)),
        "ansible": (parsed_toml(pb_files), pb_secrets, play_strings),
    }
    base = targets["shell"][0]
    for name, (tomls, secrets, others) in targets.items():
        if tomls != base:
            problems.append(f"{name}: its TOML files differ from the shell target's")
        found = []
        strings(tomls, found)
        for text in wanted:
            # A download mirror or URL is a prefix of the artifact's URL.
            if text not in found and text not in secrets and not any(
                    w.startswith(text) for w in others):
                problems.append(f"{name}: {text!r} is in no TOML key or value, secret path "
                                "or download URL")
    for s in play_strings:
        jinja = "{{" in s or "{%" in s or "{#" in s
        if jinja and any(w in s for w in wanted) and not isinstance(s, check_outputs.Unsafe):
            problems.append(f"ansible: {s!r} holds a payload and Jinja but is not !unsafe")

    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
