"""Request bodies checked against Discord's OpenAPI spec with ``jsonschema``.

The spec (``openapi.json`` beside this file; source and licence in this folder's README) is
OpenAPI 3.1, whose schemas are JSON Schema 2020-12: it is loaded once into a ``referencing``
registry, so every ``$ref`` resolves inside it, and bodies are validated with
``Draft202012Validator`` and a format checker (``int32``, ``int64``, ``double``, ``snowflake``,
``date-time``, ``uri`` and the library's own formats).

Three ways Discord's API is laxer than its spec, kept as the API behaves:

* snowflake strings also accept non-negative integers (discord.py sends user ids in
  ``allowed_mentions`` as ints);
* integer fields also accept numeric strings (discord.py sends ``default_member_permissions``
  as a string);
* ``oneOf`` is checked like ``anyOf``: the spec uses it for unions discriminated by a ``type``
  field (and marks many ``anyOf`` as ``x-discord-union: oneOf``), so "exactly one" adds nothing
  but false alarms.

Errors read ``"$.data.embeds[0].title: 300 characters, more than maxLength 256"``; of a union
the branch of the right shape with the fewest errors explains the failure.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry
from referencing.jsonschema import DRAFT202012

JSON = dict[str, Any]

SPEC_PATH = Path(__file__).with_name("openapi.json")
SPEC_URI = "urn:discord-api-spec:openapi.json"
SNOWFLAKE_PATTERN = "^(0|[1-9][0-9]*)$"
_SHAPE_PENALTY = 1000
_INT_STRING = re.compile(r"-?\d+")


@functools.cache
def load_spec(path: Path = SPEC_PATH) -> JSON:
    with path.open(encoding="utf-8") as f:
        spec: JSON = json.load(f)
    return spec


def schema_ref(name: str) -> JSON:
    """A ``$ref`` to a named schema in ``components.schemas``."""
    if name not in load_spec()["components"]["schemas"]:
        raise KeyError(f"no schema {name!r} in {SPEC_PATH}")
    return {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}


@functools.cache
def _registry() -> Registry[Any]:
    resource = DRAFT202012.create_resource(load_spec())
    return Registry().with_resource(SPEC_URI, resource).crawl()


# --- the API's leniencies, as a validator class -----------------------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_snowflake_schema(s: Any) -> bool:
    return isinstance(s, dict) and (
        s.get("format") == "snowflake" or s.get("pattern") == SNOWFLAKE_PATTERN
    )


def _integer(checker: Any, v: Any) -> bool:
    base = Draft202012Validator.TYPE_CHECKER
    return bool(base.is_type(v, "integer")) or (
        isinstance(v, str) and _INT_STRING.fullmatch(v) is not None
    )


_BASE_TYPE = Draft202012Validator.VALIDATORS["type"]


def _type(validator: Any, types: Any, instance: Any, schema: JSON) -> Iterator[ValidationError]:
    wanted = types if isinstance(types, list) else [types]
    if "string" in wanted and _is_int(instance) and instance >= 0 and _is_snowflake_schema(schema):
        return
    yield from _BASE_TYPE(validator, types, instance, schema)


Validator = validators.extend(
    Draft202012Validator,
    validators={"type": _type, "oneOf": Draft202012Validator.VALIDATORS["anyOf"]},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _integer),
)

FORMATS = FormatChecker()


@FORMATS.checks("int32")
def _int32(v: Any) -> bool:
    return not _is_int(v) or -(2**31) <= v < 2**31


@FORMATS.checks("int64")
def _int64(v: Any) -> bool:
    return not _is_int(v) or -(2**63) <= v < 2**63


@FORMATS.checks("double")
def _double(v: Any) -> bool:
    return not isinstance(v, float) or math.isfinite(v)


@FORMATS.checks("snowflake")
def _snowflake(v: Any) -> bool:
    if _is_int(v):
        return bool(0 <= v < 2**64)
    return not isinstance(v, str) or re.fullmatch(SNOWFLAKE_PATTERN, v) is not None


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(v: Any) -> bool:
    if isinstance(v, str):
        parsed = datetime.fromisoformat(v)
        if parsed.tzinfo is None or "T" not in v.upper():
            raise ValueError("needs a date, a time and an offset")
    return True


@FORMATS.checks("uri")
def _uri(v: Any) -> bool:
    return not isinstance(v, str) or bool(urlsplit(v).scheme)


# Every format the library itself knows (email, uuid, ...) too, unless redefined above.
for _name, _func in Draft202012Validator.FORMAT_CHECKER.checkers.items():
    FORMATS.checkers.setdefault(_name, _func)


# --- errors, in words --------------------------------------------------------------------------


def _path(error: ValidationError) -> str:
    out = "$"
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    names = {str: "string", list: "array", dict: "object"}
    return names.get(type(v), type(v).__name__)


def _describe(error: ValidationError) -> tuple[str, str]:
    """(path, message) of one error, worded like Discord's own form errors."""
    path, kind, limit, v = _path(error), error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = next((n for n in limit if f"{n!r} is a required property" == error.message), "")
        return f"{path}.{missing}", "required field is missing"
    if kind == "type":
        wanted = limit if isinstance(limit, list) else [limit]
        return path, f"expected {' or '.join(wanted)}, got {_type_name(v)}"
    words = {
        "maxLength": ("characters, more than", len),
        "minLength": ("characters, fewer than", len),
        "maxItems": ("items, more than", len),
        "minItems": ("items, fewer than", len),
        "maxProperties": ("properties, more than", len),
        "minProperties": ("properties, fewer than", len),
    }
    if kind in words:
        text, size = words[str(kind)]
        return path, f"{size(v)} {text} {kind} {limit}"
    if kind == "minimum":
        return path, f"{v} is less than minimum {limit}"
    if kind == "maximum":
        return path, f"{v} is more than maximum {limit}"
    if kind == "enum":
        return path, f"{v!r} is not one of {limit}"
    if kind == "const":
        return path, f"{v!r} is not {limit!r}"
    return path, error.message


