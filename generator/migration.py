# SPDX-License-Identifier: GPL-2.0
"""The ``migrate:`` section of a spec, resolved against the spec's model.

A spec says *what* raw C each of its elements replaces, as call forms over
the element's parameters and the driver's raw object (``${obj}``); the
template ``templates/migrate.cocci.j2`` says *how* to find and rewrite them.
No SmPL or Python comes from the spec: every form is checked here to be a
plain call whose arguments are placeholders, and every word that reaches
the semantic patch is an identifier or a C constant.
"""

import re
import warnings

from .model import Node

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
CONSTANT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+[uUlL]*|0[xX][0-9a-fA-F]+[uUlL]*")
OBJ = "obj"


def member_of(obj, member):
    """``obj->member`` in SmPL, ``T.member`` when obj is ``&T``."""
    if obj.startswith("&"):
        return f"{obj[1:]}.{member}"
    return f"{obj}->{member}"


def metavar(name):
    """The SmPL metavariable that stands for placeholder ``name``."""
    return "E" if name == OBJ else "P_" + name


def acquire_only(node, d, must_match, path):
    """``acquire_only``: for a ``must_match`` argument that is a set of
    flags, the flags that matter only when the object is acquired (a
    warning the map may print, say).  Comparing a release's argument with
    the acquire's ignores them, since the typed release passes the
    acquire's own."""
    out = {}
    for name, flags in (d.get("acquire_only") or {}).items():
        if name not in must_match:
            raise node.error(f"acquire_only names '{name}', which is not "
                             "under must_match: only an argument the "
                             "release must repeat can have flags that "
                             "matter at the acquire alone",
                             path + ("acquire_only", name))
        for i, f in enumerate(flags):
            if not IDENT.fullmatch(f):
                raise node.error(f"acquire_only flag '{f}' is not an "
                                 "identifier: give the flag's macro name",
                                 path + ("acquire_only", name, i))
        out[name] = list(flags)
    return out


class Form(Node):
    """One raw call: ``fn(${a}, ${b}, ...)``, with defaults for the
    element's parameters that the call does not pass."""

    def __init__(self, spec, path, d, params, what, members=False):
        super().__init__(spec, path)
        kinds = [k for k in ("call", "iterator", "member") if k in d]
        if len(kinds) != 1:
            raise self.error(f"{what} form needs exactly one of call, "
                             "iterator or member")
        self.kind = kinds[0]
        text = d[self.kind].strip()
        self.defaults = {}
        if self.kind == "member":
            m = re.fullmatch(r"\$\{obj\}->([A-Za-z_][A-Za-z0-9_]*)", text)
            if not m:
                raise self.error(f"{what} member form must be "
                                 "'${obj}->member'", "member")
            self.fn = None
            self.member = m.group(1)
            self.args = [OBJ]
            return
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\((.*)\)", text, re.S)
        if not m:
            raise self.error(f"{what} form must be one call, "
                             "'function(${param}, ...)'", self.kind)
        self.fn = m.group(1)
        self.args = []
        for i, arg in enumerate(a.strip() for a in m.group(2).split(",")):
            mm = re.fullmatch(r"\$\{obj\}->([A-Za-z_][A-Za-z0-9_]*)", arg)
            if mm and members:
                self.args.append(OBJ + "->" + mm.group(1))
                continue
            p = PLACEHOLDER.fullmatch(arg)
            if not p:
                raise self.error(f"argument {i + 1} of {self.fn}() is "
                                 f"'{arg[:40]}'; each argument of a form "
                                 "is one placeholder such as ${dev}", "call")
            name = p.group(1)
            if name != OBJ and params is not None and name not in params:
                known = ", ".join(["obj"] + sorted(params))
                raise self.error(f"unknown placeholder '${{{name}}}' in "
                                 f"{self.fn}(); known: {known}", self.kind)
            if name in self.args:
                raise self.error(f"placeholder '${{{name}}}' appears twice "
                                 f"in {self.fn}()", self.kind)
            self.args.append(name)
        self.defaults = dict(d.get("defaults", {}))
        for k, v in self.defaults.items():
            if params is None:
                raise self.error("a borrow form takes no defaults",
                                 "defaults")
            if k not in params:
                raise self.error(f"default for unknown parameter '{k}'",
                                 ("defaults", k), True)
            if k in self.args:
                raise self.error(f"'{k}' is passed by {self.fn}(); it "
                                 "needs no default", ("defaults", k), True)
            if not CONSTANT.fullmatch(str(v)):
                raise self.error(f"default for '{k}' must be a C identifier "
                                 "or an integer", ("defaults", k))

    def pattern(self, obj="E", bind=None):
        """The SmPL call, each placeholder as its metavariable (or as
        ``bind[name]``)."""
        bind = bind or {}
        if self.kind == "member":
            return member_of(obj, self.member)
        args = [bind[a] if a in bind else obj if a == OBJ else
                member_of(obj, a[len(OBJ) + 2:]) if a.startswith(OBJ + "->")
                else metavar(a) for a in self.args]
        return f"{self.fn}({', '.join(args)})"

    def value(self, name):
        """SmPL metavariable or default constant for parameter ``name``."""
        if name in self.args:
            return metavar(name)
        return self.defaults.get(name)


class Test(Node):
    """A raw failure test such as ``dma_mapping_error(${dev}, ${obj})``,
    or a test the raw API never signals, such as ``!${obj}``."""

    SHAPES = {
        "call": re.compile(r"([A-Za-z_]\w*)\((.*)\)", re.S),
        "not": re.compile(r"!\s*\$\{obj\}"),
        "zero": re.compile(r"\$\{obj\}\s*==\s*0"),
        "negative": re.compile(r"\$\{obj\}\s*<\s*0"),
    }

    def __init__(self, spec, path, text, params, what):
        super().__init__(spec, path)
        text = text.strip()
        for shape, rx in self.SHAPES.items():
            m = rx.fullmatch(text)
            if m:
                self.shape = shape
                break
        else:
            raise self.error(f"{what} must be a call over placeholders, "
                             "'!${obj}', '${obj} == 0' or '${obj} < 0'")
        self.text = text
        if self.shape == "call":
            self.form = Form(spec, path[:-1], {"call": text}, params, what)
            self.form.path = path

    def pattern(self, obj="E", bind=None):
        if self.shape == "call":
            return self.form.pattern(obj=obj, bind=bind)
        return {"not": f"!{obj}", "zero": f"{obj} == 0",
                "negative": f"{obj} < 0"}[self.shape]

    def describe(self):
        return PLACEHOLDER.sub(r"\1", self.text)


