"""Independent checks of CarePKI's OpenAPI document, run by tests/openapi.rs.

    python3 openapi_check.py DOCUMENT.json EXCHANGES.json

1. The document is a valid OpenAPI 3.1 document (openapi-spec-validator), and the
   validator refuses a copy with `info` removed (so a pass means something).
2. Each exchange (a real request and response of the service) is documented: its
   path and method, its status (or `default`) and its content type; a JSON body
   validates against the documented schema (jsonschema, Draft 2020-12, formats
   checked). Object schemas are validated closed (`additionalProperties: false`
   wherever the document leaves it open), so a member served but not documented
   fails as surely as one documented but not served.

An exchange is {"method", "template" (the documented path, or null for a path
that is not documented: its body must then be a Problem), "uri", "status",
"content_type", "body" (parsed JSON; a text body as a JSON string; null for a
binary body)}.

Prints one line per failure and exits 1 if there is any, else prints a summary.
"""

import copy
import json
import sys

from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:carepki:openapi"


def closed(schema):
    """A copy in which every object schema with properties allows no others."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


def absolute_refs(schema):
    """A copy whose local `$ref`s point into the document resource."""
    if isinstance(schema, dict):
        out = {k: absolute_refs(v) for k, v in schema.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            out["$ref"] = BASE + ref
        return out
    if isinstance(schema, list):
        return [absolute_refs(v) for v in schema]
    return schema


def resolve(doc, obj):
    """Follows a local `$ref` (components/responses and the like)."""
    while isinstance(obj, dict) and "$ref" in obj:
        node = doc
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj


def main():
    doc_path, exchanges_path = sys.argv[1], sys.argv[2]
    with open(doc_path, encoding="utf-8") as f:
        doc = json.load(f)
    with open(exchanges_path, encoding="utf-8") as f:
        exchanges = json.load(f)
    failures = []

    validate(doc, cls=OpenAPIV31SpecValidator)
    broken = copy.deepcopy(doc)
    del broken["info"]
    try:
        validate(broken, cls=OpenAPIV31SpecValidator)
        failures.append("the validator accepted a document without `info`")
    except Exception:  # noqa: BLE001 - any refusal will do
        pass

    strict = closed(doc)
    registry = Registry().with_resource(
        BASE, Resource(contents=strict, specification=DRAFT202012)
    )
    problem_schema = {"$ref": BASE + "#/components/schemas/Problem"}
    checked = 0
    for ex in exchanges:
        where = f"{ex['method']} {ex['uri']} -> {ex['status']}"
        media = ex["content_type"].split(";")[0].strip().lower()
        if ex["template"] is None:
            schema = problem_schema
            if media != "application/problem+json":
                failures.append(f"{where}: undocumented path answered {media!r}")
                continue
        else:
            op = doc["paths"].get(ex["template"], {}).get(ex["method"].lower())
            if op is None:
                failures.append(f"{where}: {ex['method']} {ex['template']} is not documented")
                continue
            responses = op["responses"]
            response = responses.get(str(ex["status"]), responses.get("default"))
            if response is None:
                failures.append(f"{where}: status {ex['status']} is not documented")
                continue
            response = resolve(doc, response)
            content = response.get("content")
            if not content:
                if ex["body"] is not None:
                    failures.append(f"{where}: documented without a body, but has one")
                checked += 1
                continue
            if media not in content:
                failures.append(
                    f"{where}: content type {media!r} is not documented ({sorted(content)})"
                )
                continue
            raw = content[media].get("schema")
            if raw is None:
                checked += 1
                continue
            schema = absolute_refs(closed(raw))
        if media.endswith("json") and ex["body"] is None:
            failures.append(f"{where}: a JSON content type without a JSON body")
            continue
        # Text bodies (PEM) arrive as JSON strings; binary ones (DER) as null.
        if ex["body"] is not None:
            validator = Draft202012Validator(
                schema,
                registry=registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            for error in validator.iter_errors(ex["body"]):
                path = "/".join(str(p) for p in error.absolute_path)
                failures.append(f"{where}: at /{path}: {error.message}")
        checked += 1

    for failure in failures:
        print(failure)
    if failures:
        sys.exit(1)
    print(f"openapi: document valid (OpenAPI 3.1); {checked} exchanges match it")


if __name__ == "__main__":
    main()
