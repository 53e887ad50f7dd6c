# SPDX-License-Identifier: GPL-2.0
"""Structural validation of a loaded spec against spec.schema.json."""

import difflib
import json
import os

import jsonschema

SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "spec.schema.json")

_TYPE_WORDS = {
    "object": "a mapping", "array": "a list", "string": "a string",
    "integer": "an integer", "boolean": "true or false",
}


_CACHE = []


def _schema():
    if not _CACHE:
        with open(SCHEMA_PATH, encoding="utf-8") as f:
            _CACHE.append(json.load(f))
    return _CACHE[0]


def string_kinds(data):
    """(path, kind, value) for every string in ``data``, in document order.

    ``kind`` is the name of the schema definition the string was validated
    against ("ident", "line", "text", "code", "ctype"), or "" for strings
    the schema describes inline.
    """
    schema = _schema()
    todo = [((), data, schema, "")]
    while todo:
        path, value, node, kind = todo.pop()
        while isinstance(node, dict) and "$ref" in node:
            kind = node["$ref"].split("/")[-1]
            node = schema["definitions"][kind]
        if isinstance(node, dict) and "anyOf" in node:
            # holds: one name or a list; release: code or a mapping of it.
            todo.append((path, value, _branch(schema, node["anyOf"], value),
                         kind))
            continue
        if not isinstance(node, dict):
            node = {}
        if isinstance(value, str):
            yield path, kind, value
        elif isinstance(value, dict):
            props = node.get("properties", {})
            extra = node.get("additionalProperties", {})
            items = [(path + (k,), v, props.get(k, extra), "")
                     for k, v in value.items()]
            todo.extend(reversed(items))
        elif isinstance(value, list):
            items = [(path + (i,), v, node.get("items", {}), "")
                     for i, v in enumerate(value)]
            todo.extend(reversed(items))


_PY_TYPES = {"string": str, "array": list, "object": dict}


def _branch(schema, alternatives, value):
    """The alternative of an anyOf whose type fits ``value``."""
    for alt in alternatives:
        node = alt
        while isinstance(node, dict) and "$ref" in node:
            node = schema["definitions"][node["$ref"].split("/")[-1]]
        want = _PY_TYPES.get(node.get("type"))
        if want is not None and isinstance(value, want):
            return alt
    return {}


def _where(path):
    return "/".join(str(p) for p in path) or "the top level"


def _subschema(schema, path):
    """The (resolved) schema node that describes ``path``."""
    root = schema
    node = schema
    for part in path:
        while "$ref" in node:
            node = root["definitions"][node["$ref"].split("/")[-1]]
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            props = node.get("properties", {})
            node = props.get(part, node.get("additionalProperties", {}))
            if node is True or node is False:
                node = {}
    while "$ref" in node:
        node = root["definitions"][node["$ref"].split("/")[-1]]
    return node


def _to_spec_error(err, loc, schema):
    path = list(err.absolute_path)
    v = err.validator
    if v == "additionalProperties":
        allowed = sorted(_subschema(schema, path).get("properties", {}))
        extra = [k for k in err.instance if k not in allowed]
        key = extra[0] if extra else "?"
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            hint = f"; did you mean '{close[0]}'?"
        else:
            hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return loc.error(path + [key], f"unknown key '{key}' in "
                         f"{_where(path)}{hint}", at_key=True)
    if v == "required":
        missing = err.message.split("'")[1]
        return loc.error(path, f"{_where(path)} lacks required key "
                         f"'{missing}'")
    if v == "type":
        types = err.validator_value
        if not isinstance(types, list):
            types = [types]
        parent = err.parent
        if parent is not None and parent.validator == "anyOf":
            # 'holds': a name or a list of names; say both.
            types = []
            for e in parent.context:
                if e.validator == "type" and \
                        list(e.absolute_path) == path:
                    vv = e.validator_value
                    types += vv if isinstance(vv, list) else [vv]
        want = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        if "string" in types and isinstance(err.instance, (bool, int, float)):
            want += (f" (YAML read {str(err.instance).lower()} as a "
                     f"{type(err.instance).__name__}; put it in quotes)")
        return loc.error(path, f"{_where(path)} must be {want}")
    if v == "enum":
        choices = ", ".join(str(c) for c in err.validator_value)
        return loc.error(path, f"{_where(path)} must be one of: {choices}")
    if v == "minLength":
        return loc.error(path, f"{_where(path)} must not be empty")
    if v in ("minItems", "minProperties"):
        return loc.error(path, f"{_where(path)} needs at least "
                         f"{err.validator_value} entry")
    if v == "pattern":
        return loc.error(path, f"{_where(path)} '{err.instance}' does not "
                         f"match {err.validator_value}")
    return loc.error(path, f"{_where(path)}: {err.message}")


def validate(data, loc):
    """Raise SpecError for the first structural problem, in file order."""
    schema = _schema()
    validator = jsonschema.Draft7Validator(schema)
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    # Report the error nearest the top of the file, deepest first on ties,
    # so the user fixes mistakes in reading order.
    def order(err):
        path = list(err.absolute_path)
        if err.validator == "required":
            # A missing key is often a misspelt one: report the misspelling.
            line, col = loc.value(path)
            return (1 << 30, line, col)
        if err.validator == "additionalProperties" and \
                isinstance(err.instance, dict):
            allowed = _subschema(schema, path).get("properties", {})
            extra = [k for k in err.instance if k not in allowed]
            if extra:
                line, col = loc.key(path + [extra[0]])
                return (line, col, -len(path) - 1)
        line, col = loc.value(path)
        return (line, col, -len(path))
    errors = [e for e in _leaves(errors)]
    raise _to_spec_error(min(errors, key=order), loc, schema)


def _leaves(errors):
    for err in errors:
        if err.context:
            ctx = err.context
            if err.validator == "anyOf":
                # 'holds: []': the list branch's complaint, not "must be a
                # string" from the branch whose type does not fit at all.
                fits = [e for e in ctx if not (
                    e.validator == "type" and
                    list(e.absolute_path) == list(err.absolute_path))]
                ctx = fits or ctx
            yield from _leaves(ctx)
        else:
            yield err
