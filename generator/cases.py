# SPDX-License-Identifier: GPL-2.0
"""Compile cases derived from a spec: what must build and what must not.

For every state, each operation, transition and release is either legal
(the case must compile) or forbidden (it must fail with a diagnostic naming
the state type and the macro).  Every constructor must compile, every
releasable state must work with __free() under its own name only, and no
state may become another (or anything else) without a transition.
"""


class Case:
    """One small translation unit and the verdict kbuild must reach."""

    def __init__(self, name, what, expect, ret, params, body, diag=(),
                 node=None):
        self.node = node                # the spec node it comes from
        self.name = name
        self.what = what
        self.expect = expect            # "pass" or "fail"
        self.ret = ret
        self.params = params            # C declarations
        self.body = body                # lines, without indentation
        self.diag = list(diag)          # substrings the error must contain

    @property
    def fn(self):
        return f"tc_{self.name}"

    @property
    def file(self):
        return f"{self.expect}_{self.name}.c"

    def manifest(self):
        return {"file": self.file, "expect": self.expect, "what": self.what,
                "diag": self.diag}


def _selector(st):
    return (f"'_Generic' selector of type '{st.ctype}' is not compatible "
            "with any association")


def _macro(name):
    return f"in expansion of macro '{name}'"


def _use_op(op):
    args = ", ".join(["h"] + [a.name for a in op.params])
    call = f"{op.cname}({args})"
    if op.kind == "iterator":
        return "int", ["int n = 0;", "", call, "\tn++;", "return n;"]
    if op.returns:
        return op.returns["type"], [f"return {call};"]
    return "void", [f"{call};"]


