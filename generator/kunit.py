# SPDX-License-Identifier: GPL-2.0
"""Plan the KUnit suite generated from a spec's ``kunit:`` section.

The plan says how to reach every state (a constructor, then transitions),
which operations to run there, which transitions and failures to provoke,
and what coverage the suite must report.  The C comes from
templates/kunit.c.j2; every resource-specific expression comes from the
spec.
"""

import re
from collections import deque

from .model import Node, ctype_problem

KINDS = ("state", "constructor", "transition", "operation", "release",
         "failure")


class Step:
    """One call on the way to a state: a constructor or a transition."""

    def __init__(self, var, state, ctor=None, step=None, prev=None):
        self.var = var
        self.state = state
        self.ctor = ctor
        self.step = step
        self.prev = prev


class Failure:
    def __init__(self, name, target, path, args, errno, warning, what):
        self.name = name           # coverage item
        self.target = target       # Constructor or TransitionStep
        self.path = path           # steps to the source state ([] for ctors)
        self.args = args
        self.errno = errno
        self.warning = warning
        self.what = what
        # Arguments that are not the failing call's own replace those of
        # the calls on the way to its source state.
        own = [a.name for a in getattr(target, "transition", target).params]
        self.path_args = {k: v for k, v in args.items() if k not in own}


def _paths(spec):
    """Shortest (constructor, steps...) path to every state."""
    best = {}
    todo = deque()
    for c in spec.constructors:
        if c.target.name not in best:
            best[c.target.name] = [("ctor", c)]
            todo.append(c.target)
    while todo:
        st = todo.popleft()
        for step in st.steps:
            if step.dst.name not in best:
                best[step.dst.name] = best[st.name] + [("step", step)]
                todo.append(step.dst)
    return best


def chain(path):
    """Steps with variable names h0, h1, ... for a path."""
    out = []
    prev = None
    for i, (kind, x) in enumerate(path):
        if kind == "ctor":
            s = Step(f"h{i}", x.target, ctor=x)
        else:
            s = Step(f"h{i}", x.dst, step=x, prev=prev)
        out.append(s)
        prev = s
    return out


# One member of the fixture struct per line: a declaration such as
# "struct page *pages[4];" (the name is what kernel-doc documents).
_MEMBER_RE = re.compile(
    r"(const |unsigned |signed )*((struct|enum|union) )?[a-z_][a-z0-9_]*"
    r"( (int|long|char|short))*[ *]+(?P<name>[a-z_][a-z0-9_]*)"
    r"(\[[a-zA-Z0-9_ +*()]{1,40}\])*;")


def fixture_members(spec):
    """Names of the fixture's members, each line checked to be one plain
    declaration."""
    text = spec.kunit["fixture"]
    names = []
    line_start = 0
    for line in text.split("\n"):
        start = line_start
        line_start += len(line) + 1
        decl = line.strip()
        if not decl:
            continue
        m = _MEMBER_RE.fullmatch(decl)
        if not m:
            raise spec.loc.error_at_char(
                ("kunit", "fixture"), text, start + line.index(decl[0]),
                f"kunit.fixture line '{decl}' is not one declaration such "
                "as 'struct device *dev;' or 'u8 buf[8];'")
        name = m.group("name")
        head = decl[:m.start("name")]
        problem = ctype_problem(head.strip())
        if problem is None and head != head.rstrip(" *") + " " + \
                "*" * head.count("*"):
            problem = "write the '*'s next to the name, after one space"
        if problem:
            raise spec.loc.error_at_char(
                ("kunit", "fixture"), text, start + line.index(decl[0]),
                f"kunit.fixture line '{decl}': {problem}")
        if name in names:
            raise spec.loc.error_at_char(
                ("kunit", "fixture"), text, start + line.index(decl[0]),
                f"kunit.fixture declares '{name}' twice")
        names.append(name)
    if not names:
        raise spec.loc.error(("kunit", "fixture"), "kunit.fixture declares "
                             "no member")
    return names


