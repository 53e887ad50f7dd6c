# SPDX-License-Identifier: GPL-2.0
"""Semantic checks over a built model.

Each check raises SpecError pointing at the node to fix.  The order is the
order a user would fix things in: names first, then shapes of the callables,
then the state graph and its resources, then generated-name collisions.
"""

import difflib
import os
import re

from . import cases as compile_cases
from . import cgrammar, flow
from .model import (C_KEYWORDS, CTYPE_RE, GENERATOR_NAMES, IDENT_RE,
                    INCLUDE_RE, MAX_CTYPE, MAX_IDENT, MAX_STATE_NAME,
                    Callable, Node, ctype_problem, display_cols)
from .schema import string_kinds

# Compile cases per spec: they grow with the square of the states.
MAX_CASES = 2000
ERRNO_RE = re.compile(r"E[A-Z0-9_]{1,30}")


# Spec keys whose text goes into C comments.
PROSE_KEYS = frozenset({"summary", "doc", "vouch", "when", "why", "context",
                        "message"})


def check(spec):
    _prose(spec, spec.data, ())
    _strings(spec)
    _body_fields(spec)
    _kernel_clashes(spec)
    _names(spec)
    _assigned_types(spec)
    _callables(spec)
    _resources(spec)
    _reachable(spec)
    _leaks(spec)
    flow.check(spec)
    _collisions(spec)
    if spec.kunit is not None:
        _kunit(spec)
    _cases(spec)


def _kunit_values(k):
    for key in ("args", "expect"):
        for name, v in k.get(key, {}).items():
            yield (key, name), v
    for c, args in k.get("ctor_args", {}).items():
        for name, v in args.items():
            yield ("ctor_args", c, name), v
    for i, f in enumerate(k.get("failures", [])):
        for name, v in f.get("args", {}).items():
            yield ("failures", i, "args", name), v


def _kunit(spec):
    from .kunit import Plan
    k = spec.kunit
    for key in ("includes", "local_includes"):
        for i, inc in enumerate(k.get(key, [])):
            _include(Node(spec, ("kunit", key, i)), inc, f"kunit.{key}",
                     kernel=key == "includes")
    seen = set()
    for i, sym in enumerate(k.get("config", [])):
        if sym not in kernel_kconfig() or "\n" in sym:
            close = difflib.get_close_matches(sym, sorted(kernel_kconfig()),
                                              n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise spec.loc.error(("kunit", "config", i), f"'{sym}' is not a "
                                 "Kconfig symbol of Linux 6.12 "
                                 f"(generator/kernel_kconfig.txt){hint}")
        if sym in seen:
            raise spec.loc.error(("kunit", "config", i), f"'{sym}' is listed "
                                 "twice in kunit.config")
        seen.add(sym)
    for path, value in _kunit_values(k):
        if isinstance(value, int) and not -2**63 <= value < 2**64:
            raise spec.loc.error(("kunit",) + path, f"{value} does not fit "
                                 "in 64 bits; a C compiler would refuse it")
    for i, f in enumerate(k.get("failures", [])):
        problem = _errno_problem(f["errno"])
        if problem:
            raise spec.loc.error(("kunit", "failures", i, "errno"), problem)
    spec.plan = Plan(spec)
    for op in spec.operations:
        if (op.kind == "iterator" or op.returns) and \
                op.name not in spec.kunit.get("expect", {}):
            raise spec.loc.error(("kunit",), f"no kunit.expect for "
                                 f"operation '{op.name}': say what its "
                                 "result (r) or loop count (n) must be",
                                 at_key=True)


def _prose(spec, node, path):
    """Text that lands in a C comment must not end or open one."""
    todo = [(path, node)]
    while todo:
        path, node = todo.pop(0)
        if isinstance(node, dict):
            for key, value in node.items():
                if key in PROSE_KEYS and isinstance(value, str):
                    for bad in ("*/", "/*"):
                        if bad in value:
                            raise spec.loc.error_at_char(
                                path + (key,), value, value.index(bad),
                                f"'{bad}' in {key} would end or open the C "
                                "comment it is copied into; reword it")
                    m = _REPEATED_WORD.search(value)
                    if m:
                        raise spec.loc.error_at_char(
                            path + (key,), value, m.start(2), f"'{m.group(1)}"
                            f"' twice in a row in {key} (checkpatch: "
                            "REPEATED_WORD); reword it")
                    m = _PROSE_BACKSLASH.search(value)
                    if m:
                        raise spec.loc.error_at_char(
                            path + (key,), value, m.start(), f"a backslash "
                            f"before a space or line end in {key}: at the "
                            "end of a comment line it would join the next "
                            "line to it; reword it")
                todo.append((path + (key,), value))
        elif isinstance(node, list):
            todo.extend((path + (i,), v) for i, v in enumerate(node))


_PROSE_BACKSLASH = re.compile(r"\\(\s|\Z)")
# checkpatch's word: an optional capital, then two or more small letters;
# prose is re-wrapped, so two words on two lines also end up side by side.
_REPEATED_WORD = re.compile(r"(?<!\S)([A-Z]?[a-z]{2,})\s+((?i:\1))"
                            r"(?=[\s.,;?!]|\Z)")


# -- strings by where they go ---------------------------------------------------

# Schema kinds whose text is copied into one line of C or of a comment.
_ONE_LINE = ("line",)
# One-line C expressions: the statement they go into must survive them.
_EXPR_KEYS = ("expr",)


# C's basic source characters, less those handled above.
_C_CHARS = re.compile(r"[A-Za-z0-9_!%&*+,\-./:;<=>?\[\]^{|}~()\\\r]")


def _c_problem(text, one_line=False, statement_ok=True):
    """(index, problem) for the first thing in a C snippet that would break
    the code it is pasted into, or None.  A light lexer: strings, character
    constants and comments are skipped; brackets must balance; no
    preprocessor line, no backslash-newline."""
    m = re.search(r"\\(\r?\n|\Z)", text)
    if m:
        return m.start(), ("a backslash at the end of a line joins it to the "
                           "next (a line continuation); write the code "
                           "without it")
    # Placeholders become C; outside them '$' is not C.
    text = re.sub(r"\$\{(body|raw)\}", lambda m: "p" * len(m.group()), text)
    stack = []
    i = 0
    n = len(text)
    bol = True
    while i < n:
        ch = text[i]
        if ch == "\n":
            bol = True
            i += 1
            continue
        if ch in " \t":
            i += 1
            continue
        if bol and ch == "#":
            return i, ("a preprocessor line ('#...') in C code from a spec "
                       "would change the header around it; use a helper "
                       "in a header instead")
        bol = False
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return i, "a '/*' comment that is not closed"
            inner = text.find("/*", i + 2, end)
            if inner >= 0:
                return inner, "'/*' inside a comment (gcc warns: -Wcomment)"
            i = end + 2
            continue
        if text.startswith("//", i):
            if one_line:
                return i, ("a '//' comment in a one-line C expression would "
                           "swallow the code after it")
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch:
                if text[j] == "\n":
                    break
                j += 2 if text[j] == "\\" else 1
            if j >= n or text[j] != ch:
                what = "string" if ch == '"' else "character constant"
                return i, f"a {what} that is not closed on its line"
            i = j + 1
            continue
        if ch in "([{":
            stack.append((ch, i))
        elif ch in ")]}":
            want = {")": "(", "]": "[", "}": "{"}[ch]
            if not stack or stack[-1][0] != want:
                return i, (f"'{ch}' closes a bracket the snippet did not "
                           "open; C from a spec must have balanced "
                           "brackets")
            stack.pop()
        elif ch == ";" and not statement_ok and not stack:
            return i, ("';' in a C expression; an expression must not end "
                       "the statement it is put in")
        elif not _C_CHARS.fullmatch(ch):
            return i, (f"'{ch}' is not a character of C code (outside "
                       "strings and comments)")
        i += 1
    if stack:
        ch, at = stack[-1]
        return at, (f"'{ch}' is not closed; C from a spec must have "
                    "balanced brackets")
    return None


# The whole expand: one loop header or one call, parentheses balanced
# (checked before) and the first one closing at the end.
_EXPAND_RE = re.compile(r"(for|while) \((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)"
                        r"|[a-z_][a-z0-9_]*\((?:[^()]|\((?:[^()]|\([^()]*\))*"
                        r"\))*\)")

_TOKEN = re.compile(r"""
    (?P<ws>[ \t]+) | (?P<nl>\r?\n) |
    (?P<comment>/\*.*?\*/|//[^\n]*) |
    (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*') |
    (?P<word>[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*) |
    (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|
           [-+*/%&|^!~<>=?:,;.()\[\]{}])
""", re.X | re.S)
_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=",
           ">>="}
