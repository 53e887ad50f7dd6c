# SPDX-License-Identifier: GPL-2.0
"""Load a YAML spec into plain Python data, remembering where each node was.

Every value keeps its position, so that later stages (schema, model, checks)
can report ``file:line:col`` for the exact node they object to.

The document is built from PyYAML's event stream, not from its node graph:
nothing recurses (a deeply nested document is refused at the node that is
too deep), an alias is located where it is used, what aliases expand to is
counted (an "alias bomb" is refused at the alias that crosses the limit),
and no parser object or node outlives the call.
"""

import re

import yaml

from .errors import SpecError

# -- limits --------------------------------------------------------------------

MAX_BYTES = 1 << 20          # a spec file
MAX_DEPTH = 32               # nested mappings and lists
MAX_VALUES = 50_000          # values in the document, aliases expanded
MAX_STRING = 16_384          # characters in one string
MAX_INT_CHARS = 40           # characters of an integer literal

# Characters refused anywhere in a spec, even in comments: C0/C1 controls
# (tab, newline and the CR of a CRLF excepted), DEL, format characters such
# as the bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069) and
# zero-width ones, YAML's extra line breaks (U+0085, U+2028, U+2029, which
# would shift every later line number), non-characters (U+FFFE, U+FFFF, ...)
# and a byte-order mark anywhere but at the start.
_BAD_RAW = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd"
    "\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]|\r(?!\n)")
# The same in a value (after YAML escapes such as "\e" or "\u202e"), where
# a tab is allowed and a newline is left to the checks that know whether
# the value may span lines.
_BAD_VALUE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd"
    "\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
# C trigraphs: gcc warns about each (-Wtrigraphs), an error under
# CONFIG_WERROR, and with -trigraphs "??/" is a backslash.
TRIGRAPH = re.compile(r"\?\?[=/'()!<>-]")