class Element(Node):
    """A constructor, release or operation and the raw forms it replaces."""

    def __init__(self, spec, path, d, target, what):
        super().__init__(spec, path)
        self.target = target
        self.params = {p.name: p for p in getattr(target, "params", [])}
        self.forms = [Form(spec, path + ("forms", i), f, self.params, what)
                      for i, f in enumerate(d["forms"])]
        for f in self.forms:
            if OBJ not in f.args and what != "acquire":
                raise f.error(f"{f.fn}() must take the raw object as "
                              "'${obj}'", "call")


class Section(Node):
    """What every ``migrate:`` section says, whatever its kind: the
    semantic patch's summary, doc and confidence, and the raw object."""

    def __init__(self, spec, d):
        super().__init__(spec, ("migrate",))
        self.summary = d["summary"]
        self.doc = d.get("doc", "")
        self.confidence = d["confidence"]
        self.object_type = d["object"]["type"]


class Migration(Section):
    """The resolved ``migrate:`` section of one spec."""

    kind = "object"

    def __init__(self, spec, d):
        super().__init__(spec, d)
        self.raw_api = d["raw_api"]
        try:
            # A FutureWarning ('Possible nested set') would be a second
            # line on stderr: an error like the others.
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                re.compile(self.raw_api)
        except (re.error, Warning) as e:
            raise self.error(f"raw_api is not a regular expression: {e}",
                             "raw_api") from None
        if not re.fullmatch(r"[A-Za-z0-9_+*?.|()\[\]-]+", self.raw_api):
            raise self.error("raw_api may use only identifier characters and "
                             "the regex operators + * ? . | ( ) [ ] -",
                             "raw_api")

        a = d["acquire"]
        ctor = self._element(spec.constructors, a["element"],
                             ("acquire", "element"), "constructor")
        if ctor.kind != "checked":
            raise self.error(f"acquire element '{ctor.name}' must be a "
                             "checked constructor", ("acquire", "element"))
        self.acquire = Element(spec, ("migrate", "acquire"), a, ctor,
                               "acquire")
        self.acquire.result = a["result"]
        for f in self.acquire.forms:
            if OBJ in f.args:
                raise f.error("with 'result: object' the call returns the "
                              "raw object; it cannot also take ${obj}",
                              "call")
            missing = [p for p in self.acquire.params
                       if f.value(p) is None]
            if missing:
                raise f.error(f"{f.fn}() does not give '{missing[0]}' of "
                              f"{ctor.cname}(); pass it or give a default",
                              "call")
        self.acquire.fails = Test(spec, ("migrate", "acquire", "fails"),
                                  a["fails"], self.acquire.params,
                                  "acquire.fails")
        self.acquire.never = [
            Test(spec, ("migrate", "acquire", "never_signals", i), t,
                 self.acquire.params, "never_signals")
            for i, t in enumerate(a.get("never_signals", []))]
        self.object_from = self._element(spec.operations, a["object_from"],
                                         ("acquire", "object_from"),
                                         "operation")
        st = ctor.target
        if st not in self.object_from.states:
            raise self.error(f"operation '{self.object_from.name}' is not "
                             f"legal in state '{st.name}', which "
                             f"'{ctor.name}' returns",
                             ("acquire", "object_from"))
        self.state = st
        if not st.releasable:
            raise self.error(f"state '{st.name}' has no release; a migrated "
                             "acquire must be released",
                             ("acquire", "element"))

        r = d["release"]
        self.release = Element(spec, ("migrate", "release"), r, ctor,
                               "release")
        self.must_match = list(r.get("must_match", []))
        for i, name in enumerate(self.must_match):
            if name not in self.acquire.params:
                raise self.error(f"must_match names '{name}', which is not "
                                 f"a parameter of {ctor.cname}()",
                                 ("release", "must_match", i))
        self.acquire_only = acquire_only(self, r, self.must_match,
                                         ("release",))
        for f in self.release.forms:
            for p in f.args:
                if p != OBJ and p not in self.must_match:
                    raise f.error(f"{f.fn}() passes '${{{p}}}'; list it "
                                  "under must_match so the rewrite checks "
                                  "it equals the acquire's", "call")

        self.operations = []
        for i, o in enumerate(d.get("operations", [])):
            op = self._element(spec.operations, o["element"],
                               ("operations", i, "element"), "operation")
            if st not in op.states:
                raise self.error(f"operation '{op.name}' is not legal in "
                                 f"state '{st.name}'",
                                 ("operations", i, "element"))
            if op.params:
                raise self.error(f"operation '{op.name}' takes parameters; "
                                 "only operations on the handle alone can "
                                 "replace raw calls",
                                 ("operations", i, "element"))
            el = Element(spec, ("migrate", "operations", i), o, ctor,
                         "operation")
            el.op = op
            for f in el.forms:
                for p in f.args:
                    if p != OBJ and p not in self.must_match:
                        raise f.error(f"{f.fn}() passes '${{{p}}}'; list "
                                      "it under release.must_match so the "
                                      "rewrite checks it", "call")
            self.operations.append(el)

        fns = [f.fn for f in self.acquire.forms + self.release.forms]
        fns += [f.fn for o in self.operations for f in o.forms]
        for fn in fns:
            if not re.fullmatch(self.raw_api, fn):
                raise self.error(f"raw_api does not match '{fn}', a raw "
                                 "function the forms name", "raw_api")
        if len(set(fns)) != len(fns):
            raise self.error("a raw function appears in two forms",
                             "acquire")

    def _element(self, items, name, key, what):
        for x in items:
            if x.name == name:
                return x
        known = ", ".join(x.name for x in items)
        raise self.error(f"unknown {what} '{name}'; known: {known}", key)

    # -- what the template needs ----------------------------------------

    def acquire_calls(self):
        """(form, pattern, ctor args) for each acquire form."""
        ctor = self.acquire.target
        out = []
        for f in self.acquire.forms:
            args = [f.value(p.name) for p in ctor.params]
            out.append((f, f.pattern(), args))
        return out

    @staticmethod
    def mv(name):
        return metavar(name)

    @staticmethod
    def mvs(args):
        """Metavariables of the placeholders in ``args``, but the object."""
        return [metavar(a) for a in args if a != OBJ]

    @staticmethod
    def xbind(form):
        """Fresh metavariables X_<param> for a release or operation form
        whose arguments the rewrite no longer needs."""
        return {a: "X_" + a for a in form.args if a != OBJ}

    def xvars(self):
        names = set()
        for f in self.release.forms + [f for o in self.operations
                                        for f in o.forms]:
            names.update(self.xbind(f).values())
        return sorted(names)

    def release_xvars(self):
        """The X_<param> metavariables of the release forms alone."""
        return sorted({v for f in self.release.forms
                       for v in self.xbind(f).values()})

    def gbind(self):
        """Fresh metavariables G_<param> for the arguments of the raw
        failure test, but the object, when the test is a call."""
        if self.acquire.fails.shape != "call":
            return {}
        return {a: "G_" + a for a in self.acquire.fails.form.args
                if a != OBJ}

    def metavars(self):
        """Expression metavariables the acquire binds."""
        names = set()
        for f in self.acquire.forms:
            names.update(metavar(a) for a in f.args)
        return sorted(names)