Errors = list[tuple[str, str]]


def _explain(errors: Iterable[ValidationError]) -> Errors:
    out: Errors = []
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            out += _explain_union(error)
        else:
            out.append(_describe(error))
    return out


def _explain_union(error: ValidationError) -> Errors:
    """The errors of the branch that best explains why no branch matched: one of the right
    shape (type and ``type`` discriminator) with the fewest errors."""
    here = _path(error)
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        by_branch.setdefault(int(sub.schema_path[0]), []).append(sub)
    best: Errors = []
    best_score: int | None = None
    for subs in by_branch.values():
        errs = _explain(subs)
        shape = any(p in (here, f"{here}.type") for p, _ in errs)
        score = len(errs) + (_SHAPE_PENALTY if shape else 0)
        if best_score is None or score < best_score:
            best, best_score = errs, score
    return best or [_describe(error)]


def validate(value: Any, schema: JSON | str) -> list[str]:
    """Errors of ``value`` against a schema (a dict, or the name of a ``components.schemas``);
    a dict refers into the spec with ``schema_ref`` (or ``$ref`` to ``SPEC_URI#/...``).

    Results are remembered by content: the bot sends the same bodies again and again (the
    command list at every login, the same pages), and the full spec's unions are slow to walk.
    """
    s = schema_ref(schema) if isinstance(schema, str) else schema
    try:
        key = json.dumps(s, sort_keys=True), json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):  # not JSON at all: let the validator say why
        return _validate(value, s)
    return list(_validate_json(*key))


@functools.lru_cache(maxsize=4096)
def _validate_json(schema: str, value: str) -> tuple[str, ...]:
    return tuple(_validate(json.loads(value), json.loads(schema)))


def _validate(value: Any, schema: JSON) -> list[str]:
    checker = Validator(schema, registry=_registry(), format_checker=FORMATS)
    found = sorted(checker.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{p}: {m}" for p, m in _explain(found)]
