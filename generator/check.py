# SPDX-License-Identifier: GPL-2.0
"""Semantic checks over a built model.

Each check raises SpecError pointing at the node to fix.  The order is the
order a user would fix things in: names first, then shapes of the callables,
then the state graph and its resources, then generated-name collisions.
"""

import re

from .model import (C_KEYWORDS, CTYPE_RE, GENERATOR_NAMES, IDENT_RE,
                    INCLUDE_RE, Node)


# Spec keys whose text goes into C comments.
PROSE_KEYS = frozenset({"summary", "doc", "vouch", "when", "why", "context",
                        "message"})


def check(spec):
    _prose(spec, spec.data, ())
    _names(spec)
    _callables(spec)
    _resources(spec)
    _reachable(spec)
    _leaks(spec)
    _collisions(spec)
    if spec.kunit is not None:
        _kunit(spec)


def _kunit(spec):
    from .kunit import Plan
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
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PROSE_KEYS and isinstance(value, str):
                for bad in ("*/", "/*"):
                    if bad in value:
                        raise spec.loc.error(
                            path + (key,), f"'{bad}' in {key} would end or "
                            "open the C comment it is copied into; reword it")
            _prose(spec, value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _prose(spec, value, path + (i,))


# -- names and types ---------------------------------------------------------

def _ident(node, name, key="name", what="name"):
    if not IDENT_RE.match(name):
        raise node.error(f"{what} '{name}' is not a valid C identifier for "
                         "generated code; use lower-case letters, digits and "
                         "'_', starting with a letter", key)
    if name in C_KEYWORDS:
        raise node.error(f"{what} '{name}' is a reserved C keyword; choose "
                         "another", key)


def _ctype(node, ctype, key="type"):
    if not CTYPE_RE.match(ctype):
        raise node.error(f"'{ctype}' is not a C type the generator accepts; "
                         "write e.g. 'struct foo *', 'unsigned long' or "
                         "'enum bar'", key)


def _names(spec):
    top = Node(spec, ())
    _ident(top, spec.name, "name", "spec name")
    _ident(top, spec.prefix, "prefix", "prefix")
    _ctype(Node(spec, ("raw",)), spec.raw_type)
    for i, inc in enumerate(spec.includes):
        if not INCLUDE_RE.match(inc):
            raise spec.loc.error(("includes", i), f"include '{inc}' must be "
                                 "a header path such as linux/slab.h")
    seen = set()
    for f in spec.fields:
        _ident(f, f.name, what="field")
        _ctype(f, f.type)
        if f.name in seen:
            raise f.error(f"duplicate field '{f.name}'", "name")
        seen.add(f.name)
    for r in spec.resources.values():
        _ident(r, r.name, what="resource")
    for d in spec.dimensions:
        _ident(d, d.name, what="dimension")
        for v in d.values:
            _ident(v, v.name, what="value")
    for group in (spec.constructors, spec.transitions, spec.operations):
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
            if (op.expr is None) != (op.returns is None):
                raise op.error(f"operation '{op.name}': 'expr' and "
                               "'returns' go together", "name")
        if not op.states:
            raise op.error(f"operation '{op.name}' is legal in no state; its "
                           "'where' selects only excluded states", "where")


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
            if v.release and not v.holds:
                raise v.error(f"{d.name}={v.name} has a release but holds no "
                              "resource; add 'holds:' or drop the release",
                              "release")
            if v.holds:
                held_anywhere.add(v.holds)
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
        src = {t.src.holds} - {None}
        dst = {t.dst.holds} - {None}
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
        if t.call is None and t.releases and not t.src.release:
            raise t.error(f"transition '{t.name}' has no 'call' and "
                          f"{t.dim.name}={t.src.name} has no release to "
                          "reuse", "releases")


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
        culprit = next(v for v in s.releases if not v.release)
        raise culprit.error(
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
    for st in spec.states:
        node = st.values[-1]
        out.append((st.cname, node, "name", f"state {st.name}"))
        out.append((f"__{st.cname}_body", node, "name",
                    f"the body accessor of state {st.name}"))
        if st.releasable:
            out.append((f"{st.cname}_release", node, "name",
                        f"the release of state {st.name}"))
    if spec.releasable_states:
        out.append((f"{p}_release", None, "prefix", "the generic release"))
    for c in spec.constructors:
        out.append((c.cname, c, "name", f"constructor '{c.name}'"))
    for t in spec.transitions:
        out.append((t.cname, t, "name", f"transition '{t.name}'"))
        for step in t.steps:
            out.append((step.cname, t, "name",
                        f"transition '{t.name}' from {step.src.name}"))
    for op in spec.operations:
        out.append((op.cname, op, "name", f"operation '{op.name}'"))
        out.append((op.impl, op, "name", f"operation '{op.name}'"))
    return out


def _collisions(spec):
    seen = {}
    for name, node, key, what in generated_names(spec):
        node = node or Node(spec, ())
        if name in seen:
            raise node.error(f"generated name '{name}' for {what} collides "
                             f"with {seen[name]}; rename one of them", key)
        seen[name] = what
