"""A small JSON Schema validator for the configuration: enough of draft-07 for
``config.schema.json`` (the file that SchemaStore and editors read), so that the schema
and leaklint's own validation are one and the same, without a runtime dependency.

``errors(instance, schema)`` returns ``(path, message)`` pairs, ``path`` being the keys
and list indexes leading to the bad value. Keywords it does not implement are refused
when the schema is loaded, so the schema cannot silently say more than is checked.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

CONFIG_SCHEMA = Path(__file__).with_name("config.schema.json")

# keywords that only annotate
_ANNOTATIONS = {"$schema", "$id", "title", "description", "default", "examples",
                "markdownDescription", "definitions"}
_CHECKED = {"type", "properties", "additionalProperties", "required", "items", "minItems",
            "enum", "minimum", "maximum", "exclusiveMinimum", "minLength", "pattern", "$ref"}
_TYPE_NAMES = {"object": "a table", "array": "a list", "string": "a string",
               "integer": "a whole number", "number": "a number", "boolean": "true or false"}


class SchemaError(ValueError):
    """The schema itself uses something this validator does not implement."""


def _type_of(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number" if math.isfinite(value) else "non-finite number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__  # TOML dates and times


def _is(value, name: str) -> bool:
    actual = _type_of(value)
    return actual == name or (name == "number" and actual == "integer")


def _check_keywords(schema, where: str = "#") -> None:
    if isinstance(schema, bool):
        return
    unknown = set(schema) - _ANNOTATIONS - _CHECKED
    if unknown:
        raise SchemaError(f"{where}: unsupported keyword(s) {', '.join(sorted(unknown))}")
    for key in ("properties", "definitions"):
        for name, sub in schema.get(key, {}).items():
            _check_keywords(sub, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _check_keywords(schema[key], f"{where}/{key}")


@lru_cache(maxsize=None)
def load(path: Path = CONFIG_SCHEMA) -> dict:
    schema = json.loads(path.read_text(encoding="utf-8"))
    _check_keywords(schema)
    return schema


def errors(instance, schema: dict, root: dict | None = None, path: tuple = ()) -> list:
    """Every ``(path, message)`` by which ``instance`` fails ``schema``."""
    root = schema if root is None else root
    if schema is True or schema == {}:
        return []
    if schema is False:
        return [(path, "is not allowed here")]
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/definitions/"):
            raise SchemaError(f"only local references are supported: {ref}")
        return errors(instance, root["definitions"][ref.rsplit("/", 1)[1]], root, path)
    if "type" in schema:
        wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(instance, t) for t in wanted):
            names = " or ".join(_TYPE_NAMES.get(t, t) for t in wanted)
            return [(path, f"expected {names}, got {_TYPE_NAMES.get(_type_of(instance), _type_of(instance))}")]
    if "enum" in schema and instance not in schema["enum"]:
        return [(path, f"must be one of {', '.join(map(str, schema['enum']))}, got {instance!r}")]
    out = []
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            out.append((path, f"must be at least {schema['minimum']}"))
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            out.append((path, f"must be more than {schema['exclusiveMinimum']}"))
        if "maximum" in schema and instance > schema["maximum"]:
            out.append((path, f"must be at most {schema['maximum']}"))
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            out.append((path, "must not be empty" if schema["minLength"] == 1
                        else f"must have at least {schema['minLength']} characters"))
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            out.append((path, f"{instance!r} does not match {schema['pattern']}"))
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            out.append((path, f"needs at least {schema['minItems']} item(s)"))
        if "items" in schema:
            for i, item in enumerate(instance):
                out += errors(item, schema["items"], root, path + (i,))
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in instance:
                out.append((path, f"missing key '{key}'"))
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in props:
                out += errors(value, props[key], root, path + (key,))
            elif extra is False:
                known = ", ".join(sorted(props))
                out.append((path + (key,), f"unknown key (known: {known})"))
            else:
                out += errors(value, extra, root, path + (key,))
    return out


def dotted(path: tuple) -> str:
    """``("rules", 0, "lifecycle")`` -> ``rules[0].lifecycle``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else json.dumps(part)
            text += ("." if text else "") + key
    return text