# Words after which '-' or '+' is unary.
_UNARY_AFTER = frozenset({"return", "case", "sizeof", "else", "do"})
_BINARY = {"==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "/", "%", "|",
           "^", "?"} | _ASSIGN


def _c_style(text):
    """(index, problem) for what checkpatch --strict says about the most
    common layouts of C, or None.  Not checkpatch: its usual complaints
    (SPACING, OPEN_BRACE, PARENTHESIS_ALIGNMENT, BRACKET_SPACE)."""
    text = re.sub(r"\$\{(body|raw)\}", lambda m: "p" * len(m.group()), text)
    toks = [(m.lastgroup, m.group(), m.start())
            for m in _TOKEN.finditer(text)]
    # Only the tokens that matter for spacing: words, operators, strings.
    parens = []                    # columns of open '(' still open
    line_start = 0
    for i, (kind, tok, at) in enumerate(toks):
        before = toks[i - 1] if i else ("nl", "", 0)
        after = toks[i + 1] if i + 1 < len(toks) else ("nl", "", len(text))
        if kind == "nl":
            line_start = at + len(tok)
            continue
        if kind in ("ws", "comment"):
            continue
        first = before[0] == "nl" or before[0] == "ws" and (
            i < 2 or toks[i - 2][0] == "nl")
        if first:
            col = display_cols(text[line_start:at])
            if tok == "{":
                return at, ("'{' at the start of a line; put it at the end "
                            "of the line before (checkpatch: OPEN_BRACE)")
            if parens and tok != ")":
                want = parens[-1]
                if col != want:
                    return at, ("a continuation line inside '(' must start "
                                "under the character after it, column "
                                f"{want + 1} (checkpatch: "
                                "PARENTHESIS_ALIGNMENT)")
        if tok == "(":
            parens.append(display_cols(text[line_start:at]) + 1)
            if before[0] == "word" and before[1] in ("if", "for", "while",
                                                      "switch"):
                return at, (f"'{before[1]}(' needs a space before '(' "
                            "(checkpatch: SPACING)")
            if after[0] == "ws":
                return at, ("space after '(' (checkpatch: SPACING)")
        elif tok == ")":
            if parens:
                parens.pop()
            if before[0] == "ws" and i >= 2 and toks[i - 2][0] != "nl":
                return before[2], ("space before ')' (checkpatch: SPACING)")
        elif tok == "[":
            prev = next((t for t in reversed(toks[:i])
                         if t[0] not in ("ws", "comment", "nl")), None)
            if prev is None or prev[0] not in ("word", "str") and \
                    prev[1] not in (")", "]", "{", ","):
                return at, ("'[' must follow what it indexes, or open a "
                            "designator after '{' or ','")
            if before[0] == "ws" and prev[1] not in ("{", ","):
                return before[2], ("space before '[' (checkpatch: "
                                   "BRACKET_SPACE)")
        elif tok in (",", ";"):
            if before[0] == "ws" and i >= 2 and toks[i - 2][0] != "nl" \
                    and not (tok == ";" and toks[i - 2][1] in ("(", ";")):
                return before[2], (f"space before '{tok}' (checkpatch: "
                                   "SPACING)")
            if after[0] not in ("ws", "nl") and after[1] != ")" and \
                    not (tok == ";" and after[1] == ";"):
                return at, (f"no space after '{tok}' (checkpatch: "
                            "SPACING)")
        elif tok in ("-", "+", "!", "~"):
            prev = next((t for t in reversed(toks[:i])
                         if t[0] not in ("ws", "comment", "nl")), None)
            binary = tok in "-+" and prev is not None and (
                prev[0] == "str" or prev[1] in (")", "]") or
                prev[0] == "word" and prev[1] not in _UNARY_AFTER)
            if binary:
                if before[0] != "ws" or after[0] not in ("ws", "nl"):
                    return at, (f"spaces needed on both sides of '{tok}' "
                                "(checkpatch: SPACING)")
            else:
                if after[0] in ("ws", "nl"):
                    return at, (f"space after the unary '{tok}' "
                                "(checkpatch: SPACING)")
                if before[0] not in ("ws", "nl", "op") and i > 0:
                    return at, (f"space needed before the unary '{tok}' "
                                "(checkpatch: SPACING)")
        elif tok in ("->", "."):
            if before[0] == "ws" and i >= 2 and toks[i - 2][0] != "nl" or \
                    after[0] in ("ws", "nl"):
                return at, (f"space around '{tok}' (checkpatch: SPACING)")
        elif tok in _BINARY:
            if before[0] != "ws" or after[0] not in ("ws", "nl"):
                return at, (f"spaces needed on both sides of '{tok}' "
                            "(checkpatch: SPACING)")
    return None


