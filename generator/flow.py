# SPDX-License-Identifier: GPL-2.0
"""What the spec's C does with its resources, against what it declares.

check.py's resource checks compare declarations: a transition that leaves
a value holding 'table' must declare that it releases 'table'.  They
cannot see that the code behind a declaration does something else: the
one-dimension clk spec of issue #11 declared that 'disable' releases
'enable', while the code it reused (the release of gate=enabled) also
unprepared the clock, so the "prepared" handle it returned unprepared it a
second time on release.  These checks read the calls in the C.

The generator knows no kernel API: what releases a resource is learnt from
the spec, as the calls in the release code of the values that hold it;
what acquires one, as the calls a callable that acquires that resource
alone makes to set 'ret' (or, when it cannot fail, the calls whose result
it stores: '${body}->w = widget_get(...)', not a helper such as
memset()).  A call
is the same release as another when it is the same text, placeholders
expanded (clk_unprepare(${raw}) twice), or calls a function that only
that resource's release calls.

Then, for every callable and release:
  - a value's release gives back only what the value holds;
  - a transition's code (call and then, or the release it reuses)
    releases exactly what it declares, and acquires what it declares
    (a transition without a call acquires nothing);
  - a constructor's code acquires what it declares and releases nothing;
    an operation's acquires and releases nothing;
  - on the failure path of a callable that acquires several resources one
    after the other, each acquisition but the last returns when it fails,
    and 'undo' releases exactly those acquired before the last, which is
    the one that failed.

Every step then moves the resources it declares, and the declarations are
checked against the states (check.py): by induction, no path of
transitions and releases releases a resource twice or never.
"""

import re

_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_NOT_CALLS = frozenset("""
    if for while switch return sizeof typeof __typeof__ _Generic do else
    case defined alignof __alignof__ likely unlikely
""".split())
_QUIET = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:[^\"\\\n]|\\.)*\"", re.S)
_RET_SET = re.compile(r"\bret\s*=\s*$")
_ASSIGNED = re.compile(r"[^=!<>]=\s*$")
_RETURNS_ON_RET = re.compile(
    r"\bif\s*\(\s*ret(\s*<\s*0)?\s*\)\s*(\{\s*)?[^;]*?\breturn\b", re.S)


class Call:
    def __init__(self, fn, text, start, sets_ret, assigned):
        self.fn = fn
        self.text = text            # whitespace removed, placeholders expanded
        self.start = start
        self.sets_ret = sets_ret    # ret = f(...)
        self.assigned = assigned    # x = f(...)


def calls(spec, code):
    """The calls in a Code snippet, in order."""
    if code is None:
        return []
    text = code.text.replace("${raw}", spec.raw_expr)
    # Comments and strings say nothing about what the code calls; blanked
    # out, not removed, so that positions stay.
    text = _QUIET.sub(lambda m: " " * len(m.group()), text)
    out = []
    for m in _CALL.finditer(text):
        fn = m.group(1)
        if fn in _NOT_CALLS:
            continue
        depth = 0
        end = len(text)
        for i in range(m.end() - 1, len(text)):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    end = i + 1
                    break
        norm = re.sub(r"\s+", "", text[m.start():end])
        before = text[:m.start()]
        out.append(Call(fn, norm, m.start(),
                        bool(_RET_SET.search(before)),
                        bool(_ASSIGNED.search(before))))
    return out


def _show(fns):
    return ", ".join(f"{f}()" for f in sorted(fns))


