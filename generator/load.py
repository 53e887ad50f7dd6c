# SPDX-License-Identifier: GPL-2.0
"""Load a YAML spec into plain Python data, remembering where each node was.

Every value keeps its position, so that later stages (schema, model, checks)
can report ``file:line:col`` for the exact node they object to.
"""

import yaml

from .errors import SpecError


class Located:
    """Positions of the nodes of one loaded document, keyed by path.

    A path is a tuple of mapping keys and sequence indexes from the root, as
    jsonschema reports it.  ``value(path)`` is where the value starts;
    ``key(path)`` is where the key naming it starts (for mapping entries).
    """

    def __init__(self, path):
        self.path = path
        self._value = {}
        self._key = {}

    def value(self, path):
        path = tuple(path)
        while path not in self._value and path:
            path = path[:-1]
        return self._value.get(path, (1, 1))

    def key(self, path):
        path = tuple(path)
        if path in self._key:
            return self._key[path]
        return self.value(path)

    def error(self, path, message, at_key=False):
        line, col = self.key(path) if at_key else self.value(path)
        return SpecError(self.path, line, col, message)


def _pos(mark):
    return (mark.line + 1, mark.column + 1)


def _build(node, path, loc, active=()):
    if id(node) in active:
        raise SpecError(loc.path, *_pos(node.start_mark),
                        "recursive YAML alias: a node contains itself")
    active = active + (id(node),)
    loc._value[path] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(loc.path, *_pos(key_node.start_mark),
                                "mapping keys must be plain names")
            key = key_node.value
            if key in out:
                raise SpecError(loc.path, *_pos(key_node.start_mark),
                                f"duplicate key '{key}'; each key may appear "
                                "once in a mapping")
            loc._key[path + (key,)] = _pos(key_node.start_mark)
            out[key] = _build(value_node, path + (key,), loc, active)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), loc, active)
                for i, item in enumerate(node.value)]
    # Scalars: PyYAML's safe resolver has already decided int/bool/null/str.
    return _SCALAR_LOADER.construct_object(node, deep=True)


_SCALAR_LOADER = yaml.SafeLoader("")
# libyaml's parser when PyYAML was built with it (Debian's is): same nodes
# and marks, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path, text=None):
    """Return ``(data, located)`` for the spec at ``path``.

    Raises SpecError for unreadable files, YAML syntax errors, duplicate
    keys and empty documents.
    """
    if text is None:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise SpecError(path, 1, 1, f"cannot read spec: {e.strerror}")
        except UnicodeDecodeError:
            raise SpecError(path, 1, 1, "spec is not valid UTF-8")
    loc = Located(path)
    try:
        try:
            node = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:
            # The pure-Python parser words syntax errors better; the
            # slower second parse only happens on a broken file.
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        raise SpecError(path, line, col,
                        f"YAML syntax: {e.problem or e.context}")
    except yaml.YAMLError as e:
        raise SpecError(path, 1, 1, f"YAML: {e}")
    if node is None:
        raise SpecError(path, 1, 1, "spec is empty; see the specs in specs/ "
                        "for the expected layout")
    try:
        data = _build(node, (), loc)
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark
        raise SpecError(path, *(_pos(mark) if mark else (1, 1)),
                        f"YAML value: {e.problem}")
    return data, loc
