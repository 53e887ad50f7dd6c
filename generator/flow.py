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


def _fmt_list(names):
    return ", ".join(f"'{n}'" for n in names) or "nothing"


def _show(fns):
    return ", ".join(f"{f}()" for f in sorted(fns))


class Resources:
    """What releases and what acquires each resource, learnt from the
    spec (see the module's comment)."""

    def __init__(self, spec):
        self.spec = spec
        self.release_texts = {r: {} for r in spec.resources}
        fns = {r: set() for r in spec.resources}
        for h in _holds(spec):
            for c in calls(spec, h.release):
                self.release_texts[h.holds].setdefault(c.text, h)
                fns[h.holds].add(c.fn)
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


def _holds(spec):
    """Every resource a value holds that has a release: the Holds."""
    return [h for d in spec.dimensions for v in d.values for h in v.items
            if h.release is not None]


def _model_hint(value, held):
    """Where a value needs to hold several resources (``held``, in the
    order they are acquired): the model that works."""
    both = " and ".join(f"'{r}'" for r in held)
    return (f"a value may hold several resources: if {value.dim.name}="
            f"{value.name} holds {both}, list them all, 'holds: "
            f"[{', '.join(held)}]' (in the order they are acquired; its "
            "release gives them back in reverse), with one release each "
            "('release: {" + ", ".join(f"{r}: ..." for r in held) + "}'); "
            "a transition to a value that keeps some of them then gives "
            "back only the others (README: 'Values that hold several "
            "resources'; tests/style_specs/clk_one_dimension.yaml models "
            "clk so)")


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
    """Two resources released with one same call: the release that does
    more releases the other's resource too.  Between two values, a handle
    going from one to the other would release it twice; within one value
    that holds both, a transition that keeps the other would."""
    vals = _holds(spec)
    texts = {h: [c for c in calls(spec, h.release)] for h in vals}
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
            if other.holds in bad.value.held:
                raise bad.error(
                    f"the release of '{bad.holds}' of {bad.dim.name}="
                    f"{bad.name} also calls {shared.fn}(), the release of "
                    f"'{other.holds}', which {bad.dim.name}={bad.name} "
                    "releases on its own: a release of the handle would "
                    f"give '{other.holds}' back twice, and a transition "
                    f"that keeps '{other.holds}' would give it back while "
                    f"it is held; give each resource only its own release "
                    "(README: 'Values that hold several resources')")
            first = bad.holds if own is None or own.start < shared.start \
                else other.holds
            order = [other.holds, bad.holds] if first == bad.holds else \
                [bad.holds, other.holds]
            raise bad.error(
                f"{bad.dim.name}={bad.name} holds '{bad.holds}', but its "
                f"release also calls {shared.fn}(), the release of "
                f"'{other.holds}' ({other.dim.name}={other.name}): a handle "
                f"that goes from {bad.dim.name}={bad.name} to a state "
                f"holding '{other.holds}' would release it twice; "
                + _model_hint(bad.value, order))


def _success_calls(spec, c, code):
    return calls(spec, code) + calls(spec, c.then)


def _sentence(hint):
    return " " + hint[0].upper() + hint[1:] if hint else ""


def _compare(spec, res, c, what, rel, acq, releases, acquires, via="",
             hint=""):
    for r in sorted(set(rel) - set(releases)):
        kept = getattr(c, "dst", None)
        if kept is not None and r in kept.held:
            fn = rel[r][0].fn
            code = c.call if c.call is not None and \
                re.search(rf"\b{fn}\s*\(", c.call.text) else c.then
            at = re.search(rf"\b{fn}\s*\(", code.text).start()
            raise spec.loc.error_at_char(
                code.path, code.text, at,
                f"{what} '{c.name}' releases '{r}' in its code ({fn}()), "
                f"but the value it enters, {c.dim.name}={kept.name}, still "
                f"holds '{r}': the handle it returns would give '{r}' back "
                f"a second time on release; drop {fn}() and release only "
                f"what it declares ({_fmt_list(releases)}), or move to a "
                f"value that does not hold '{r}'")
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
            held = t.src.held
            hint = _sentence(_model_hint(t.src, t.acquires + held)) \
                if held else ""
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
            held = t.dst.held
            hint = _sentence(_model_hint(t.dst, [r] + held)) if held \
                else ""
            raise t.error(
                f"transition '{t.name}' declares it releases '{r}' (it "
                f"leaves {t.dim.name}={t.src.name}, which holds it), but "
                f"its code calls none of {_show(fns)}, which release "
                f"'{r}': the handle would stop holding '{r}' while it is "
                "still held, and nothing would ever release it; call the "
                "release, or drop 'call' to reuse the release of "
                f"{t.dim.name}={t.src.name}.{hint}", "releases")
    held = t.src.held
    hint = _model_hint(t.src, t.acquires + held) \
        if held and t.acquires else ""
    _compare(spec, res, t, "transition", rel, acq, t.releases, t.acquires,
             hint=hint)
    _acquire_order(spec, res, t)
    _failure_path(spec, res, t)


def _acquire_order(spec, res, t):
    """A transition that acquires several resources of the value it
    enters acquires them in the order its 'holds' lists them, since the
    release gives them back in the reverse order."""
    want = [r for r in t.dst.held if r in t.acquires]
    if len(want) < 2:
        return
    got = []
    for x in calls(spec, t.call):
        r = res.acquired_by(x)
        if r in want and r not in got:
            got.append(r)
    if len(got) == len(want) and got != want:
        raise t.call.error(
            f"'{t.name}' acquires {' then '.join(repr(r) for r in got)}, "
            f"but {t.dim.name}={t.dst.name} lists them as 'holds: "
            f"[{', '.join(want)}]', the order they are acquired in (its "
            "release gives them back in reverse): list them in the order "
            "the call acquires them")


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