class Resources:
    """What releases and what acquires each resource, learnt from the
    spec (see the module's comment)."""

    def __init__(self, spec):
        self.spec = spec
        self.release_texts = {r: {} for r in spec.resources}
        fns = {r: set() for r in spec.resources}
        for d in spec.dimensions:
            for v in d.values:
                if v.holds and v.release:
                    for c in calls(spec, v.release):
                        self.release_texts[v.holds].setdefault(c.text, v)
                        fns[v.holds].add(c.fn)
        self.release_fns = {r: {f for f in fs
                                if not any(f in fns[o] for o in fns
                                           if o != r)}
                            for r, fs in fns.items()}
        released = set().union(*fns.values()) if fns else set()
        acq = {r: set() for r in spec.resources}
        for c in spec.constructors + spec.transitions:
            if len(c.acquires) != 1 or c.call is None:
                continue
            cs = calls(spec, c.call)
            marks = [x.fn for x in cs if x.sets_ret] if c.fails else \
                [x.fn for x in cs if x.assigned]
            acq[c.acquires[0]].update(f for f in marks if f not in released)
        self.acquire_fns = {r: {f for f in fs
                                if not any(f in acq[o] for o in acq
                                           if o != r)}
                            for r, fs in acq.items()}

    def released_by(self, call):
        for r in self.spec.resources:
            if call.text in self.release_texts[r] or \
                    call.fn in self.release_fns[r]:
                return r
        return None

    def acquired_by(self, call):
        for r in self.spec.resources:
            if call.fn in self.acquire_fns[r]:
                return r
        return None

    def effects(self, cs):
        """({resource: [calls releasing it]}, {resource: [calls acquiring
        it]}) of a list of calls."""
        rel, acq = {}, {}
        for c in cs:
            r = self.released_by(c)
            if r:
                rel.setdefault(r, []).append(c)
                continue
            r = self.acquired_by(c)
            if r:
                acq.setdefault(r, []).append(c)
        return rel, acq


def _model_hint(spec, held, also, first):
    """Where a value needs to hold two resources: the model that works."""
    return (f"a value holds one resource: if the state holds both "
            f"'{held}' and '{also}', give each a dimension of its own (a "
            "value without it, one that holds it), exclude the "
            "combinations that cannot exist, and put the dimension of "
            f"'{first}' first in release_order (README: 'One resource per "
            "value'; tests/style_specs/clk_long_names.yaml models clk so)")


def check(spec):
    res = Resources(spec)
    _value_releases(spec, res)
    for c in spec.constructors:
        _constructor(spec, res, c)
    for t in spec.transitions:
        _transition(spec, res, t)
    for op in spec.operations:
        _operation(spec, res, op)


def _value_releases(spec, res):
    """Two values holding different resources release with one same call:
    the one whose release does more releases the other's resource too."""
    vals = [v for d in spec.dimensions for v in d.values
            if v.holds and v.release]
    texts = {v: [c for c in calls(spec, v.release)] for v in vals}
    for i, v1 in enumerate(vals):
        for v2 in vals[i + 1:]:
            if v1.holds == v2.holds:
                continue
            t1 = {c.text for c in texts[v1]}
            t2 = {c.text for c in texts[v2]}
            if not t1 & t2:
                continue
            bad, other = (v1, v2) if t1 > t2 else (v2, v1)
            shared = next(c for c in texts[bad]
                          if c.text in t1 & t2)
            own = next((c for c in texts[bad] if c.text not in t1 & t2),
                       None)
            first = bad.holds if own is None or own.start < shared.start \
                else other.holds
            raise bad.error(
                f"{bad.dim.name}={bad.name} holds '{bad.holds}', but its "
                f"release also calls {shared.fn}(), the release of "
                f"'{other.holds}' ({other.dim.name}={other.name}): a handle "
                f"that goes from {bad.dim.name}={bad.name} to a state "
                f"holding '{other.holds}' would release it twice; "
                + _model_hint(spec, bad.holds, other.holds, first),
                "release")


def _success_calls(spec, c, code):
    return calls(spec, code) + calls(spec, c.then)


def _sentence(hint):
    return " " + hint[0].upper() + hint[1:] if hint else ""


def _compare(spec, res, c, what, rel, acq, releases, acquires, via="",
             hint=""):
    for r in sorted(set(rel) - set(releases)):
        raise c.error(
            f"{what} '{c.name}' releases '{r}' in its code{via} "
            f"({_show({x.fn for x in rel[r]})}) but does not declare it; "
            "a handle it returns would release it again: add it to "
            "'releases' if the state it leaves holds it, or drop the call",
            "releases" if releases else "name")
    for r in sorted(set(acq) - set(acquires)):
        raise c.error(
            f"{what} '{c.name}' acquires '{r}' in its code "
            f"({_show({x.fn for x in acq[r]})}) but does not declare it; "
            "nothing would release it: declare it in 'acquires' and move to "
            "a state that holds it, or drop the call",
            "acquires" if acquires else "name")
    for r in acquires:
        if res.acquire_fns[r] and r not in acq:
            raise c.error(
                f"{what} '{c.name}' declares it acquires '{r}', but its "
                f"code{via} calls none of {_show(res.acquire_fns[r])}, which "
                f"acquire '{r}' elsewhere in the spec: the state it enters "
                "would release what was never acquired; call one of them."
                + _sentence(hint), "acquires")