class Step(Node):
    """One step of a chain: a checked constructor, a transition or the
    release, and the one raw form it replaces."""

    def __init__(self, spec, path, d, element, params):
        super().__init__(spec, path)
        self.element = element
        if len(d["forms"]) != 1:
            raise self.error("a chain step replaces exactly one raw form",
                             "forms")
        self.form = Form(spec, path + ("forms", 0), d["forms"][0], params,
                         "chain")
        if self.form.kind != "call":
            raise self.form.error("a chain step form is a call",
                                  self.form.kind)
        if OBJ not in self.form.args:
            raise self.form.error(f"{self.form.fn}() must take the raw "
                                  "object as '${obj}'", "call")


class ChainMigration(Section):
    """A ``migrate:`` section whose raw API takes the object as an argument
    and returns 0 or -errno (``result: errno``): the object goes through a
    chain of steps (constructor, transitions, release) in one function, and
    objects that another API owns are wrapped by an unchecked constructor
    (``borrow``) for the operations."""

    kind = "chain"

    def __init__(self, spec, d):
        super().__init__(spec, d)
        if not re.fullmatch(r"struct [A-Za-z_][A-Za-z0-9_]*",
                            self.object_type):
            raise self.error("with 'result: errno' the object is a "
                             "'struct tag', passed to the raw API by "
                             "address", ("object", "type"))
        for key in ("acquire", "release", "raw_api"):
            if key in d:
                raise self.error(f"'{key}' is for 'result: object'; with "
                                 "'result: errno' write a chain", key, True)
        if "chain" not in d:
            raise self.error("'result: errno' needs a chain of steps",
                             "result")
        names = {}
        for x in spec.constructors + spec.transitions:
            names[x.name] = x
        # One value per placeholder name across the chain: the unmap's
        # ${dev} is the map's, and a parameter a form does not pass is
        # taken from the step that does.
        params = {}
        for i, st in enumerate(d["chain"]):
            el = names.get(st["element"])
            for p in getattr(el, "params", []):
                params.setdefault(p.name, p)
        self.steps = []
        state = None
        self.handles = []            # (state, suffix) in order of appearance
        for i, st in enumerate(d["chain"]):
            path = ("migrate", "chain", i)
            name = st["element"]
            if i == 0:
                el = next((c for c in spec.constructors if c.name == name),
                          None)
                if el is None or el.kind != "checked":
                    raise self.error(f"the first step '{name}' must be a "
                                     "checked constructor",
                                     ("chain", i, "element"))
                step = Step(spec, path, st, el, params)
                step.kind = "construct"
                step.src = None
                state = el.target
            elif name == "release":
                if i != len(d["chain"]) - 1:
                    raise self.error("'release' ends the chain",
                                     ("chain", i, "element"))
                if not state.releasable:
                    raise self.error(f"state '{state.name}' has no release",
                                     ("chain", i, "element"))
                step = Step(spec, path, st, None, params)
                step.kind = "release"
                step.src = state
            else:
                el = next((t for t in spec.transitions if t.name == name),
                          None)
                if el is None:
                    known = ", ".join(["release"] + [t.name for t in
                                                     spec.transitions])
                    raise self.error(f"unknown step '{name}'; known: "
                                     f"{known}", ("chain", i, "element"))
                if state.value_of(el.dim) is not el.src:
                    raise self.error(f"'{name}' does not apply to state "
                                     f"'{state.name}'",
                                     ("chain", i, "element"))
                step = Step(spec, path, st, el, params)
                step.kind = "acquire" if el.fails else "transition"
                step.src = state
                state = state.replace(el.dim, el.dst)
            step.dst = state if step.kind != "release" else None
            if step.dst is not None and step.dst not in [h for h, _ in
                                                         self.handles]:
                self.handles.append((step.dst, None))
            self.steps.append(step)
        if self.steps[-1].kind != "release":
            raise self.error("a chain ends with 'release'", "chain")
        for step in self.steps:
            if step.element is None:
                continue
            for p in step.element.params:
                if p.name not in [a for s in self.steps
                                  for a in s.form.args]:
                    raise step.error(f"no step passes '{p.name}' of "
                                     f"{step.element.cname}()", "forms")
        # Handle names: the initials of the values that vary along the
        # chain (owned_unmapped, owned_managed: _u, _m).
        states = [h for h, _ in self.handles]
        dims = [k for k in range(len(spec.dimensions))
                if len({st.values[k] for st in states}) > 1]
        suffix = ["".join(st.values[k].name[0] for k in dims)
                  for st in states]
        if len(set(suffix)) != len(suffix):
            suffix = ["_".join(st.values[k].name for k in dims)
                      for st in states]
        self.handles = list(zip(states, suffix))
        self.final = max(states, key=lambda st: len(st.held))
        for step in self.steps:
            step.src_h = self.suffix(step.src)
            step.dst_h = self.suffix(step.dst)
            step.args = [p.name for p in (step.element.params
                                          if step.element else [])]

        self.operations = []
        for i, o in enumerate(d.get("operations", [])):
            op = next((x for x in spec.operations if x.name == o["element"]),
                      None)
            if op is None:
                known = ", ".join(x.name for x in spec.operations)
                raise self.error(f"unknown operation '{o['element']}'; "
                                 f"known: {known}",
                                 ("operations", i, "element"))
            oparams = {p.name: p for p in op.params}
            for j, f in enumerate(o["forms"]):
                form = Form(spec, ("migrate", "operations", i, "forms", j),
                            f, oparams, "operation")
                want = "iterator" if op.kind == "iterator" else None
                if want and form.kind != want or (not want and
                                                  form.kind == "iterator"):
                    raise form.error(f"operation '{op.name}' is "
                                     f"{'an' if want else 'not an'} "
                                     "iterator", form.kind)
                if form.kind == "call":
                    raise form.error("chain operations are iterators or "
                                     "member reads", "call")
                if OBJ not in form.args:
                    raise form.error("the form must take '${obj}'",
                                     form.kind)
                form.op = op
                self.operations.append(form)

        self.borrow = None
        b = d.get("borrow")
        if b is not None:
            el = next((c for c in spec.constructors
                       if c.name == b["element"]), None)
            if el is None or el.kind != "unchecked":
                raise self.error(f"borrow element '{b['element']}' must be "
                                 "an unchecked constructor",
                                 ("borrow", "element"))
            if len(el.params) != 1:
                raise self.error(f"{el.cname}() must take only the raw "
                                 "object", ("borrow", "element"))
            self.borrow = Node(spec, ("migrate", "borrow"))
            self.borrow.element = el
            self.borrow.state = el.target
            self.borrow.sources = [
                Form(spec, ("migrate", "borrow", "from", i), f, None,
                     "borrow")
                for i, f in enumerate(b["from"])]
            self.borrow.keep = [
                Form(spec, ("migrate", "borrow", "keep", i), f, None,
                     "borrow")
                for i, f in enumerate(b.get("keep", []))]
            for f in self.borrow.sources:
                if OBJ in f.args:
                    raise f.error("a borrow source returns the object; it "
                                  "cannot take '${obj}'", "call")
            for f in self.borrow.keep:
                if OBJ not in f.args:
                    raise f.error("a kept form must take '${obj}'", "call")
            self.borrow.fails = Test(spec, ("migrate", "borrow", "fails"),
                                     b["fails"], {}, "borrow.fails")
            if self.borrow.fails.shape != "call":
                raise self.borrow.fails.error("borrow.fails is a call over "
                                              "'${obj}'")
            self.borrow.ops = [f for f in self.operations
                               if self.borrow.state in f.op.states]
        self.chain_ops = [f for f in self.operations
                          if self.final in f.op.states]
        self.member = None
        if d.get("member") is not None:
            self.member = Member(spec, d["member"], self)
        self.reports = Reports(spec, d.get("reports", {}), self)
        fns = [s.form.fn for s in self.steps]
        if len(set(fns)) != len(fns):
            raise self.error("a raw function appears in two steps", "chain")

    def counted_fn(self):
        """The raw call whose callers the migration counts: the first
        step that can fail after the constructor (the map of a table)."""
        for st in self.steps[1:]:
            if st.kind == "acquire":
                return st.form.fn
        return self.steps[0].form.fn

    def suffix(self, state):
        for st, suf in self.handles:
            if st is state:
                return suf
        return None

    def final_suffix(self):
        return self.suffix(self.final)

    @staticmethod
    def mv(name):
        return metavar(name)

    def chain_metavars(self):
        names = set()
        for s in self.steps:
            names.update(metavar(a) for a in s.form.args if a != OBJ)
        return sorted(names)

    @staticmethod
    def form_metavars(forms):
        names = set()
        for f in forms:
            names.update(metavar(a) for a in f.args
                         if a != OBJ and not a.startswith(OBJ + "->"))
        return sorted(names)

    def iterators(self, forms):
        return sorted({f.fn for f in forms if f.kind == "iterator"})

    def candidates(self):
        """What a candidate file mentions: the object's type or a raw
        call of the section (a regex alternation)."""
        fns = [s.form.fn for s in self.steps]
        if self.borrow:
            fns += [f.fn for f in self.borrow.sources]
        if self.member:
            fns += [f.fn for f in self.member.count_forms
                    + self.member.count_release_forms]
        r = self.reports
        fns += [f.fn for f in r.count_maps + r.count_uses + r.walks]
        fns = sorted(set(fns), key=len)
        out = []
        for fn in fns:
            if not any(fn.startswith(o) for o in out):
                out.append(fn)
        return [self.object_type] + sorted(out)