def _strings(spec):
    """Each string is fit for where it goes: one-line text stays on one
    line, C snippets cannot break out of the code around them."""
    loc = spec.loc
    for path, kind, value in string_kinds(spec.data):
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        if path[0] == "dimensions" and path[-2:-1] == ("release",):
            key = f"release of '{key}'"
        if not value.strip():
            raise loc.error(path, f"{key} is blank: white space only "
                            "(kernel-doc: 'not described', 'bad line')")
        if kind in _ONE_LINE and ("\n" in value or "\r" in value):
            at = value.find("\n") if "\n" in value else value.find("\r")
            raise loc.error_at_char(path, value, at, f"{key} must be one "
                                    "line: it is copied into one line of "
                                    "the generated code or comment")
        if kind == "line" and "\t" in value and key not in ("expr",
                                                           "expand"):
            raise loc.error_at_char(path, value, value.index("\t"),
                                    f"a tab in {key}; write a space")
        kunit_expr = path[:2] in (("kunit", "args"), ("kunit", "expect")) \
            or path[:2] == ("kunit", "ctor_args") and len(path) == 4 \
            or path[:2] == ("kunit", "failures") and len(path) == 5 \
            and path[3] == "args"
        if kind == "code" or key in ("expr", "expand") or kunit_expr:
            if "\n" in value and (key in ("expr", "expand")
                                 or kunit_expr):
                raise loc.error_at_char(path, value, value.index("\n"),
                                        f"{key} must be one line of C")
            bad = _c_problem(value, one_line=kind != "code",
                             statement_ok=kind == "code" or key == "expand")
            if not bad and key == "expand" and not _EXPAND_RE.fullmatch(
                    value.strip()):
                bad = (0, "an iterator expands to a loop header, 'for "
                       "(...)' or 'while (...)', or to a call of an "
                       "iterator macro, 'name(...)' (checkpatch: "
                       "COMPLEX_MACRO)")
            if not bad and isinstance(value, str):
                bad = _c_style(value)
            if not bad and path[:2] != ("kunit", "fixture"):
                bad = cgrammar.problem(value, "statements" if kind == "code"
                                       else "expand" if key == "expand"
                                       else "expr", _returns(path, spec))
            if bad:
                raise loc.error_at_char(path, value, bad[0],
                                        f"{key}: {bad[1]}")


def _returns(path, spec=None):
    """What a 'return' in the C at ``path`` must give: constructors and
    transitions return a handle, KUnit's init an int, an operation with
    'returns' its value; other operations, releases and KUnit's exit
    return nothing."""
    if path[0] in ("constructors", "transitions") or \
            path[:2] == ("kunit", "init"):
        return "value"
    if spec is not None and path[0] == "operations" and \
            isinstance(path[1], int) and \
            spec.data["operations"][path[1]].get("returns") is not None:
        return "value"
    if path[0] in ("operations", "dimensions") or \
            path[:2] == ("kunit", "exit"):
        return "void"
    return None


