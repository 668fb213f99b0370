"""Checks `nodespec schema` with PyPI's jsonschema: the schema is valid draft 2020-12, every
spec named after --valid is valid under it, every one after --invalid is not.

Usage: check_schema.py SCHEMA.json --valid SPEC... --invalid SPEC...
Prints `ok`/`FAIL` per spec, then `N passed, M failed`; exits 1 when any failed.

Specs are read as YAML 1.2's core schema reads them (what yaml-language-server does):
`yes`/`on` are strings, only true/false are booleans, and no timestamps.
"""

import json
import re
import sys

import jsonschema
import yaml


class CoreLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core booleans and no timestamps."""


CoreLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def main(argv):
    schema = json.load(open(argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    passed = failed = 0
    expect = None
    for arg in argv[2:]:
        if arg in ("--valid", "--invalid"):
            expect = arg == "--valid"
            continue
        with open(arg, encoding="utf-8") as f:
            document = yaml.load(f, Loader=CoreLoader)
        errors = list(validator.iter_errors(document))
        if (not errors) == expect:
            passed += 1
            print(f"ok    {arg} is {'valid' if expect else 'invalid'}")
        else:
            failed += 1
            why = "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:3])
            print(f"FAIL  {arg} should be {'valid' if expect else 'invalid'}{': ' + why if why else ''}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