class Member(Node):
    """Shapes b and d: the object is a member of a driver struct, acquired
    by one step of the chain in one function and released by the step
    that undoes it in others.  The struct keeps the object; the handle of
    the unchecked ``wrap`` constructor goes through the step and is stored
    beside the member."""

    def __init__(self, spec, d, chain):
        super().__init__(spec, ("migrate", "member"))
        path = ("migrate", "member")
        step = next((s for s in chain.steps
                     if s.element is not None and s.element.name == d["step"]),
                    None)
        if step is None or step.kind != "acquire":
            raise self.error(f"step '{d['step']}' is not a fallible "
                             "transition of the chain", "step")
        self.step = step
        rev = [s for s in chain.steps if s.kind == "transition"
               and s.element.dim is step.element.dim
               and s.element.src is step.element.dst
               and s.element.dst is step.element.src]
        if not rev:
            raise self.error(f"no step of the chain undoes '{d['step']}'",
                             "step")
        self.reverse = rev[0]
        self.wrap = next((c for c in spec.constructors
                          if c.name == d["wrap"]), None)
        if self.wrap is None or self.wrap.kind != "unchecked" or \
                len(self.wrap.params) != 1:
            raise self.error(f"wrap '{d['wrap']}' must be an unchecked "
                             "constructor taking only the raw object",
                             "wrap")
        w = self.wrap.target
        if w.value_of(step.element.dim) is not step.element.src:
            raise self.error(f"'{d['step']}' does not apply to the state "
                             f"'{w.name}' that {self.wrap.cname}() returns",
                             "wrap")
        self.state = w.replace(step.element.dim, step.element.dst)
        if not self.state.releasable:
            raise self.error(f"state '{self.state.name}' has no release",
                             "step")
        self.handle = d["handle"]
        if not IDENT.fullmatch(self.handle):
            raise self.error("handle is the suffix of the stored handle's "
                             "name, an identifier", "handle")
        dims = [k for k in range(len(spec.dimensions))
                if w.values[k] is not self.state.values[k]]
        self.wrap_suffix = "".join(w.values[k].name[0] for k in dims)
        self.raw_api = d["raw_api"]
        if not re.fullmatch(r"[A-Za-z0-9_+*?.|()\[\]^-]+", self.raw_api):
            raise self.error("raw_api may use only identifier characters "
                             "and the regex operators + * ? . | ( ) [ ] ^ -",
                             "raw_api")
        params = {p.name: p for p in step.element.params}
        self.must_match = list(d.get("must_match", []))
        for i, n in enumerate(self.must_match):
            if n not in params:
                raise self.error(f"must_match names '{n}', not a parameter "
                                 f"of {step.element.cname}()",
                                 ("must_match", i))
        self.acquire_only = acquire_only(self, d, self.must_match, ())
        cparams = dict(params)
        cparams["count"] = None
        self.count_forms = [
            Form(spec, path + ("count_forms", i), f, cparams, "count",
                 members=True)
            for i, f in enumerate(d.get("count_forms", []))]
        self.count_release_forms = [
            Form(spec, path + ("count_release_forms", i), f, cparams,
                 "count", members=True)
            for i, f in enumerate(d.get("count_release_forms", []))]
        for f in self.count_forms + self.count_release_forms:
            if "count" not in f.args:
                raise f.error(f"{f.fn}() must pass the count as "
                              "'${count}'", "call")
        for f in self.count_forms:
            missing = [p for p in params if f.value(p) is None]
            if missing:
                raise f.error(f"{f.fn}() does not give '{missing[0]}' of "
                              f"{step.element.cname}(); pass it or give a "
                              "default", "call")
        self.counts = list(d.get("counts", []))
        self.sized_by = None
        if d.get("sized_by"):
            self.sized_by = Form(spec, path + ("sized_by",),
                                 {"call": d["sized_by"]}, None, "sized_by")
            if OBJ not in self.sized_by.args or \
                    "count" not in self.sized_by.args:
                raise self.sized_by.error("sized_by takes '${obj}' and "
                                          "'${count}'", "call")
        self.given_back = []
        for i, g in enumerate(d.get("given_back", [])):
            if not re.fullmatch(r"struct [A-Za-z_]\w*", g["ops"]):
                raise self.error("ops is the callback table's type, "
                                 "'struct <name>'", ("given_back", i, "ops"))
            for k in ("gives", "takes"):
                if not IDENT.fullmatch(g[k]):
                    raise self.error(f"{k} is a member of {g['ops']}, an "
                                     "identifier", ("given_back", i, k))
            if g["gives"] == g["takes"]:
                raise self.error("gives and takes name two different "
                                 "callbacks", ("given_back", i, "takes"))
            self.given_back.append(g)
        self.count_of = None
        self.count_member = self.maps_from = None
        if self.count_forms:
            name = d.get("count_of")
            op = next((o for o in chain.operations
                       if o.op.name == name and o.kind == "member"), None)
            if op is None:
                raise self.error("count forms need 'count_of', an operation "
                                 "of the section with a member form",
                                 "count_of")
            self.count_of = op.op
            self.count_member = op.member
            self.maps_from = d.get("maps_from")
            if not self.maps_from or not IDENT.fullmatch(self.maps_from):
                raise self.error("count forms need 'maps_from', the member "
                                 "whose count the typed step maps",
                                 "maps_from")

    def default(self, name):
        for f in [self.step.form] + self.count_forms + \
                self.count_release_forms + [self.reverse.form]:
            if name in f.defaults:
                return f.defaults[name]
        return "0"

    def at(self, form, obj, bind=None):
        """``form`` on ``obj`` with a position on its function name."""
        return form.pattern(obj=obj, bind=bind).replace(
            form.fn + "(", form.fn + "@p(", 1)

    def counts_disj(self, obj):
        alts = [member_of(obj, c) for c in self.counts]
        return alts[0] if len(alts) == 1 else \
            "\\(" + "\\|".join(alts) + "\\)"

    def sized(self, obj):
        bind = {a: "Z_" + a for a in self.sized_by.args if a != OBJ}
        bind["count"] = "C_"
        return self.sized_by.pattern(obj=obj, bind=bind)

    def sized_mvs(self):
        return ["Z_" + a for a in self.sized_by.args
                if a not in (OBJ, "count")] if self.sized_by else []

    def count_use(self, form, pos):
        """``form`` with any object for its member arguments and the
        count being the member's ``count_member`` (at ``pos``)."""
        bind = {a: "E_" for a in form.args if a.startswith(OBJ + "->")}
        bind["count"] = ("\\(X->F.%s@%s\\|X->F->%s@%s\\)"
                         % (self.count_member, pos, self.count_member, pos))
        return form.pattern(obj="E_", bind=bind)

    def either_member(self, form):
        """Member arguments of ``form`` on X->F, embedded or not."""
        return {a: "\\(X->F->%s\\|X->F.%s\\)" % (a[5:], a[5:])
                for a in form.args if a.startswith(OBJ + "->")}

    def release_forms(self):
        return [self.reverse.form] + self.count_release_forms

    def typed_args(self, form):
        return [form.value(a) for a in self.step.args]


