#!/usr/bin/python3
# Validate NDJSON records against a JSON Schema: validate.py SCHEMA FILE...
# Prints FILE:LINE: error for each invalid record; exits 1 if any.
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = count = 0
for path in sys.argv[2:]:
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            count += 1
            for e in validator.iter_errors(json.loads(line)):
                bad += 1
                print(f"{path}:{n}: {e.message} at {list(e.absolute_path)}")
print(f"schema: {count} records checked against {sys.argv[1]}, {bad} errors")
sys.exit(1 if bad or not count else 0)
