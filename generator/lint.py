# SPDX-License-Identifier: GPL-2.0
"""What the lint of a spec (templates/lint.cocci.j2) checks, from the
spec's model alone.

The C types catch a handle in the wrong state; they cannot see time: a
handle used after a transition, release or take moved it on, a copy that
outlives its original, a result not tested for an error, a ``__free()``
variable returned whole, or the raw API called behind a handle's back.
Every name the lint matches comes from the model: the handle types, the
transition and constructor macros, the release and take macros, and the
raw functions the spec's own C snippets call on the object.  Nothing here
knows what the object is.
"""

import re

from .model import Node

_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_NOT_FUNCTIONS = frozenset({"if", "for", "while", "switch", "return",
                            "sizeof", "typeof", "__typeof__", "alignof",
                            "_Alignof", "defined"})


def object_calls(text):
    """Functions that a C snippet calls with the object among their
    arguments (``${body}`` or ``${raw}``), in order of first call."""
    out = []
    for m in _CALL.finditer(text):
        name = m.group(1)
        if name in _NOT_FUNCTIONS:
            continue
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        args = text[m.end():i - 1]
        if ("${body}" in args or "${raw}" in args) and name not in out:
            out.append(name)
    return out


class Lint(Node):
    """The names one spec's lint matches."""

    def __init__(self, spec):
        super().__init__(spec, ())
        p = spec.prefix
        self.prefix = p
        self.states = [st.ctype for st in spec.states]
        self.releasable = [st for st in spec.states if st.releasable]
        self.release = f"{p}_release"
        self.release_if_live = f"{p}_release_if_live"
        self.take = f"{p}_take"
        self.is_err = f"{p}_is_err"
        self.err = f"{p}_err"
        self.body = f"__{p}_body"
        self.free_names = [st.cname for st in self.releasable]
        self.transitions = [t.cname for t in spec.transitions
                            + spec.composites]
        self.constructors = [c.cname for c in spec.constructors]
        self.producers = self.constructors + self.transitions
        self.fallible = [c.cname for c in spec.constructors + spec.transitions
                         + spec.composites if c.fails]
        # Results that hold something once tested: a handle from one of
        # these that reaches the end of its function unreleased leaks it.
        self.holders = [c.cname for c in spec.constructors + spec.transitions
                        + spec.composites if c.acquires and c.fails]
        # Calls that only look at a handle: passing it to any other
        # function hands it on.
        self.looks = [self.is_err, self.err, self.body] + [
            o.cname for o in spec.operations]
        m = getattr(spec, "migration", None)
        if m is not None and m.kind != "object":
            m = None            # a chain names no object accessor
        acc = [o.cname for o in spec.operations
               if o.kind == "function" and o.returns is not None
               and (o.expr or "").strip() == "${raw}"]
        if m is not None and m.object_from.cname not in acc:
            acc.append(m.object_from.cname)
        self.accessors = acc
        acquire = []
        for c in spec.constructors + spec.transitions:
            if c.acquires and c.call is not None:
                acquire += object_calls(c.call.text)
        if m is not None:
            acquire += [f.fn for f in m.acquire.forms]
        self.acquire_fns = list(dict.fromkeys(acquire))
        # Per resource: the functions that give it back, and the states
        # whose handle holds it.
        self.resources = []
        for name in spec.resources:
            fns = []
            for dim in spec.dimensions:
                for v in dim.values:
                    for h in v.items:
                        if h.holds == name and h.release is not None:
                            fns += object_calls(h.release.text)
            if m is not None and any(name in c.acquires for c in
                                     [m.acquire.target]):
                fns += [f.fn for f in m.release.forms]
            fns = [f for f in dict.fromkeys(fns) if f not in self.acquire_fns]
            holders = [st.ctype for st in spec.states if name in st.held]
            if fns and holders:
                self.resources.append((name, fns, holders))


def resolve(spec):
    return Lint(spec)