class Reports(Node):
    """The BUG? reports of a chain, each derived from forms the section
    declares: the chain's own steps (a release before the step that
    undoes an acquire, the undoing step twice, a ``mismatch`` parameter
    that differs between the two), and the member's count forms (a count
    tested for < 0, a count argument after the count member took the
    mapped count, a walk over ``maps_from`` that reads entries as mapped)."""

    def __init__(self, spec, d, chain):
        super().__init__(spec, ("migrate", "reports"))
        path = ("migrate", "reports")
        self.chain = chain
        anyp = None
        self.count_maps = [Form(spec, path + ("count_maps", i), f, anyp,
                                "report", members=True)
                           for i, f in enumerate(d.get("count_maps", []))]
        self.count_uses = [Form(spec, path + ("count_uses", i), f, anyp,
                                "report", members=True)
                           for i, f in enumerate(d.get("count_uses", []))]
        for f in self.count_maps + self.count_uses:
            for a in ("count", "entries"):
                if a not in f.args:
                    raise f.error(f"{f.fn}() must take '${{{a}}}'", "call")
        self.walks = [Form(spec, path + ("walks", i), f, anyp, "report")
                      for i, f in enumerate(d.get("walks", []))]
        for f in self.walks:
            if f.kind != "iterator" or not {"entries", "count", "entry"} <= \
                    set(f.args):
                raise f.error("a walk is an iterator over ${entries}, "
                              "${entry} and ${count}", f.kind)
        self.dma_reads = list(d.get("dma_reads", []))
        self.entries = d.get("entries")
        self.mismatch = list(d.get("mismatch", []))
        steps = chain.steps
        acq = [s for s in steps if s.kind == "acquire"]
        self.acquire = acq[0] if acq else None
        self.undo = chain.member.reverse if chain.member else None
        self.release = steps[-1]
        for i, n in enumerate(self.mismatch):
            if self.acquire is None or n not in self.acquire.form.args or \
                    self.undo is None or n not in self.undo.form.args:
                raise self.error(f"mismatch names '{n}', which the acquire "
                                 "and the step undoing it must both pass",
                                 ("mismatch", i))
        if (self.count_maps or self.count_uses or self.walks) and (
                chain.member is None or not chain.member.count_forms
                or not self.entries):
            raise self.error("count reports need member count forms and "
                             "'entries', the member holding the entries")

    def rules(self):
        """[{name, exists, rule, at, positions, values, when, message}]"""
        out = []
        mb = self.chain.member
        for f in self.count_maps:
            mv = [metavar(a) for a in f.args if a != OBJ]
            call = f.pattern(obj="E_", bind={"entries": "P_entries"})
            out.append({
                "name": f"never_negative_{f.fn}", "exists": False, "at": "p",
                "message": f"BUG? {f.fn}() returns 0 when it fails, never "
                           "a negative errno: this test cannot see the "
                           "failure",
                "rule": f"expression R, {', '.join(mv)};\nidentifier r;\n"
                        "type T;\nstatement S;\nposition p;\n@@\n(\n"
                        f" R = {call};\n"
                        " if (\\(R@p < 0\\|unlikely(R@p < 0)\\)) S\n|\n"
                        f" T r = {call};\n"
                        " if (\\(r@p < 0\\|unlikely(r@p < 0)\\)) S\n)\n"})
        if self.count_uses and mb is not None:
            cm = mb.count_member
            mvs = set()
            writers = []
            for acc in ("&T", "T"):
                ent = member_of(acc, self.entries)
                cnt = member_of(acc, cm)
                for f in self.count_maps:
                    mvs.update(metavar(a) for a in f.args if a != OBJ)
                    writers.append(f"{cnt} = " + f.pattern(
                        obj=acc, bind={"entries": ent}))
                if self.acquire is not None:
                    writers.append(self.acquire.form.pattern(obj=acc))
            mvs.update(metavar(a) for a in self.acquire.form.args
                       if a != OBJ)
            readers = []
            for acc in ("&T", "T"):
                ent = member_of(acc, self.entries)
                cnt = member_of(acc, cm)
                for f in self.count_uses:
                    readers.append(f.pattern(obj=acc, bind={
                        "entries": ent, "count": cnt}).replace(
                            f.fn + "(", f.fn + "@p(", 1)
                        .replace("P_", "Q_") + ";")
                    mvs.update("Q_" + a for a in f.args
                               if a not in (OBJ, "entries", "count"))
            whens = [f"when != {member_of(a, cm)} = N_" for a in ("&T", "T")]
            out.append({
                "name": "stale_count", "exists": True, "at": "p",
                "message": f"BUG? release or sync with {cm} after {cm} took "
                           f"the mapped count: it must pass {mb.maps_from}",
                "rule": "expression T, N_, "
                        + ", ".join(sorted(mvs - {"P_entries", "P_count"}))
                        + ", P_count;\nposition p;\n@@\n(\n "
                        + "\n|\n ".join(writers) + "\n)\n ... "
                        + "\n     ".join(whens) + "\n(\n "
                        + "\n|\n ".join(readers) + "\n)\n"})
        for f in self.walks:
            reads = "\\|".join(f"{r}(P_entry)" for r in self.dma_reads)
            alts = []
            for acc in ("T", "&S_"):
                it = f.pattern(obj="T", bind={
                    "entries": member_of(acc, self.entries),
                    "count": member_of(acc, mb.maps_from)}).replace(
                        f.fn + "(", f.fn + "@p(", 1)
                alts.append(f"{it}\n   {{ <+... \\({reads}\\) ...+> }}")
            mv = sorted(metavar(a) for a in f.args
                        if a not in (OBJ, "entries", "count"))
            ot = self.chain.object_type
            out.append({
                "name": f"walk_{f.fn}", "exists": False, "at": "p",
                "message": f"BUG? entries read as mapped walked over "
                           f"{mb.maps_from}: a mapping has {mb.count_member}"
                           " of them",
                "rule": f"{ot} *T;\n{ot} S_;\nexpression {', '.join(mv)};\n"
                        f"iterator name {f.fn};\nposition p;\n@@\n(\n "
                        + "\n|\n ".join(alts) + "\n)\n"})
        if self.acquire is not None and self.undo is not None:
            a, u, r = self.acquire.form, self.undo.form, self.release.form
            amv = [metavar(x) for x in a.args if x != OBJ]
            umv = ["Q_" + x for x in u.args if x != OBJ]
            ubind = {x: "Q_" + x for x in u.args if x != OBJ}
            acall = a.pattern(obj="T")
            at1 = acall.replace(a.fn + "(", a.fn + "@p1(", 1)
            out.append({
                "name": "release_acquired", "exists": True, "at": "p2",
                "positions": ["p1"],
                "message": f"BUG? {r.fn}() before {u.fn}() undid {a.fn}() "
                           "at line {p1.line}",
                "rule": f"expression T, E, R, {', '.join(amv + umv)};\n"
                        "statement S;\nposition p1, p2;\n@@\n(\n"
                        f" R = {at1};\n"
                        " if (\\(R\\|R < 0\\|unlikely(R)\\)) S\n|\n"
                        f" if (\\({at1}\\|{at1} < 0\\)) S\n)\n"
                        f" ... when != {u.pattern(obj='T', bind=ubind)}\n"
                        "     when != T = E\n"
                        f" {r.pattern(obj='T').replace(r.fn + '(', r.fn + '@p2(', 1)};\n"})
            u1 = u.pattern(obj="T").replace(u.fn + "(", u.fn + "@p1(", 1)
            u2 = u.pattern(obj="T").replace(u.fn + "(", u.fn + "@p2(", 1)
            abind = {x: "Q_" + x for x in a.args if x != OBJ}
            out.append({
                "name": "undone_twice", "exists": True, "at": "p2",
                "positions": ["p1"], "when": "p1.line != p2.line",
                "message": f"BUG? {u.fn}() twice (first at line {{p1.line}})",
                "rule": "expression T, E, "
                        + ", ".join(sorted(set(
                            [metavar(x) for x in u.args if x != OBJ]
                            + ["Q_" + x for x in a.args if x != OBJ])))
                        + ";\nposition p1, p2;\n@@\n"
                        f" {u1};\n"
                        f" ... when != {a.pattern(obj='T', bind=abind)}\n"
                        "     when != T = E\n"
                        f" {u2};\n"})
            for n in self.mismatch:
                mv = metavar(n)
                b1 = {n: "D1"}
                b2 = {n: "D2"}
                others = sorted({metavar(x) for x in a.args + u.args
                                 if x not in (OBJ, n)})
                ab = {x: "Q_" + x for x in u.args if x not in (OBJ, n)}
                ab[n] = "D1"
                out.append({
                    "name": f"mismatch_{n}", "exists": True, "at": "p2",
                    "positions": ["p1"], "values": ["D1", "D2"],
                    "when": "D1 != D2",
                    "message": f"BUG? {u.fn}() with {{D2}} where {a.fn}() "
                               "at line {p1.line} passed {D1}",
                    "rule": "expression T, "
                            + ", ".join(others + sorted(
                                {"Q_" + x for x in u.args
                                 if x not in (OBJ, n)}))
                            + ";\nconstant D1, D2;\nposition p1, p2;\n@@\n"
                            f" {a.pattern(obj='T', bind=b1).replace(a.fn + '(', a.fn + '@p1(', 1)}\n"
                            f" ... when != {u.pattern(obj='T', bind=ab)}\n"
                            f" {u.pattern(obj='T', bind=b2).replace(u.fn + '(', u.fn + '@p2(', 1)}\n"})
        return out