def cases(spec):
    out = []
    for st in spec.states:
        h = f"{st.ctype} h"
        for op in spec.operations:
            ok = st in op.states
            ret, body = _use_op(op)
            out.append(Case(
                f"{op.name}__{st.name}",
                f"operation {op.cname}() on {st.ctype}", "pass" if ok
                else "fail", ret, [h] + [a.decl for a in op.params], body,
                () if ok else (_selector(st), _macro(op.cname)), op))
        for t in spec.transitions + spec.composites:
            ok = any(step.src is st for step in t.steps)
            args = ", ".join(["h"] + [a.name for a in t.params])
            out.append(Case(
                f"{t.name}__{st.name}",
                f"transition {t.cname}() from {st.ctype}",
                "pass" if ok else "fail", "bool",
                [h] + [a.decl for a in t.params],
                [f"__auto_type r = {t.cname}({args});", "",
                 f"return {spec.prefix}_is_err(r);"],
                () if ok else (_selector(st), _macro(t.cname)), t))
        for kind in ("release", "release_if_live"):
            rel = f"{spec.prefix}_{kind}"
            out.append(Case(
                f"{kind}__{st.name}", f"{rel}() of {st.ctype}",
                "pass" if st.releasable else "fail", "void", [h],
                [f"{rel}(h);"],
                () if st.releasable else (_selector(st), _macro(rel)),
                st.values[-1]))
        if st.releasable:
            out.append(Case(
                f"free__{st.name}", f"__free({st.cname}) at scope exit",
                "pass", "int", [f"{st.ctype} p"],
                [f"{st.ctype} h __free({st.cname}) = p;", "",
                 f"return {spec.prefix}_err(h);"], node=st.values[-1]))
        if st.releasable:
            # __free() takes only its own state's handle: every other
            # state, a void pointer and an int are hard errors.
            free_diag = f"incompatible type for argument 1 of '__free_{st.cname}'"
            for other in spec.states:
                if other is st:
                    continue
                out.append(Case(
                    f"free_wrong__{other.name}__as__{st.name}",
                    f"__free({st.cname}) on a {other.ctype} *", "fail",
                    "void", [f"{other.ctype} p"],
                    [f"{other.ctype} h __free({st.cname}) = p;", "",
                     "(void)h;"], (free_diag,), st.values[-1]))
            out.append(Case(
                f"free_void__{st.name}", f"__free({st.cname}) on a void *",
                "fail", "void", ["void *p"],
                [f"void *h __free({st.cname}) = p;", "", "(void)h;"],
                (free_diag,), st.values[-1]))
            out.append(Case(
                f"free_int__{st.name}", f"__free({st.cname}) on an int",
                "fail", "int", ["int p"],
                [f"int h __free({st.cname}) = p;", "", "return h;"],
                (free_diag,), st.values[-1]))
            out.append(Case(
                f"class__{st.name}", f"CLASS({st.cname}) (none is defined)",
                "fail", "void", [f"{st.ctype} p"],
                [f"CLASS({st.cname}, h)(p);", "", "(void)h;"],
                (f"unknown type name 'class_{st.cname}_t'",), st.values[-1]))
        # A handle is a value: it is taken out of its variable, and tested
        # for an error, by the prefix's own calls.
        out.append(Case(
            f"take__{st.name}", f"{spec.prefix}_take() of {st.ctype}",
            "pass", "int", [h],
            [f"{st.ctype} o = {spec.prefix}_take(h);", "",
             f"return {spec.prefix}_is_err(h) ? -1 : "
             f"{spec.prefix}_err(o);"], node=st.values[-1]))
        # No laundering: not through a plain assignment or a cast to
        # another state, not through void *, not through ERR_CAST(), and
        # IS_ERR() does not take a handle.  All hard errors.
        for other in spec.states:
            if other is st:
                continue
            out.append(Case(
                f"assign__{st.name}__to__{other.name}",
                f"assigning {st.ctype} to {other.ctype}", "fail",
                "void", [h], [f"{other.ctype} o;", "", "o = h;", "(void)o;"],
                (f"incompatible types when assigning to type "
                 f"'{other.ctype}' from type '{st.ctype}'",), st.values[-1]))
            out.append(Case(
                f"cast__{st.name}__to__{other.name}",
                f"casting {st.ctype} to {other.ctype}", "fail",
                "void", [h], [f"{other.ctype} o = ({other.ctype})h;", "",
                              "(void)o;"],
                ("conversion to non-scalar type requested",), st.values[-1]))
        out.append(Case(
            f"to_void__{st.name}", f"{st.ctype} to void *", "fail",
            "void *", [h], ["void *v = h;", "", "return v;"],
            (f"incompatible types when initializing type 'void *' using "
             f"type '{st.ctype}'",), st.values[-1]))
        out.append(Case(
            f"from_void__{st.name}", f"void * to {st.ctype}", "fail",
            "void", ["void *v"], [f"{st.ctype} o;", "", "o = v;", "(void)o;"],
            (f"incompatible types when assigning to type '{st.ctype}' "
             f"from type 'void *'",), st.values[-1]))
        out.append(Case(
            f"err_cast__{st.name}", f"ERR_CAST() of {st.ctype}", "fail",
            "void *", [h], ["return ERR_CAST(h);"],
            ("incompatible type for argument 1 of 'ERR_CAST'",),
            st.values[-1]))
        out.append(Case(
            f"is_err_ptr__{st.name}", f"IS_ERR() of {st.ctype}", "fail",
            "bool", [h], ["return IS_ERR(h);"],
            ("incompatible type for argument 1 of 'IS_ERR'",),
            st.values[-1]))
    for c in spec.constructors:
        args = ", ".join(["body"] + [a.name for a in c.params])
        out.append(Case(
            f"ctor__{c.name}", f"constructor {c.cname}()", "pass",
            c.target.ctype,
            [f"{c.target.storage_type} *body"] + [a.decl for a in c.params],
            [f"return {c.cname}({args});"], node=c))
        # Storage sized per state: a constructor takes the storage of its
        # result's state, and the other kind is an incompatible pointer,
        # an error in every kernel build (-Werror=incompatible-pointer-types).
        if spec.extended:
            other = (spec.storage_type if c.target.extended
                     else spec.extended.ctype)
            out.append(Case(
                f"ctor_storage__{c.name}",
                f"constructor {c.cname}() given {other}", "fail",
                c.target.ctype,
                [f"{other} *body"] + [a.decl for a in c.params],
                [f"return {c.cname}({args});"],
                (f"passing argument 1 of '{c.cname}' from incompatible "
                 "pointer type",), c))
    return out