class Plan:
    def __init__(self, spec):
        self.spec = spec
        k = spec.kunit
        self.k = k
        self.fixture_members = fixture_members(spec)
        paths = _paths(spec)
        self.state_paths = {st.name: chain(paths[st.name])
                            for st in spec.states}
        self.ctor_paths = {c.name: chain([("ctor", c)])
                           for c in spec.constructors}
        self.step_paths = []
        for t in spec.transitions + spec.composites:
            for step in t.steps:
                self.step_paths.append(
                    (step, chain(paths[step.src.name] + [("step", step)])))
        self.failures = []
        for i, f in enumerate(k.get("failures", [])):
            node = Node(spec, ("kunit", "failures", i))
            target = _callable(spec, f["name"], node)
            if not target.fails:
                raise node.error(f"'{f['name']}' cannot fail (it lists no "
                                 "errors), so it has no failure to test",
                                 "name")
            codes = [e["code"] for e in target.errors]
            if f["errno"] not in codes and "any" not in codes:
                raise node.error(f"'{f['name']}' does not list {f['errno']} "
                                 "among its errors: " + ", ".join(codes),
                                 "errno")
            # An argument may be one of the failing call's parameters, or
            # one of a constructor's or transition's on the way to its
            # source state (a clock that fails to enable is given to the
            # constructor): it then replaces that argument on the path,
            # unless the failing call has a parameter of that name.
            on_path = [target] + _path_callables(spec, target)
            for key in f["args"]:
                if key not in [a.name for c in on_path for a in c.params]:
                    raise node.error(f"'{f['name']}' has no parameter "
                                     f"'{key}', nor has any call on the way "
                                     "to it", ("args", key), at_key=True)
            if hasattr(target, "steps"):
                for step in target.steps:
                    self.failures.append(Failure(
                        f"{target.name}@{step.src.name}", step,
                        chain(paths[step.src.name]), f["args"], f["errno"],
                        f.get("warning"),
                        f"{step.cname}() failing with -{f['errno']}"))
            else:
                self.failures.append(Failure(
                    target.name, target, [], f["args"], f["errno"],
                    f.get("warning"),
                    f"{target.cname}() failing with -{f['errno']}"))
        for name in k.get("expect", {}):
            if name not in [op.name for op in spec.operations]:
                raise spec.loc.error(("kunit", "expect", name),
                                     f"unknown operation '{name}' in "
                                     "kunit.expect", at_key=True)
        for name in k.get("ctor_args", {}):
            if name not in [c.name for c in spec.constructors]:
                raise spec.loc.error(("kunit", "ctor_args", name),
                                     f"unknown constructor '{name}' in "
                                     "kunit.ctor_args", at_key=True)
        self._check_args()

    def _check_args(self):
        spec = self.spec
        for group in (spec.constructors, spec.transitions + spec.composites,
                      spec.operations):
            for c in group:
                for a in c.params:
                    if self.arg(c, a.name) is None:
                        raise spec.loc.error(
                            ("kunit", "args"), f"no KUnit argument for "
                            f"parameter '{a.name}' of '{c.name}'; add it "
                            "under kunit.args or kunit.ctor_args")

    def arg(self, callable_, name, overrides=None):
        if overrides and name in overrides:
            return str(overrides[name])
        per = self.k.get("ctor_args", {}).get(callable_.name, {})
        if name in per:
            return str(per[name])
        if name in self.k["args"]:
            return str(self.k["args"][name])
        return None

    def arglist(self, callable_, overrides=None):
        return [self.arg(callable_, a.name, overrides)
                for a in callable_.params]

    def coverage(self):
        spec = self.spec
        return {
            "spec": spec.name,
            "state": [st.name for st in spec.states],
            "constructor": [c.name for c in spec.constructors],
            "transition": [s.cname for t in spec.transitions
                           + spec.composites
                           for s in t.steps],
            "operation": [f"{op.name}@{st.name}" for op in spec.operations
                          for st in op.states],
            "release": [st.name for st in spec.releasable_states],
            "failure": [f.name for f in self.failures],
        }


def _path_callables(spec, target):
    """The constructors and transitions the suite calls on its way to the
    source states of ``target`` (none for a constructor)."""
    if not hasattr(target, "steps"):
        return []
    paths = _paths(spec)
    out = []
    for step in target.steps:
        for kind, x in paths[step.src.name]:
            c = x if kind == "ctor" else x.transition
            if c not in out:
                out.append(c)
    return out


def _callable(spec, name, node):
    for c in spec.constructors + spec.transitions + spec.composites:
        if c.name == name:
            return c
    raise node.error(f"unknown constructor or transition '{name}'", "name")