class ReportOnly(Section):
    """A ``migrate:`` section with ``patch: false``: no rewrite, only
    reports on code that still calls the raw API, in coccicheck's report,
    org and context modes.  The section names the raw forms of the spec's
    elements (checked constructors, transitions, 'via' transitions); what
    each acquires and releases, and the order in which the states give
    their resources back, come from the spec, and the rules from here:

      - a resource given back a second time (a release form after another
        release form of the same resource on the same object, with no
        acquire between: 'BUG? clk_disable() gives back the enable a
        second time');
      - a resource given back while one that must go back before it is
        still held (release_order, or the reverse of a value's 'holds':
        'BUG? clk_unprepare() gives back the prepare while the enable
        that clk_prepare_enable() took at line N is still held').

    The same report-rule dicts as a chain's Reports, rendered by
    templates/migrate_reports.cocci.j2."""

    kind = "reports"
    PATCH_KEYS = ("result", "chain", "borrow", "member", "reports",
                  "operations", "acquire", "release", "raw_api")

    def __init__(self, spec, d):
        super().__init__(spec, d)
        for key in self.PATCH_KEYS:
            if key in d:
                raise self.error(
                    f"'{key}' is for a section that patches; a report-only "
                    "section (patch: false) lists only 'elements', whose "
                    f"reports come from the spec: remove '{key}', or "
                    "'patch: false'", key, True)
        if "elements" not in d:
            raise self.error("a report-only section (patch: false) needs "
                             "'elements': the raw forms of the elements "
                             "whose acquires and releases its reports "
                             "follow", "patch", True)
        names = {x.name: x for x in spec.constructors + spec.transitions
                 + spec.composites}
        self.elements = []
        fns = {}
        for i, e in enumerate(d["elements"]):
            el = names.get(e["element"])
            key = ("elements", i, "element")
            if el is None:
                known = ", ".join(names)
                raise self.error(f"unknown element '{e['element']}'; known "
                                 f"(constructors and transitions): {known}",
                                 key)
            if not el.acquires and not el.releases:
                raise self.error(
                    f"'{el.name}' acquires and releases nothing; a report "
                    "follows only the raw calls that acquire or give back "
                    "a resource: remove it", key)
            params = {p.name: p for p in el.params}
            forms = [Form(spec, ("migrate", "elements", i, "forms", j), f,
                          params, "report")
                     for j, f in enumerate(e["forms"])]
            for f in forms:
                if f.kind != "call":
                    raise f.error("a report-only form is a call, "
                                  "'function(${obj}, ...)'", f.kind)
                if OBJ not in f.args:
                    raise f.error(f"{f.fn}() must take the raw object as "
                                  "'${obj}'", "call")
                if f.fn in fns:
                    raise f.error(f"{f.fn}() is also a form of "
                                  f"'{fns[f.fn]}'; a raw function is the "
                                  "form of one element", "call")
                fns[f.fn] = el.name
            self.elements.append((el, forms))
        self.fns = list(fns)
        arity = {}
        for el, forms in self.elements:
            for f in forms:
                o = arity.setdefault(len(f.args), f)
                if o.args.index(OBJ) != f.args.index(OBJ):
                    raise f.error(
                        f"{f.fn}() takes the object as argument "
                        f"{f.args.index(OBJ) + 1} of {len(f.args)}, and "
                        f"{o.fn}() as argument {o.args.index(OBJ) + 1}: "
                        "the reports match calls by their argument lists, "
                        "so forms with as many arguments take the object "
                        "at one place; leave one of them out", "call")
        self.rules_ = self._rules()
        if not self.rules_:
            raise self.error(
                "the elements give the reports nothing to follow: list the "
                "forms of an element that gives back a resource and of one "
                "that acquires it (a double release), or of elements that "
                "give back two resources a state holds (the order)",
                "elements")

    def _forms(self, pick):
        return [f for el, forms in self.elements if pick(el) for f in forms]

    def _order(self):
        """(first, then): pairs of resources where a state holding both
        gives 'first' back before 'then'."""
        out = []
        for st in self.spec.states:
            rel = [h.holds for h in st.releases]
            for i, a in enumerate(rel):
                for b in rel[i + 1:]:
                    if (a, b) not in out:
                        out.append((a, b))
        return out

    def _rules(self):
        out = []
        for r in self.spec.resources:
            acq = self._forms(lambda el: r in el.acquires)
            rel = self._forms(lambda el: r in el.releases)
            if not acq or not rel:
                continue
            out += _twice_rule(r, acq, rel)
        for a, b in self._order():
            acq = self._forms(lambda el: a in el.acquires)
            undo = self._forms(lambda el: a in el.releases)
            early = self._forms(lambda el: b in el.releases
                                and a not in el.releases)
            if acq and undo and early:
                out += _order_rule(a, b, acq, undo, early)
        return out

    def rules(self):
        return self.rules_

    def candidates(self):
        fns = sorted(set(self.fns), key=len)
        out = []
        for fn in fns:
            if not any(fn.startswith(o) for o in out):
                out.append(fn)
        return sorted(out)