def _states_at(spec, path):
    """The states whose storage the C at ``path`` sees as ${body}."""
    if len(path) > 1 and isinstance(path[1], int):
        if path[0] == "constructors":
            return [spec.constructors[path[1]].target]
        if path[0] == "operations":
            return spec.operations[path[1]].states
        if path[0] == "transitions":
            t = next(t for t in spec.transitions + spec.composites
                     if t.path[:2] == path[:2])
            return [s for step in t.steps for s in (step.src, step.dst)]
        if path[0] == "dimensions" and path[2:3] == ("values",):
            value = spec.dimensions[path[1]].values[path[3]]
            return [s for s in spec.states if value in s.values]
    return spec.states


# A comment in C from a spec, blanked out (same length) before its
# ${body}->field uses are checked.
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def _body_fields(spec):
    """``${body}->x``: x must be a field of the storage of every state
    the snippet runs in (raw.expr: of every state)."""
    ext = spec.extended
    for path, kind, value in string_kinds(spec.data):
        if "${body}" not in value:
            continue
        states = _states_at(spec, path)
        fields = set.intersection(*({f.name for f in st.fields}
                                    for st in states))
        code = _COMMENT.sub(lambda m: " " * len(m.group()), value)
        for m in re.finditer(r"\$\{body\}\s*->\s*([A-Za-z_]\w*)", code):
            name = m.group(1)
            if name in fields:
                continue
            if ext and name in {f.name for f in ext.fields}:
                raise spec.loc.error_at_char(
                    path, value, m.start(1), f"'{name}' is a field of "
                    f"{ext.ctype}, which only states "
                    + ", ".join(s.name for s in ext.states) + " have, but "
                    "this code also runs in state "
                    + ", ".join(s.name for s in states if not s.extended)
                    + f"; use the fields of {spec.storage_type} here, or "
                    "widen storage.extended.where")
            raise spec.loc.error_at_char(
                path, value, m.start(1), f"'{name}' is not a field "
                f"of {spec.storage_type}; its fields are "
                + ", ".join(sorted(fields)))


def _assigned_types(spec):
    """``${body}->field = name;`` and ``name = ${body}->field;`` between a
    field and a parameter or local of the same call: their types must be
    the same, or kbuild refuses the assignment (incompatible pointer
    types) or silently converts it."""
    fields = {f.name: f.type for f in spec.all_fields}
    pattern = re.compile(r"\$\{body\}->(\w+) = (\w+);|(\w+) = "
                         r"\$\{body\}->(\w+);")
    for c in spec.constructors + spec.transitions + spec.operations:
        names = {p.name: p.type for p in c.params + c.locals}
        for key in ("call", "then", "undo"):
            code = getattr(c, key)
            if code is None:
                continue
            for m in pattern.finditer(code.text):
                field, name = (m.group(1), m.group(2)) if m.group(1) else \
                    (m.group(4), m.group(3))
                if field in fields and name not in names and \
                        IDENT_RE.fullmatch(name) and \
                        name not in ("true", "false"):
                    raise spec.loc.error_at_char(
                        c.path + (key,), code.text, m.start(2) if
                        m.group(1) else m.start(3),
                        f"{key}: '{name}' is not a parameter or local of "
                        f"'{c.name}'; declared: " + (", ".join(names)
                                                     or "none"))
                if field not in fields or name not in names:
                    continue
                want = fields[field].replace("const ", "")
                if names[name].replace("const ", "") != want:
                    raise spec.loc.error_at_char(
                        c.path + (key,), code.text, m.start(),
                        f"{key}: assigns '{name}' ({names[name]}) and field "
                        f"'{field}' ({fields[field]}) to each other; give "
                        "them the same type")


# -- names and types ---------------------------------------------------------

def _ident(node, name, key="name", what="name"):
    if not IDENT_RE.fullmatch(name):
        raise node.error(f"{what} '{name}' is not a valid C identifier for "
                         "generated code; use lower-case letters, digits and "
                         "'_', starting with a letter", key)
    if name in C_KEYWORDS:
        raise node.error(f"{what} '{name}' is a reserved C keyword; choose "
                         "another", key)
    if "__" in name or name.endswith("_"):
        raise node.error(f"{what} '{name}' has '__' or ends in '_'; the "
                         "generator joins names with '_' and '__', so a "
                         "name may only use single '_' between words", key)
    if len(name) > MAX_IDENT:
        raise node.error(f"{what} '{name}' is {len(name)} characters long; "
                         f"the limit is {MAX_IDENT} (generated names and "
                         "file names are built from it)", key)


def _ctype(node, ctype, key="type"):
    if not CTYPE_RE.fullmatch(ctype):
        raise node.error(f"'{ctype}' is not a C type the generator accepts; "
                         "write e.g. 'struct foo *', 'unsigned long' or "
                         "'enum bar'", key)
    if len(ctype) > MAX_CTYPE:
        raise node.error(f"C type '{ctype}' is {len(ctype)} characters "
                         f"long; the limit is {MAX_CTYPE}", key)
    words = ctype.replace("*", " ").split()
    for w in words:
        if w in C_KEYWORDS and w not in _TYPE_WORDS:
            raise node.error(f"'{ctype}' uses the C keyword '{w}' as a "
                             "type name", key)
    problem = ctype_problem(ctype)
    if problem:
        raise node.error(problem, key)


_TYPE_WORDS = frozenset("const struct enum union int long char short "
                        "unsigned signed void bool double float".split())


