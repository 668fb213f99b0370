#!/usr/bin/env python3
"""Reads a nodespec playbook back with PyYAML and checks what it means.

Usage: check_playbook.py PLAYBOOK [--secret PATH]... [--secret-source PATH]...
                         [--content PATH TEXT]... [--unsafe TEXT]...

  --secret PATH        the copy task writing PATH runs with no_log: true
  --secret-source PATH the slurp task reading PATH runs with no_log: true
  --content PATH TEXT  the copy task writing PATH has exactly TEXT as content
  --unsafe TEXT        every string holding TEXT is tagged !unsafe

Prints one line per problem and exits 1 when there is any.
"""
import sys

import yaml


class Unsafe(str):
    """A scalar tagged !unsafe: Ansible never templates it."""


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))

KEYWORDS = {
    "name", "block", "always", "rescue", "when", "register", "notify", "vars", "loop",
    "loop_control", "become", "become_user", "become_method", "become_flags", "environment",
    "changed_when", "failed_when",
    "no_log", "listen", "until", "retries", "delay",
}


def tasks_in(entries, inherited_no_log=False):
    """Every task, blocks included, with the no_log it runs with."""
    for task in entries or []:
        no_log = task.get("no_log", inherited_no_log)
        yield task, no_log
        for key in ("block", "always", "rescue"):
            yield from tasks_in(task.get(key), no_log)


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def main(argv):
    path, args = argv[1], argv[2:]
    secrets, sources, contents, unsafe = set(), set(), {}, []
    while args:
        flag = args.pop(0)
        if flag == "--secret":
            secrets.add(args.pop(0))
        elif flag == "--secret-source":
            sources.add(args.pop(0))
        elif flag == "--content":
            dest = args.pop(0)
            contents[dest] = args.pop(0)
        elif flag == "--unsafe":
            unsafe.append(args.pop(0))
        else:
            raise SystemExit(f"unknown flag {flag}")

    with open(path, encoding="utf-8") as handle:
        plays = yaml.load(handle, Loader=Loader)
    problems = []
    if not isinstance(plays, list) or len(plays) != 1:
        raise SystemExit("expected exactly one play")
    play = plays[0]
    for key, expected in (("hosts", "all"), ("become", True), ("gather_facts", True)):
        if play.get(key) != expected:
            problems.append(f"play: {key} is {play.get(key)!r}, expected {expected!r}")
    if not play.get("name"):
        problems.append("play: no name")

    handlers = list(tasks_in(play.get("handlers")))
    topics = set()
    for handler, _ in handlers:
        topics.add(handler.get("name"))
        if "listen" in handler:
            topics.add(handler["listen"])

    written, read = {}, {}
    for task, no_log in list(tasks_in(play.get("tasks"))) + handlers:
        name = task.get("name")
        if not name:
            problems.append(f"task without a name: {task!r}")
        modules = [key for key in task if key not in KEYWORDS]
        if "block" in task:
            if modules:
                problems.append(f"{name}: block with module keys {modules}")
            continue
        if len(modules) != 1:
            problems.append(f"{name}: expected one module, found {modules}")
            continue
        module = modules[0]
        if not module.startswith("ansible.builtin."):
            problems.append(f"{name}: module {module} is not ansible.builtin (FQCN)")
        for topic in task.get("notify", []):
            if topic not in topics:
                problems.append(f"{name}: notifies {topic!r}, which no handler listens to")
        args = task[module] if isinstance(task[module], dict) else {}
        if module == "ansible.builtin.slurp" and "src" in args:
            read[args["src"]] = no_log
        if module == "ansible.builtin.copy" and "dest" in args:
            written[args["dest"]] = (task, args, no_log)

    for dest in secrets:
        if dest not in written:
            problems.append(f"no copy task writes secret {dest}")
        elif written[dest][2] is not True:
            problems.append(f"{dest}: secret written without no_log")
    for source in sources:
        if source not in read:
            problems.append(f"no slurp task reads secret {source}")
        elif read[source] is not True:
            problems.append(f"{source}: secret read without no_log")
    for dest, text in contents.items():
        if dest not in written:
            problems.append(f"no copy task writes {dest}")
            continue
        content = written[dest][1].get("content")
        if content != text:
            problems.append(f"{dest}: content {content!r}, expected {text!r}")
        if any(marker in text for marker in ("{{", "{%", "{#")) and not isinstance(content, Unsafe):
            problems.append(f"{dest}: Jinja-looking content not tagged !unsafe")

    every_string = list(strings_in(plays))
    for text in unsafe:
        for string in every_string:
            if text in string and not isinstance(string, Unsafe):
                problems.append(f"{string!r} holds {text!r} but is not tagged !unsafe")

    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