def _ids(forms):
    return "{" + ", ".join(dict.fromkeys(f.fn for f in forms)) + "}"


# The objects a report follows: a member of a struct reached through a
# pointer (X->F), where a path that assigns X (a loop moving to the next
# entry) is not followed, or a local variable; other expressions (array
# elements, calls) are not, as in the lint: a loop may move to another
# element between two calls, which the paths do not show.
OBJECTS = (("", "expression X;\nidentifier F;\n", "X->F",
            ("X->F = E", "X = E")),
           ("_local", "idexpression T;\n", "T", ("T = E",)))


def _shape(f, obj):
    """A form's argument list in a report rule: the object as ``obj``,
    each other argument any expression (X1, X2, ... by position)."""
    return "(" + ", ".join(obj if a == OBJ else f"X{i}"
                           for i, a in enumerate(f.args)) + ")"


def _call(forms, fn, pos, obj):
    """``fn@pos(...)``: ``fn`` an identifier metavariable bound to the
    forms' functions, over each argument list they have (ReportOnly
    refuses two forms with as many arguments and the object elsewhere)."""
    shapes = list(dict.fromkeys(_shape(f, obj) for f in forms))
    alts = [f"{fn}@{pos}{sh}" for sh in shapes]
    return alts[0] if len(alts) == 1 else "\\(" + "\\|".join(alts) + "\\)"