def _include(node, inc, what="include", kernel=True):
    if not INCLUDE_RE.fullmatch(inc) or len(inc) > 128:
        raise node.error(f"{what} '{inc}' must be a relative header path "
                         "such as linux/slab.h: lower-case letters, digits, "
                         "'_', '-' and '.', no '..', not absolute")
    if kernel and inc not in kernel_headers():
        close = difflib.get_close_matches(inc, kernel_headers(), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise node.error(f"{what} '{inc}' is not a header of Linux 6.12 "
                         f"(generator/kernel_headers.txt){hint}")


_HEADERS = []


def kernel_headers():
    """The header names <...> can include in Linux 6.12 on x86_64."""
    if not _HEADERS:
        path = os.path.join(os.path.dirname(__file__), "kernel_headers.txt")
        with open(path, encoding="utf-8") as f:
            _HEADERS.append(frozenset(
                line.strip() for line in f
                if line.strip() and not line.startswith("#")))
    return _HEADERS[0]


_KCONFIG = []


def kernel_kconfig():
    """The Kconfig symbols of Linux 6.12 (generator/kernel_kconfig.txt)."""
    if not _KCONFIG:
        path = os.path.join(os.path.dirname(__file__), "kernel_kconfig.txt")
        with open(path, encoding="utf-8") as f:
            _KCONFIG.append(frozenset(
                line.strip() for line in f
                if line.strip() and not line.startswith("#")))
    return _KCONFIG[0]


_ERRNOS = []


def kernel_errnos():
    """The errno macros of Linux 6.12 (generator/kernel_errnos.txt)."""
    if not _ERRNOS:
        path = os.path.join(os.path.dirname(__file__), "kernel_errnos.txt")
        with open(path, encoding="utf-8") as f:
            _ERRNOS.append(frozenset(
                line.strip() for line in f
                if line.strip() and not line.startswith("#")))
    return _ERRNOS[0]


def _errno_problem(code, any_ok=False):
    if ERRNO_RE.fullmatch(code) and code in kernel_errnos():
        return None
    close = difflib.get_close_matches(code, sorted(kernel_errnos()), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    also = ("; 'code: any' passes on whatever errno the called function "
            "returns") if any_ok else ""
    return (f"'{code}' is not an errno macro of Linux 6.12 "
            f"(generator/kernel_errnos.txt: ENOMEM, EPROBE_DEFER, ...{also})"
            f"{hint}")


_KERNEL_NAMES = []


def kernel_names():
    """The lower-case names the Linux 6.12 headers declare or use
    (generator/kernel_names.txt, written by scripts/kernel-names.py): tags
    as 'struct X', other names as they are."""
    if not _KERNEL_NAMES:
        path = os.path.join(os.path.dirname(__file__), "kernel_names.txt")
        with open(path, encoding="utf-8") as f:
            _KERNEL_NAMES.append(frozenset(
                line.rstrip("\n") for line in f
                if line.strip() and not line.startswith("#")))
    return _KERNEL_NAMES[0]


def _kernel_clashes(spec):
    """No name the header (or the KUnit suite) defines is one the kernel's
    headers already declare: the header includes them, and a macro or
    struct of the same name would not compile against them, or would
    silently replace the kernel's.  Reported at the prefix, which every
    generated name starts with."""
    known = kernel_names()
    tags = {spec.prefix} | {st.cname for st in spec.states} | \
        {f"__{st.cname}_ref" for st in spec.states}
    names = generated_names(spec)
    if spec.kunit is not None:
        names = names + kunit_names(spec)
    # The names of the prefix alone first: no other name fixes them.
    names = sorted(names, key=lambda n: n[1] is not None)
    for name, node, key, what in names:
        kernel = f"struct {name}" if name in tags else name
        if kernel not in known:
            continue
        fix = f"choose another prefix than '{spec.prefix}'"
        if node is not None and name not in tags and \
                node.path[:1] in (("constructors",), ("transitions",),
                                  ("operations",)):
            fix += f", or rename {what.split(' from ')[0]}"
        raise spec.loc.error(
            ("prefix",), f"'{kernel}', which the header defines for {what}, "
            "is already declared by the kernel's headers "
            "(generator/kernel_names.txt); the header could not be used "
            f"with them: {fix}")


def _names(spec):
    top = Node(spec, ())
    _ident(top, spec.name, "name", "spec name")
    _ident(top, spec.prefix, "prefix", "prefix")
    _ctype(Node(spec, ("raw",)), spec.raw_type)
    for i, inc in enumerate(spec.includes):
        _include(Node(spec, ("includes", i)), inc)
    for st in spec.states:
        if len(st.cname) > MAX_STATE_NAME:
            raise st.values[-1].error(
                f"state type '{st.cname}' is {len(st.cname)} characters "
                f"long; the limit is {MAX_STATE_NAME} (it is written twice "
                "on one line of the header); shorten the prefix or the "
                "value names", "name")
    for c in spec.constructors + spec.transitions:
        seen_codes = set()
        for i, e in enumerate(c.errors):
            if e["code"] != "any":
                problem = _errno_problem(e["code"], any_ok=True)
                if problem:
                    raise c.error(problem, ("errors", i, "code"))
            if e["code"] in seen_codes:
                raise c.error(f"error code '{e['code']}' is listed twice in "
                              f"'{c.name}'; say both cases in one 'when'",
                              ("errors", i, "code"))
            seen_codes.add(e["code"])
    seen = set()
    for f in spec.all_fields:
        _ident(f, f.name, what="field")
        _ctype(f, f.type)
        if f.name in seen:
            raise f.error(f"duplicate field '{f.name}'", "name")
        seen.add(f.name)
    if spec.extended:
        for f in spec.extended.fields:
            if f.name == "common":
                raise f.error(f"field 'common' of {spec.extended.ctype}: "
                              "that is the name of its member holding "
                              f"{spec.storage_type}; rename the field",
                              "name")
    for r in spec.resources.values():
        _ident(r, r.name, what="resource")
    for d in spec.dimensions:
        _ident(d, d.name, what="dimension")
        for v in d.values:
            _ident(v, v.name, what="value")
    generated = {name: what for name, _, _, what in generated_names(spec)}
    for group in (spec.constructors, spec.transitions + spec.composites,
                  spec.operations):
        seen = {}
        for c in group:
            _ident(c, c.name)
            if c.name in seen:
                raise c.error(f"duplicate name '{c.name}'; already used at "
                              f"line {spec.loc.value(seen[c.name].path)[0]}",
                              "name")
            seen[c.name] = c
            names = set()
            for p in c.params + c.locals:
                what = "local" if p in c.locals else "parameter"
                _ident(p, p.name, what=what)
                _ctype(p, p.type)
                if p.name in GENERATOR_NAMES:
                    raise p.error(f"{what} name '{p.name}' is reserved for "
                                  "the generated code (" +
                                  ", ".join(sorted(GENERATOR_NAMES)) + ")",
                                  "name")
                if p.name in generated:
                    raise p.error(f"{what} name '{p.name}' is also a name "
                                  "the header defines "
                                  f"({generated[p.name]}); a macro "
                                  "parameter of that name would replace "
                                  "it", "name")
                if p.name in names:
                    raise p.error(f"duplicate {what} '{p.name}' in "
                                  f"'{c.name}'", "name")
                names.add(p.name)
    for op in spec.operations:
        if op.returns:
            _ctype(Node(spec, op.path + ("returns",)), op.returns["type"])


# -- callables ----------------------------------------------------------------

_ASSIGNS_RET = re.compile(r"\bret\s*=[^=]")


def _failing_shape(c):
    if c.undo is not None and not c.fails:
        raise c.undo.error(f"'{c.name}' has 'undo' but lists no errors; undo "
                           "runs only when the call fails")
    if c.fails:
        if c.call is None:
            raise c.error(f"'{c.name}' lists errors but has no 'call' that "
                          "can fail", "errors")
        if not _ASSIGNS_RET.search(c.call.text):
            raise c.call.error(f"'{c.name}' can fail (it lists errors), so "
                               "its call must set 'ret' to 0 or a negative "
                               "errno")
    elif c.call is not None and c.call.uses("ret"):
        raise c.call.error(f"'{c.name}' uses 'ret' but lists no errors; "
                           "add errors: or drop 'ret'")


def _callables(spec):
    for c in spec.constructors:
        if c.kind == "unchecked":
            if not c.vouch:
                raise c.error(f"unchecked constructor '{c.name}' must say in "
                              "'vouch' what the caller guarantees", "kind")
            for key in ("errors", "acquires"):
                if getattr(c, key):
                    raise c.error(f"unchecked constructor '{c.name}' wraps "
                                  f"an existing object and cannot have "
                                  f"'{key}'", key)
        elif c.vouch:
            raise c.error(f"checked constructor '{c.name}' builds its own "
                          "state and must not ask the caller to vouch; make "
                          "it kind: unchecked or drop 'vouch'", "vouch")
        _failing_shape(c)
        if c.releases:
            raise c.error("a constructor cannot release anything", "releases")
    for t in spec.transitions:
        if t.src is t.dst:
            raise t.error(f"transition '{t.name}' goes from '{t.src.name}' "
                          "to itself", "to")
        if not t.steps:
            raise t.error(f"transition '{t.name}' starts from "
                          f"{t.dim.name}={t.src.name}, but every state with "
                          "that value is excluded, or its target is", "from")
        _failing_shape(t)
        if t.call is None and not t.releases:
            raise t.error(f"transition '{t.name}' needs a 'call', or "
                          "'releases' to reuse the release of "
                          f"{t.dim.name}={t.src.name}", "name")
    for op in spec.operations:
        for key in ("errors", "acquires", "releases", "locals"):
            if getattr(op, key):
                raise op.error(f"operation '{op.name}' cannot have '{key}': "
                               "operations do not change state", key)
        for key in ("then", "undo"):
            if getattr(op, key) is not None:
                raise op.error(f"operation '{op.name}' cannot have '{key}'",
                               key)
        if op.kind == "iterator":
            if op.expand is None:
                raise op.error(f"iterator '{op.name}' needs 'expand', the "
                               "loop header it expands to", "name")
            _macro_args(spec, op)
            for key in ("expr", "call", "returns"):
                if getattr(op, key) is not None:
                    raise op.error(f"iterator '{op.name}' cannot have "
                                   f"'{key}'", key)
        else:
            if op.expand is not None:
                raise op.error(f"'expand' is for iterators; give "
                               f"'{op.name}' kind: iterator", "expand")
            if (op.expr is None) == (op.call is None):
                raise op.error(f"operation '{op.name}' needs exactly one of "
                               "'expr' (returns a value) or 'call' "
                               "(statements)", "name")
            if op.expr is not None and op.returns is None:
                raise op.error(f"operation '{op.name}' has 'expr' but no "
                               "'returns': say the type and meaning of its "
                               "value", "name")
            if op.call is not None and op.returns is not None and \
                    not _ENDS_IN_RETURN.search(op.call.text):
                raise op.call.error(
                    f"operation '{op.name}' returns a value ('returns'), so "
                    "its call must end in a 'return <value>;' statement "
                    "(a function that returns a value must not run off its "
                    "end: -Werror=return-type)")
        if not op.states:
            raise op.error(f"operation '{op.name}' is legal in no state; its "
                           "'where' selects only excluded states", "where")


# The last statement of a snippet, at its top level (not indented).
_ENDS_IN_RETURN = re.compile(r"(?:\A|\n)return\b[^\n]*;\s*\Z")


# checkpatch's operators (MACRO_ARG_PRECEDENCE), in its order.
_OPERATORS = (r"<=|>=|==|!=|=>|->|<<|>>|<|>|!|~|&&|\|\||,|\^|\+\+|--|&|\||"
              r"\+|-|\*|/|%")


def _macro_args(spec, op):
    """An iterator is a macro: checkpatch --strict wants each argument used
    once (MACRO_ARG_REUSE) and not next to an operator
    (MACRO_ARG_PRECEDENCE)."""
    raw = spec.raw_expr.replace("${body}", f"{op.impl}(h)")
    body = op.expand.replace("${raw}", raw).replace("${body}",
                                                    f"{op.impl}(h)")
    for arg in ["h"] + [p.name for p in op.params]:
        tmp = re.sub(r"\b(__must_be_array|offsetof|sizeof|sizeof_field|"
                     r"__stringify|typeof|__typeof__|__builtin\w+|\#+)\s*"
                     rf"\(*\s*{arg}\s*\)*\b", "", body)
        uses = len(re.findall(rf"\b{arg}\b", tmp))
        what = "the handle (through ${raw} or ${body})" if arg == "h" \
            else f"parameter '{arg}'"
        if uses == 0:
            raise op.error(f"iterator '{op.name}' does not use {what} in "
                           "its expand (checkpatch: MACRO_ARG_UNUSED)",
                           "expand")
        if uses > 1:
            raise op.error(f"iterator '{op.name}' uses {what} {uses} times "
                           "in its expand; a macro must use each argument "
                           "once (checkpatch: MACRO_ARG_REUSE); pass it to "
                           "a helper macro once", "expand")
        m = re.search(rf"({_OPERATORS})?\s*\b{arg}\b\s*({_OPERATORS})?",
                      tmp)
        if m and (m.group(1) not in (None, ",") or
                  m.group(2) not in (None, ",")):
            raise op.error(f"iterator '{op.name}' uses {what} next to an "
                           "operator in its expand (checkpatch: "
                           "MACRO_ARG_PRECEDENCE); pass it as an argument "
                           "of a helper macro", "expand")


# -- resources -----------------------------------------------------------------

def _resource_names(spec, node, names, key):
    for i, name in enumerate(names):
        if name not in spec.resources:
            raise node.error(f"unknown resource '{name}'; declared: "
                             + ", ".join(spec.resources), (key, i))


def _fmt(names):
    return ", ".join(f"'{n}'" for n in sorted(names)) or "nothing"


def _resources(spec):
    held_anywhere = set()
    for d in spec.dimensions:
        for v in d.values:
            if v.has_release and not v.held:
                raise v.error(f"{d.name}={v.name} has a release but holds no "
                              "resource; add 'holds:' or drop the release",
                              "release")
            held_anywhere.update(v.held)
    for name, res in spec.resources.items():
        if name not in held_anywhere:
            raise res.error(f"resource '{name}' is held by no value; "
                            "remove it or add 'holds: "
                            f"{name}' where it is held", "name")
    for c in spec.constructors:
        _resource_names(spec, c, c.acquires, "acquires")
        want = c.target.held
        got = set(c.acquires)
        if got != want:
            raise c.error(
                f"constructor '{c.name}' builds state {c.target.name}, which "
                f"holds {_fmt(want)} and releases it on release, but it "
                f"acquires {_fmt(got)}: the release would not undo what "
                "was acquired; make 'acquires' match", "acquires"
                if c.acquires else "to")
    for t in spec.transitions:
        _resource_names(spec, t, t.acquires, "acquires")
        _resource_names(spec, t, t.releases, "releases")
        src = set(t.src.held)
        dst = set(t.dst.held)
        if set(t.acquires) != dst - src:
            raise t.error(
                f"transition '{t.name}' enters {t.dim.name}={t.dst.name}, "
                f"which holds {_fmt(dst)}, from {t.src.name}, which holds "
                f"{_fmt(src)}, so it must acquire {_fmt(dst - src)}, not "
                f"{_fmt(t.acquires)}", "acquires" if t.acquires else "to")
        if set(t.releases) != src - dst:
            raise t.error(
                f"transition '{t.name}' leaves {t.dim.name}={t.src.name}, "
                f"which holds {_fmt(src)}, so it must release "
                f"{_fmt(src - dst)}, not {_fmt(t.releases)}",
                "releases" if t.releases else "from")
        gone = [h for h in t.reused_releases if h.release is None]
        if t.call is None and t.releases and gone:
            raise t.error(f"transition '{t.name}' has no 'call' and "
                          f"{t.dim.name}={t.src.name} has no release to "
                          f"reuse for '{gone[0].holds}'", "releases")


# -- the state graph ---------------------------------------------------------

def _reachable(spec):
    seen = set()
    todo = [c.target for c in spec.constructors]
    while todo:
        st = todo.pop()
        if st.name in seen:
            continue
        seen.add(st.name)
        todo.extend(step.dst for step in st.steps)
    for st in spec.states:
        if st.name not in seen:
            last = st.values[-1]
            raise last.error(
                f"state {st.name} ({st.describe()}) is unreachable: no "
                "constructor or transition leads to it; add one, or list it "
                "under 'exclude:' with the reason", "name")


def _leaks(spec):
    ok = {s.name for s in spec.states if s.releasable or not s.held}
    changed = True
    while changed:
        changed = False
        for s in spec.states:
            if s.name not in ok and any(step.dst.name in ok
                                        for step in s.steps):
                ok.add(s.name)
                changed = True
    for s in spec.states:
        if s.name in ok:
            continue
        culprit = next(h for h in s.releases if not h.release)
        raise culprit.value.error(
            f"state {s.name} ({s.describe()}) cannot be released (a leak): "
            f"{culprit.dim.name}={culprit.name} holds '{culprit.holds}' but "
            "has no release, and no transition leads to a state that can be "
            "released; add 'release:'", "holds")


# -- generated names -----------------------------------------------------------

def generated_names(spec):
    """Every C identifier (macro, function, struct tag) the header defines,
    with the spec node and key that causes it."""
    p = spec.prefix
    out = [(p, None, "prefix", "the storage struct")]
    out += [(f"__{p}_body", None, "prefix", "the body accessor of any state"),
            (f"{p}_is_err", None, "prefix", "the error test"),
            (f"{p}_err", None, "prefix", "the error code"),
            (f"{p}_take", None, "prefix", "the take of any state")]
    for st in spec.states:
        node = st.values[-1]
        out.append((st.cname, node, "name", f"state {st.name}"))
        out.append((f"__{st.cname}_body", node, "name",
                    f"the body accessor of state {st.name}"))
        out.append((f"__{st.cname}_take", node, "name",
                    f"the take of state {st.name}"))
        if st.extended:
            out.append((f"__{st.cname}_common", node, "name",
                        f"the common storage accessor of state {st.name}"))
        if st.releasable:
            out.append((f"{st.cname}_release", node, "name",
                        f"the release of state {st.name}"))
            out.append((f"__free_{st.cname}", node, "name",
                        f"the __free() cleanup of state {st.name}"))
            out.append((f"__{st.cname}_ref", node, "name",
                        f"the __free() argument type of state {st.name}"))
    if spec.releasable_states:
        out.append((f"{p}_release", None, "prefix", "the generic release"))
    for c in spec.constructors:
        out.append((c.cname, c, "name", f"constructor '{c.name}'"))
    for t in spec.transitions:
        out.append((t.cname, t, "name", f"transition '{t.name}'"))
        for step in t.steps:
            out.append((step.cname, t, "name",
                        f"transition '{t.name}' from {step.src.name}"))
    for t in spec.composites:
        out.append((t.cname, t, "name", f"transition '{t.name}'"))
        for step in t.steps:
            out.append((step.cname, t, "name",
                        f"transition '{t.name}' from {step.src.name}"))
    for op in spec.operations:
        out.append((op.cname, op, "name", f"operation '{op.name}'"))
        out.append((op.impl, op, "name", f"operation '{op.name}'"))
    if spec.extended:
        out.append((spec.extended.name, spec.extended, "name",
                    "the extended storage struct"))
    return out


def kunit_names(spec):
    """C identifiers the generated KUnit suite defines at file scope."""
    p = spec.prefix
    top = Node(spec, ("kunit",))
    out = [(f"{p}_gen_{x}", top, None, f"the KUnit suite's {x}")
           for x in ("fixture", "cov", "init", "exit", "cases", "suite")]
    for st in spec.states:
        out.append((f"{p}_gen_state_{st.name}", st.values[-1], "name",
                    f"the KUnit test of state {st.name}"))
    for c in spec.constructors:
        out.append((f"{p}_gen_ctor_{c.name}", c, "name",
                    f"the KUnit test of constructor '{c.name}'"))
    for t in spec.transitions + spec.composites:
        for step in t.steps:
            out.append((f"{p}_gen_step_{step.cname}", t, "name",
                        f"the KUnit test of {step.cname}()"))
    return out


def _cases(spec):
    """Compile cases: bounded in number, one file each."""
    seen = {}
    all_cases = compile_cases.cases(spec)
    if len(all_cases) > MAX_CASES:
        raise spec.loc.error(("dimensions",), f"the spec would generate "
                             f"{len(all_cases)} compile cases; the limit is "
                             f"{MAX_CASES} (they grow with the states times "
                             "the calls, and with the square of the states)")
    for case in all_cases:
        first = seen.get(case.file)
        if first is not None:
            # Report at the spec's own call (operation, transition), not at
            # the state whose release or __free() case it collides with.
            node = first.node if isinstance(first.node, Callable) \
                else case.node
            raise node.error(
                f"compile case {case.file} for {case.what} is also the file "
                f"of {first.what}; rename one of them", "name")
        seen[case.file] = case


def _collisions(spec):
    seen = {}
    names = generated_names(spec)
    if spec.kunit is not None:
        names = names + kunit_names(spec)
    for name, node, key, what in names:
        node = node or Node(spec, ())
        if name in seen:
            raise node.error(f"generated name '{name}' for {what} collides "
                             f"with {seen[name]}; rename one of them", key)
        seen[name] = what