def char_name(ch):
    import unicodedata
    names = {"\n": "newline", "\r": "carriage return", "\t": "tab",
             "\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}
    name = names.get(ch) or unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


class Located:
    """Positions of the nodes of one loaded document, keyed by path.

    A path is a tuple of mapping keys and sequence indexes from the root, as
    jsonschema reports it.  ``value(path)`` is where the value starts;
    ``key(path)`` is where the key naming it starts (for mapping entries).
    A path inside an alias has no entry of its own: it is reported at the
    alias.
    """

    def __init__(self, path, text=""):
        self.path = path
        self.text = text
        self._value = {}
        self._key = {}
        self._span = {}           # path -> (start index, end index) of scalars

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

    def at_char(self, path, value, index):
        """Position of ``value[index]`` in the file, where the scalar at
        ``path`` spells it literally (a plain or quoted one-line scalar);
        otherwise where the scalar starts."""
        path = tuple(path)
        span = self._span.get(path)
        if span is None:
            return self.value(path)
        start, end = span
        src = self.text[start:end]
        for skip in (0, 1):           # plain, or after the opening quote
            if src[skip:skip + len(value)] == value:
                return position(self.text, start + skip + index)
        if src[:1] == "|":
            # A literal block: line k of the value is line k + 1 of the
            # source, indented by the block's indentation.
            vlines = value.split("\n")
            k = value.count("\n", 0, index)
            col_in = index - (value.rfind("\n", 0, index) + 1)
            slines = src.split("\n")
            if k + 1 < len(slines) and vlines[0]:
                lead = len(slines[1]) - len(slines[1].lstrip(" "))
                lead -= len(vlines[0]) - len(vlines[0].lstrip(" "))
                line, _ = position(self.text, start)
                return line + 1 + k, lead + col_in + 1
        # Otherwise find the same few characters in the source.
        frag = value[index:index + 3]
        at = src.find(frag) if frag and "\n" not in frag else -1
        if at >= 0 and src.find(frag, at + 1) < 0:
            return position(self.text, start + at)
        return self.value(path)

    def error_at_char(self, path, value, index, message):
        line, col = self.at_char(path, value, index)
        return SpecError(self.path, line, col, message)


def position(text, index):
    """1-based (line, column) of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _pos(mark):
    return (mark.line + 1, mark.column + 1)


def _decode(path, raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        start = e.start
        line = raw.count(b"\n", 0, start) + 1
        bol = raw.rfind(b"\n", 0, start) + 1
        col = len(raw[bol:start].decode("utf-8", "replace")) + 1
        raise SpecError(path, line, col, "spec is not valid UTF-8 (byte "
                        f"0x{raw[start]:02x}); save it as UTF-8")


def _scan(path, text):
    m = _BAD_RAW.search(text)
    if m and m.group() == "\ufeff" and m.start() == 0:
        m = _BAD_RAW.search(text, 1)
    if m:
        line, col = position(text, m.start())
        raise SpecError(path, line, col, f"character {char_name(m.group())} "
                        "is not allowed in a spec (control, format and "
                        "line-separator characters are refused); delete it")


_RESOLVER = yaml.SafeLoader("")       # only its resolve() and constructors
_CONSTRUCT = yaml.SafeLoader.yaml_constructors
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_MAP_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQ_TAGS = (None, "!", "tag:yaml.org,2002:seq")


def _scalar(loc, ev, path):
    tag = ev.tag
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(yaml.ScalarNode, ev.value, ev.implicit)
    if tag == _STR:
        return ev.value
    if tag == _INT and len(ev.value) > MAX_INT_CHARS:
        raise SpecError(loc.path, *_pos(ev.start_mark), "integer of "
                        f"{len(ev.value)} characters; the limit is "
                        f"{MAX_INT_CHARS} (put it in quotes if it is text)")
    ctor = _CONSTRUCT.get(tag)
    if ctor is None or tag == "tag:yaml.org,2002:binary":
        raise SpecError(loc.path, *_pos(ev.start_mark), "YAML value: could "
                        f"not determine a constructor for the tag '{tag}'")
    node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark,
                           ev.style)
    try:
        return ctor(_RESOLVER, node)
    except (ValueError, OverflowError, ArithmeticError,
            yaml.YAMLError) as e:
        what = getattr(e, "problem", None) or str(e) or type(e).__name__
        raise SpecError(loc.path, *_pos(ev.start_mark),
                        f"YAML value: cannot read '{ev.value}': {what}")


def _compose(loc, events):
    """Build plain data from parser events, iteratively."""
    anchors = {}          # name -> (value, expanded size) once complete
    open_anchors = set()  # anchors of collections still being built
    # Frames: [container, path, anchor, key pending (mappings), start
    # event, values inside once expanded]
    stack = []
    root = None
    count = 0
    docs = 0

    def add(value, path_of, ev, size=1, key_ok=True):
        nonlocal root, count
        count += size
        for frame in stack:
            frame[5] += size
        if count > MAX_VALUES:
            raise SpecError(loc.path, *_pos(ev.start_mark), "the spec "
                            f"expands to more than {MAX_VALUES} values "
                            "(aliases repeat what they name); refusing")
        if not stack:
            root = value
            return
        top = stack[-1]
        cont = top[0]
        if isinstance(cont, list):
            cont.append(value)
            return
        if top[3] is _NO_KEY:
            if not key_ok or not isinstance(value, str):
                raise SpecError(loc.path, *_pos(ev.start_mark),
                                "mapping keys must be plain names")
            if value in cont:
                raise SpecError(loc.path, *_pos(ev.start_mark),
                                f"duplicate key '{value}'; each key may "
                                "appear once in a mapping")
            top[3] = value
            loc._key[top[1] + (value,)] = _pos(ev.start_mark)
            return
        cont[top[3]] = value
        top[3] = _NO_KEY

    def child_path():
        if not stack:
            return ()
        top = stack[-1]
        if isinstance(top[0], list):
            return top[1] + (len(top[0]),)
        if top[3] is _NO_KEY:
            return None             # a key
        return top[1] + (top[3],)

    for ev in events:
        if isinstance(ev, yaml.DocumentStartEvent):
            docs += 1
            if docs > 1:
                raise SpecError(loc.path, *_pos(ev.start_mark), "YAML "
                                "syntax: but found another document (a spec "
                                "is one YAML document)")
            continue
        if isinstance(ev, (yaml.StreamStartEvent, yaml.StreamEndEvent,
                           yaml.DocumentEndEvent)):
            continue
        if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            cont, path, anchor, _, start_ev, size = stack.pop()
            if anchor is not None:
                open_anchors.discard(anchor)
                anchors[anchor] = (cont, size + 1)
            add(cont, path, start_ev, size=1, key_ok=False)
            continue
        path = child_path()
        is_key = path is None
        if isinstance(ev, yaml.AliasEvent):
            if ev.anchor in open_anchors:
                raise SpecError(loc.path, *_pos(ev.start_mark),
                                "recursive YAML alias: a node contains "
                                "itself")
            if ev.anchor not in anchors:
                raise SpecError(loc.path, *_pos(ev.start_mark), "YAML "
                                f"syntax: found undefined alias '{ev.anchor}'")
            value, size = anchors[ev.anchor]
            if not is_key:
                loc._value[path] = _pos(ev.start_mark)
            add(value, path, ev, size=size, key_ok=False)
            continue
        if is_key:
            if not isinstance(ev, yaml.ScalarEvent):
                raise SpecError(loc.path, *_pos(ev.start_mark),
                                "mapping keys must be plain names")
            key = ev.value
            if len(key) > MAX_STRING:
                raise SpecError(loc.path, *_pos(ev.start_mark), "a key of "
                                f"{len(key)} characters; the limit is "
                                f"{MAX_STRING}")
            add(key, None, ev)
            continue
        loc._value[path] = _pos(ev.start_mark)
        if isinstance(ev, yaml.ScalarEvent):
            if len(ev.value) > MAX_STRING:
                raise SpecError(loc.path, *_pos(ev.start_mark), "a value "
                                f"of {len(ev.value)} characters; the limit "
                                f"is {MAX_STRING}")
            value = _scalar(loc, ev, path)
            if isinstance(value, str):
                loc._span[path] = (ev.start_mark.index, ev.end_mark.index)
            if ev.anchor is not None:
                anchors[ev.anchor] = (value, 1)
            add(value, path, ev)
            continue
        # A collection starts.
        if len(stack) >= MAX_DEPTH:
            raise SpecError(loc.path, *_pos(ev.start_mark), "lists and "
                            f"mappings nested more than {MAX_DEPTH} deep; "
                            "a spec needs far fewer levels")
        if isinstance(ev, yaml.MappingStartEvent):
            if ev.tag not in _MAP_TAGS:
                raise SpecError(loc.path, *_pos(ev.start_mark),
                                "YAML value: could not "
                                "determine a constructor for the tag "
                                f"'{ev.tag}'")
            cont = {}
        else:
            if ev.tag not in _SEQ_TAGS:
                raise SpecError(loc.path, *_pos(ev.start_mark),
                                "YAML value: could not "
                                "determine a constructor for the tag "
                                f"'{ev.tag}'")
            cont = []
        if ev.anchor is not None:
            open_anchors.add(ev.anchor)
        stack.append([cont, path, ev.anchor, _NO_KEY, ev, 0])
    return root, docs


_NO_KEY = object()
# libyaml's parser when PyYAML was built with it (Debian's is): same events
# and marks, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# The pure-Python parser is slow on large or deeply nested text; it only
# rewords syntax errors in files up to this size.
REPARSE_MAX = 256 << 10


def _compose_text(path, text):
    """(data, located) built from libyaml's events, consumed as they come
    (so a limit is reported before anything after it is parsed).  On a
    syntax error, the pure-Python parser's wording, which is better (it
    only parses: it does not recurse however deep the document is)."""
    loc = Located(path, text)
    try:
        return _compose(loc, yaml.parse(text, Loader=_LOADER))[0], loc
    except yaml.YAMLError:
        if _LOADER is yaml.SafeLoader or len(text) > REPARSE_MAX:
            raise
    loc = Located(path, text)
    return _compose(loc, yaml.parse(text, Loader=yaml.SafeLoader))[0], loc


def _check_values(loc, data):
    """No control, bidi or other invisible character in any value (they
    can arrive through escapes such as "\\e" or "\\u202e"), no trigraph."""
    todo = [((), data)]
    seen = set()
    while todo:
        path, v = todo.pop()
        if isinstance(v, dict):
            if id(v) in seen:         # an alias: checked where it is defined
                continue
            seen.add(id(v))
            for k, x in v.items():
                _check_string(loc, path + (k,), k, key=True)
                todo.append((path + (k,), x))
        elif isinstance(v, list):
            if id(v) in seen:
                continue
            seen.add(id(v))
            todo.extend((path + (i,), x) for i, x in enumerate(v))
        elif isinstance(v, str):
            _check_string(loc, path, v)


def _check_string(loc, path, s, key=False):
    m = _BAD_VALUE.search(s)
    if m:
        where = "key" if key else "value"
        pos = loc.key(path) if key else loc.at_char(path, s, m.start())
        raise SpecError(loc.path, *pos, f"character {char_name(m.group())} "
                        f"in a {where}; control, format (bidi) and "
                        "line-separator characters are not allowed in a "
                        "spec")
    m = TRIGRAPH.search(s)
    if m:
        pos = loc.key(path) if key else loc.at_char(path, s, m.start())
        raise SpecError(loc.path, *pos, f"trigraph '{m.group()}': C "
                        "compilers read it as one character (gcc warns); "
                        "write the question marks apart, e.g. '? ?'")


def load(path, text=None):
    """Return ``(data, located)`` for the spec at ``path``.

    Raises SpecError for unreadable files, YAML syntax errors, duplicate
    keys, empty documents, refused characters and exceeded limits.
    """
    if text is None:
        try:
            with open(path, "rb") as f:
                raw = f.read(MAX_BYTES + 1)
        except OSError as e:
            raise SpecError(path, 1, 1, f"cannot read spec: {e.strerror}")
        if len(raw) > MAX_BYTES:
            raise SpecError(path, 1, 1, f"spec is larger than {MAX_BYTES} "
                            "bytes; refusing to read it")
        text = _decode(path, raw)
    _scan(path, text)
    try:
        data, loc = _compose_text(path, text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        raise SpecError(path, line, col,
                        f"YAML syntax: {e.problem or e.context}")
    except yaml.YAMLError as e:
        raise SpecError(path, 1, 1, f"YAML: {e}")
    if data is None:
        raise SpecError(path, 1, 1, "spec is empty; see the specs in specs/ "
                        "for the expected layout")
    _check_values(loc, data)
    return data, loc
