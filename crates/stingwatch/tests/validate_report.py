"""Validate JSON documents against a JSON Schema (draft 2020-12); used by report_schema.rs
here (the cellular report) and by crates/phone/findings/tests/report_schema.rs (the phone report).

usage: python3 validate_report.py SCHEMA FILE...

Checks the schema itself first, then each file; prints one line per error as
`FILE: /path/in/document: message` and exits 1 when any document is invalid.
"""

import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in argv[1:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for e in validator.iter_errors(doc):
            bad += 1
            where = "/" + "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: {where}: {e.message}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