def _xs(*groups):
    """The X metavariables the forms' argument lists use."""
    used = sorted({i for forms in groups for f in forms
                   for i, a in enumerate(f.args) if a != OBJ})
    return "".join(f", X{i}" for i in used)


def _nocall(forms, obj):
    alts = [f"{f.fn}{_shape(f, obj)}" for f in forms]
    return alts[0] if len(alts) == 1 else "\\(" + "\\|".join(alts) + "\\)"


def _whens(acq, obj, assigns):
    return (f" ... when != {_nocall(acq, obj)}\n"
            + "".join(f"     when != {x}\n" for x in assigns))


# p2 after p1 in the text: a path that reaches p2 only by going round a
# loop is left out too.
_AFTER = "(int(p1.line), int(p1.column)) < (int(p2.line), int(p2.column))"


def _twice_rule(res, acq, rel):
    """The release forms of ``res`` twice on one object, no acquire of it
    between: the second gives it back again."""
    out = []
    for suffix, decl, obj, assigns in OBJECTS:
        out.append({
            "name": f"twice_{res}{suffix}", "exists": True, "at": "p2",
            "positions": ["p1"], "values": ["u1", "u2"], "when": _AFTER,
            "message": f"BUG? {{u2}}() gives back the {res} a second time: "
                       "{u1}() at line {p1.line} gave it back",
            "rule": f"{decl}expression E{_xs(acq, rel)};\n"
                    f"identifier u1 = {_ids(rel)};\n"
                    f"identifier u2 = {_ids(rel)};\n"
                    "position p1, p2;\n@@\n"
                    f" {_call(rel, 'u1', 'p1', obj)};\n"
                    + _whens(acq, obj, assigns)
                    + f" {_call(rel, 'u2', 'p2', obj)};\n"})
    return out


def _order_rule(first, then, acq, undo, early):
    """``then`` given back while ``first``, which a state holding both
    gives back before it, is still held: acquired, and not given back
    since.  The acquire is matched with its test, so that its failure
    path (where nothing was acquired) is not followed."""
    out = []
    for suffix, decl, obj, assigns in OBJECTS:
        a = _call(acq, "a", "p1", obj)
        out.append({
            "name": f"order_{then}_{first}{suffix}", "exists": True,
            "at": "p2", "positions": ["p1"], "values": ["a", "b"],
            "when": _AFTER,
            "message": f"BUG? {{b}}() gives back the {then} while the "
                       f"{first} that {{a}}() took at line {{p1.line}} is "
                       f"still held: give the {first} back first",
            "rule": f"{decl}expression E, R{_xs(acq, undo, early)};\n"
                    "statement S;\n"
                    f"identifier a = {_ids(acq)};\n"
                    f"identifier b = {_ids(early)};\n"
                    "position p1, p2;\n@@\n(\n"
                    f" R = {a};\n"
                    " if (\\(R\\|R < 0\\|unlikely(R)\\)) S\n|\n"
                    f" if (\\({a}\\|{a} < 0\\)) S\n|\n"
                    f" {a};\n)\n"
                    + _whens(undo, obj, assigns)
                    + f" {_call(early, 'b', 'p2', obj)};\n"})
    return out


def resolve(spec):
    d = spec.data.get("migrate")
    if d is None:
        return None
    if d.get("patch") is False:
        return ReportOnly(spec, d)
    if "elements" in d:
        raise Node(spec, ("migrate",)).error(
            "'elements' is for a report-only section: add 'patch: false', "
            "or write a section that patches (an acquire and release, or "
            "'result: errno' with a chain)", "elements", True)
    if d.get("result") == "errno":
        return ChainMigration(spec, d)
    for key in ("acquire", "release", "raw_api"):
        if key not in d:
            raise Node(spec, ("migrate",)).error(
                f"missing '{key}' (or 'result: errno' with a chain)")
    return Migration(spec, d)