def _constructor(spec, res, c):
    rel, acq = res.effects(_success_calls(spec, c, c.call))
    _compare(spec, res, c, "constructor", rel, acq, [], c.acquires)
    _failure_path(spec, res, c)


def _transition(spec, res, t):
    if t.call is None:
        if t.acquires:
            held = t.src.holds
            hint = _sentence(_model_hint(spec, held, t.acquires[0], held)) \
                if held and held not in t.acquires else ""
            raise t.error(
                f"transition '{t.name}' declares it acquires "
                f"{', '.join(repr(a) for a in t.acquires)} but has no "
                f"'call': it only runs the release of "
                f"{t.dim.name}={t.src.name}, which acquires nothing, and the "
                "state it enters would release what was never acquired; "
                f"give it a call that acquires it.{hint}", "acquires")
        return
    cs = _success_calls(spec, t, t.call)
    rel, acq = res.effects(cs)
    for r in t.releases:
        if r not in rel:
            fns = res.release_fns[r] | {
                x.fn for v in res.release_texts[r].values()
                for x in calls(spec, v.release)}
            held = t.dst.holds
            hint = _sentence(_model_hint(spec, held, r, held)) if held \
                else ""
            raise t.error(
                f"transition '{t.name}' declares it releases '{r}' (it "
                f"leaves {t.dim.name}={t.src.name}, which holds it), but "
                f"its code calls none of {_show(fns)}, which release "
                f"'{r}': the handle would stop holding '{r}' while it is "
                "still held, and nothing would ever release it; call the "
                "release, or drop 'call' to reuse the release of "
                f"{t.dim.name}={t.src.name}.{hint}", "releases")
    held = t.src.holds
    hint = _model_hint(spec, held, t.acquires[0], held) \
        if held and t.acquires and held not in t.acquires else ""
    _compare(spec, res, t, "transition", rel, acq, t.releases, t.acquires,
             hint=hint)
    _failure_path(spec, res, t)


def _operation(spec, res, op):
    rel, acq = res.effects(calls(spec, op.call))
    for r, cs in list(rel.items()) + list(acq.items()):
        verb = "releases" if r in rel else "acquires"
        raise op.error(
            f"operation '{op.name}' {verb} '{r}' ({_show({x.fn for x in cs})}"
            "), but operations do not change state: the handle's type would "
            "no longer say what it holds; make it a transition",
            "call")


def _failure_path(spec, res, c):
    """When the call fails: what was acquired before the failing
    acquisition is undone, once."""
    if not c.fails or c.call is None:
        return
    cs = calls(spec, c.call)
    marks = []
    for x in cs:
        r = res.acquired_by(x)
        if r and x.sets_ret and (not marks or marks[-1][0] != r):
            marks.append((r, x))
    text = c.call.text.replace("${raw}", spec.raw_expr)
    for (r, x), (r2, y) in zip(marks, marks[1:]):
        if not _RETURNS_ON_RET.search(text, x.start, y.start):
            raise c.call.error(
                f"'{c.name}' goes on to {y.fn}() when {x.fn}() fails (no "
                "'if (ret) return ...' between them): on that path 'undo' "
                f"would release '{r}', which was never acquired; return when "
                f"{x.fn}() fails")
    if len({r for r, _ in marks}) != len(set(c.acquires)):
        return          # an acquisition the spec does not show elsewhere
    before = [r for r, _ in marks[:-1]]
    undone, acq = res.effects(calls(spec, c.undo))
    node = c.undo if c.undo is not None else c
    key = None if c.undo is not None else "errors"
    for r in before:
        if r not in undone:
            raise node.error(
                f"when the last acquisition of '{c.name}' "
                f"({marks[-1][1].fn}()) fails, '{r}' is already acquired "
                f"and nothing releases it (a leak on the error path); "
                f"release it in 'undo'", key)
    for r in sorted(undone):
        if r not in before:
            last = marks[-1][0] if marks else None
            why = ("it is the acquisition that failed"
                   if r == last else "the call has not acquired it")
            raise node.error(
                f"'undo' of '{c.name}' releases '{r}' "
                f"({_show({x.fn for x in undone[r]})}), but {why}: it would "
                "be released without being held; release only what the "
                "call acquired before its last acquisition", key)
    if acq:
        r = next(iter(acq))
        raise node.error(f"'undo' of '{c.name}' acquires '{r}'; undo only "
                         "releases what the failed call acquired", key)

