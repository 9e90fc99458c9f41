"""A small validator for the JSON-schema subset used by Discord's OpenAPI spec.

Supported keywords: type, properties, required, additionalProperties, maxProperties, maxLength,
minLength, pattern, maxItems, minItems, uniqueItems, items, minimum, maximum, enum, const, oneOf,
anyOf, allOf and $ref. ``format`` is ignored except that snowflake strings also accept integers
and integer fields accept numeric strings, as Discord's API does (discord.py sends user ids in
``allowed_mentions`` as ints and ``default_member_permissions`` as a string).

``oneOf`` is checked like ``anyOf``: the spec uses it for unions discriminated by a ``type``
field (and marks many ``anyOf`` as ``x-discord-union: oneOf``), so "exactly one" adds nothing
but false alarms.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

JSON = dict[str, Any]

SPEC_PATH = Path(__file__).parents[3] / "shared" / "discord-api-spec" / "openapi.json"
SNOWFLAKE_PATTERN = "^(0|[1-9][0-9]*)$"
_SHAPE_PENALTY = 1000


@functools.cache
def load_spec(path: Path = SPEC_PATH) -> JSON:
    with path.open(encoding="utf-8") as f:
        spec: JSON = json.load(f)
    return spec


def schema_ref(name: str) -> JSON:
    """A ``$ref`` to a named schema in ``components.schemas``."""
    if name not in load_spec()["components"]["schemas"]:
        raise KeyError(f"no schema {name!r} in {SPEC_PATH}")
    return {"$ref": f"#/components/schemas/{name}"}


def _resolve(ref: str) -> JSON:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = load_spec()
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, dict):
        raise ValueError(f"$ref {ref!r} does not point at a schema")
    return node


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object" if isinstance(v, dict) else type(v).__name__


def _is_snowflake_schema(s: JSON) -> bool:
    return s.get("format") == "snowflake" or s.get("pattern") == SNOWFLAKE_PATTERN


def _is_int_string(v: Any) -> bool:
    return isinstance(v, str) and re.fullmatch(r"-?\d+", v) is not None


def _matches_type(v: Any, t: str, s: JSON) -> bool:
    name = _type_name(v)
    if t == "integer":
        return (
            name == "integer" or (name == "number" and float(v).is_integer()) or _is_int_string(v)
        )
    if t == "number":
        return name in ("integer", "number")
    if t == "string" and name == "integer" and _is_snowflake_schema(s):
        return bool(v >= 0)
    return name == t


def _same(a: Any, b: Any) -> bool:
    """JSON equality: True is not 1."""
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


def _numeric(v: Any) -> float | int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return v
    return int(v) if isinstance(v, str) and _is_int_string(v) else None


Errors = list[tuple[str, str]]


def _check(v: Any, s: JSON, path: str) -> Errors:
    errors: Errors = []
    if "$ref" in s:
        errors += _check(v, _resolve(s["$ref"]), path)
    types = s.get("type")
    if types is not None:
        type_list = types if isinstance(types, list) else [types]
        if not any(_matches_type(v, t, s) for t in type_list):
            return [*errors, (path, f"expected {' or '.join(type_list)}, got {_type_name(v)}")]
    if "const" in s and not _same(v, s["const"]):
        errors.append((path, f"{v!r} is not {s['const']!r}"))
    if "enum" in s and not any(_same(v, e) for e in s["enum"]):
        errors.append((path, f"{v!r} is not one of {s['enum']}"))
    if isinstance(v, str):
        n = len(v)
        if "maxLength" in s and n > s["maxLength"]:
            errors.append((path, f"{n} characters, more than maxLength {s['maxLength']}"))
        if "minLength" in s and n < s["minLength"]:
            errors.append((path, f"{n} characters, fewer than minLength {s['minLength']}"))
        if "pattern" in s and re.search(s["pattern"], v) is None:
            errors.append((path, f"{v!r} does not match {s['pattern']}"))
    num = _numeric(v)
    if isinstance(v, str) and "integer" not in (types or []):
        num = None
    if num is not None:
        if "minimum" in s and num < s["minimum"]:
            errors.append((path, f"{num} is less than minimum {s['minimum']}"))
        if "maximum" in s and num > s["maximum"]:
            errors.append((path, f"{num} is more than maximum {s['maximum']}"))
    if isinstance(v, list):
        errors += _check_array(v, s, path)
    if isinstance(v, dict):
        errors += _check_object(v, s, path)
    for sub in s.get("allOf", []):
        errors += _check(v, sub, path)
    for key in ("anyOf", "oneOf"):
        if key in s:
            errors += _check_union(v, s[key], path)
    return errors


def _check_array(v: list[Any], s: JSON, path: str) -> Errors:
    errors: Errors = []
    if "maxItems" in s and len(v) > s["maxItems"]:
        errors.append((path, f"{len(v)} items, more than maxItems {s['maxItems']}"))
    if "minItems" in s and len(v) < s["minItems"]:
        errors.append((path, f"{len(v)} items, fewer than minItems {s['minItems']}"))
    if s.get("uniqueItems"):
        seen = [json.dumps(x, sort_keys=True) for x in v]
        if len(set(seen)) != len(seen):
            errors.append((path, "items are not unique"))
    items = s.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(v):
            errors += _check(item, items, f"{path}[{i}]")
    return errors


def _check_object(v: JSON, s: JSON, path: str) -> Errors:
    errors: Errors = []
    for name in s.get("required", []):
        if name not in v:
            errors.append((f"{path}.{name}", "required field is missing"))
    props: JSON = s.get("properties", {})
    extra = s.get("additionalProperties")
    if "maxProperties" in s and len(v) > s["maxProperties"]:
        errors.append((path, f"{len(v)} properties, more than maxProperties {s['maxProperties']}"))
    for key, value in v.items():
        if key in props:
            errors += _check(value, props[key], f"{path}.{key}")
        elif extra is False:
            errors.append((f"{path}.{key}", "unexpected field"))
        elif isinstance(extra, dict):
            errors += _check(value, extra, f"{path}.{key}")
    return errors


def _check_union(v: Any, branches: list[JSON], path: str) -> Errors:
    best: Errors | None = None
    best_score = 0
    for branch in branches:
        errs = _check(v, branch, path)
        if not errs:
            return []
        # A branch whose own type or ``type`` discriminator does not match is a worse
        # explanation than a branch of the right shape with a few bad fields.
        shape = any(p in (path, f"{path}.type") for p, _ in errs)
        score = len(errs) + (_SHAPE_PENALTY if shape else 0)
        if best is None or score < best_score:
            best, best_score = errs, score
    return best or []


def validate(value: Any, schema: JSON | str) -> list[str]:
    """Errors of ``value`` against a schema (a dict, or the name of a ``components.schemas``)."""
    s = schema_ref(schema) if isinstance(schema, str) else schema
    return [f"{p}: {m}" for p, m in _check(value, s, "$")]
