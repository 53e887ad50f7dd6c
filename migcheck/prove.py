# SPDX-License-Identifier: GPL-2.0
"""Show that every rewritten release undoes exactly the acquire it replaces.

    python3 -m migcheck.prove PRISTINE MIGRATED [DIR] [--spec NAME]...

A check of its own, apart from the semantic patches that made the
rewrite: it reads each spec's ``migrate:`` section (the raw forms of the
acquires, releases and operations, and ``must_match``), the pristine tree
and the migrated one, and nothing else.  For every typed release or
operation the migration wrote (``<prefix>_release(H)``,
``<prefix>_release_if_live(H)``, a releasing transition, an operation that
replaced a raw call), it finds:

- the raw calls the statement replaced, in the same function of the
  pristine file (a diff of the function's statements);
- the acquires that store into H anywhere in the migrated files, and the
  raw acquire each replaced, with its object;

and shows that the raw call's object is the acquire's object (the same
member of the same struct type, reached through the same instance as the
handle, or the same local, every assignment of which is traced) and that
every ``must_match`` argument is the acquire's.  A local pointer whose
every assignment is one expression stands for that expression; a
variable of struct type used as a base (``bd->dev``) stands for its type,
so ``bd->dev`` in one function is ``priv->dev`` in another.  A parameter
given back through a callback table the spec names (``given_back``) is
the member the table's other callback returns.

Each rewrite it cannot show is printed as ``file:line: unproven: <why>``
and the exit status is 1.  A typed call with no raw call under it (an
added release) is unproven too.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys

import yaml

from migcheck import csrc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLACEHOLDER = re.compile(r"\$\{(\w+)\}(->\w+)?")


class Form:
    """A raw call of the spec: its function and, for each argument, the
    placeholder it binds (``obj``, ``dev``, ...) and the member the form
    reads of the object (``${obj}->sgl``), if any."""

    def __init__(self, d):
        text = d["call"].strip()
        m = re.fullmatch(r"(\w+)\((.*)\)", text, re.S)
        self.fn = m.group(1)
        self.args = []
        for a in m.group(2).split(","):
            p = PLACEHOLDER.fullmatch(a.strip())
            self.args.append((p.group(1), p.group(2) or ""))
        self.defaults = {k: str(v) for k, v in d.get("defaults", {}).items()}

    def bind(self, args):
        """{placeholder: argument text} of a call of this form, or None
        where the arguments do not fit."""
        if len(args) != len(self.args):
            return None
        out = dict(self.defaults)
        for (name, member), a in zip(self.args, args):
            if member:
                a = csrc.strip_parens(a)
                dot = "." + member[2:]
                if a.endswith(member):
                    a = a[:-len(member)]
                elif a.endswith(dot):
                    a = "&" + a[:-len(dot)]
                else:
                    return None
            out[name] = a.strip()
        return out


class Spec:
    """What a spec's ``migrate:`` section says the check needs."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            d = yaml.safe_load(f)
        self.name = d["name"]
        self.prefix = p = d["prefix"]
        mig = d["migrate"]
        ops = mig.get("operations", [])
        self.acquires = []      # raw forms whose object is acquired
        self.undoes = []        # raw forms a typed release replaces
        self.ops = []           # raw forms a typed operation replaces
        self.typed_acquires = set()
        self.typed_releases = {p + "_release", p + "_release_if_live"}
        self.typed_ops = set()
        self.given_back = []
        self.lhs_object = mig.get("result", "object") == "object"
        # raw function -> (typed functions, what the typed call does
        # otherwise), from the spec's changes: keys.
        self.changes = {}

        def note(d, typed):
            if d.get("changes"):
                for f in d["forms"]:
                    if "call" in f:
                        self.changes[Form(f).fn] = (set(typed),
                                                    " ".join(d["changes"].split()))
        if "chain" in mig:
            for step in mig["chain"]:
                note(step, [p + "_" + step["element"]])
        else:
            note(mig["acquire"], [p + "_" + mig["acquire"]["element"]])
            note(mig["release"], sorted(self.typed_releases))
        for o in ops:
            note(o, [p + "_" + o["element"]])
        if "chain" in mig:
            acq = {e["name"] for k in ("constructors", "transitions")
                   for e in d.get(k, []) if e.get("acquires")}
            rel = {e["name"] for e in d.get("transitions", [])
                   if e.get("releases")} | {"release"}
            for step in mig["chain"]:
                forms = [Form(f) for f in step["forms"] if "call" in f]
                if step["element"] in acq:
                    self.acquires += forms
                    self.typed_acquires.add(p + "_" + step["element"])
                elif step["element"] in rel:
                    self.undoes += forms
                    if step["element"] != "release":
                        self.typed_releases.add(p + "_" + step["element"])
            mb = mig.get("member", {})
            self.acquires += [Form(f) for f in mb.get("count_forms", [])]
            self.undoes += [Form(f) for f in mb.get("count_release_forms", [])]
            self.must_match = list(mb.get("must_match", []))
            self.acquire_only = mb.get("acquire_only", {})
            self.given_back = mb.get("given_back", [])
        else:
            self.acquires = [Form(f) for f in mig["acquire"]["forms"]]
            self.typed_acquires.add(p + "_" + mig["acquire"]["element"])
            self.undoes = [Form(f) for f in mig["release"]["forms"]]
            self.must_match = list(mig["release"].get("must_match", []))
            self.acquire_only = mig["release"].get("acquire_only", {})
        for o in ops:
            forms = [Form(f) for f in o["forms"] if "call" in f]
            if forms:
                self.ops += forms
                self.typed_ops.add(p + "_" + o["element"])

    def raw_names(self, forms):
        return sorted({f.fn for f in forms})


def patching_specs(names=()):
    out = []
    for fn in sorted(os.listdir(os.path.join(ROOT, "specs"))):
        if not fn.endswith(".yaml"):
            continue
        path = os.path.join(ROOT, "specs", fn)
        with open(path, encoding="utf-8") as f:
            d = yaml.safe_load(f)
        mig = d.get("migrate")
        if not mig or mig.get("patch") is False:
            continue
        if names and d["name"] not in names:
            continue
        out.append(Spec(path))
    return out


class Ctx:
    """One function of one file, for normalising its expressions."""

    def __init__(self, path, fn, home=lambda path, tag: ""):
        self.path = path
        self.fn = fn
        self.vars = fn.variables()
        self.home = home

    def alias(self, name):
        """The one expression every assignment of local ``name`` stores,
        where it is a plain one (no call but a cast-free member access),
        else None."""
        if name not in self.vars:
            return None
        param = re.search(r"\b" + name + r"\s*[,)]", self.fn.header)
        vals = self.fn.assignments(name)
        if vals is None or (param and vals):
            return None
        plain = {csrc.strip_parens(v) for v in vals}
        if len(plain) == 1:
            v = plain.pop()
            if "?" not in v and not re.search(r"(?<![\w.>])%s\b" % name, v):
                return v
        # A local whose value is stored into one member (x->sgt = sgt)
        # is that member from there on.
        stores = {csrc.strip_parens(m.group(1))
                  for text, _ in self.fn.statements()
                  for m in [re.fullmatch(r"(.+?(?:->|\.)\s*\w+)\s*=\s*"
                                         + name + r"\s*;", text)] if m}
        if len(stores) == 1:
            v = stores.pop()
            if not re.search(r"(?<![\w.>])%s\b" % name, v):
                return v
        return None

    def resolve(self, expr, depth=0):
        """``expr`` with each local alias replaced by what it holds."""
        toks = csrc.TOKEN.findall(csrc.strip_parens(expr))
        out = []
        for i, t in enumerate(toks):
            prev = toks[i - 1] if i else ""
            a = (self.alias(t) if depth < 4 and csrc.IDENT.fullmatch(t)
                 and prev not in ("->", ".") else None)
            out.append(self.resolve(a, depth + 1) if a is not None else t)
        return re.sub(r" ?(->|\.) ?", r"\1", " ".join(out))

    def norm(self, expr, typed=True, depth=0):
        """``expr`` with aliases replaced by what they hold, locals named
        with their function, and (``typed``) a struct variable used as a
        base by its type.  Array indices become [*] when ``typed``."""
        toks = csrc.TOKEN.findall(csrc.strip_parens(expr))
        out = []
        for i, t in enumerate(toks):
            prev = toks[i - 1] if i else ""
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            if not csrc.IDENT.fullmatch(t) or prev in ("->", "."):
                out.append(t)
                continue
            a = self.alias(t) if depth < 4 else None
            if typed and self.vars.get(t) and nxt in ("->", ".", "["):
                tag = self.vars[t]
                out.append("<%s%s>" % (tag, self.home(self.path, tag)))
            elif a is not None:
                out.append(self.norm(a, typed, depth + 1))
            elif t in self.vars:
                out.append("%s@%s" % (t, self.fn.name))
            else:
                out.append(t)
        s = " ".join(out)
        s = re.sub(r" ?(->|\.) ?", r"\1", s)
        if typed:
            s = re.sub(r"\[[^\[\]]*\]", "[*]", s)
        return s


def base_of(expr):
    """``B`` of a member access ``B->m`` / ``B.m`` / ``&B->m``, or None."""
    e = csrc.strip_parens(expr).lstrip("&").strip()
    m = re.fullmatch(r"(.+?)\s*(->|\.)\s*(\w+)", e, re.S)
    return (m.group(1), m.group(3)) if m else None


class Site:
    """A raw call replaced by a typed one: the file, line, function, the
    typed call's handle, and the raw call's placeholder values."""

    def __init__(self, path, line, ctx, typed, handle, raw, binding, stmt):
        self.path, self.line, self.ctx = path, line, ctx
        self.typed, self.handle, self.raw = typed, handle, raw
        self.binding, self.stmt = binding, stmt


def bind_any(forms, fn, args):
    for f in forms:
        if f.fn == fn:
            b = f.bind(args)
            if b is not None:
                return b
    return None


def hunks(pfn, mfn):
    """[(removed statements, added statements)] between the pristine and
    migrated versions of a function, each statement (text, offset)."""
    ps, ms = pfn.statements(), mfn.statements()
    sm = difflib.SequenceMatcher(None, [s for s, _ in ps], [s for s, _ in ms],
                                 autojunk=False)
    return [(ps[i1:i2], ms[j1:j2]) for op, i1, i2, j1, j2 in sm.get_opcodes()
            if op != "equal"]


class Prover:
    def __init__(self, spec, pristine, migrated, before=None):
        """``pristine`` and ``migrated``: the two trees; or ``before``, the
        text of each file (by its path in ``migrated``) before the
        migration, in place of the pristine tree."""
        self.spec = spec
        self.pristine = pristine
        self.migrated = migrated
        self.before = before or {}
        self.sites = []         # typed releases and operations
        self.acquired = {}      # handle key -> [Site of an acquire]
        self.unproven = []      # (path, line, why)
        self.by_name = []       # (path, line, what): arguments equal by name
        self.proven = 0
        self.files = {}
        self.homes = {}

    def home(self, rel, tag, depth=0):
        """Where struct ``tag`` that ``rel`` sees is defined: "@" and the
        file, when it or a local header it includes defines it, so that two
        drivers' structs of one name are told apart; "" otherwise."""
        key = (rel, tag)
        if key in self.homes:
            return self.homes[key]
        out = ""
        text = self.original(rel)
        if re.search(r"\b(?:struct|union)\s+%s\s*\{" % re.escape(tag), text):
            out = "@" + rel
        elif depth < 3:
            for inc in re.findall(r'^#include\s+"([^"]+)"', text, re.M):
                sub = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
                out = self.home(sub, tag, depth + 1)
                if out:
                    break
        self.homes[key] = out
        return out

    def original(self, rel):
        """The text of ``rel`` before the migration ("" if none)."""
        text = self.before.get(os.path.join(self.migrated, rel))
        if text is None:
            text = _read(os.path.join(self.pristine or self.migrated, rel))
        return text

    def load(self, rel):
        """(pristine blanked text, its functions, migrated ...)."""
        if rel not in self.files:
            out = []
            for text in (self.original(rel),
                         _read(os.path.join(self.migrated, rel))):
                text = csrc.blank(text)
                out += [text, csrc.functions(text)]
            self.files[rel] = out
        return self.files[rel]

    def scan(self, rel):
        sp = self.spec
        ptext, pfns, mtext, mfns = self.load(rel)
        typed_use = sorted(sp.typed_releases | sp.typed_ops)
        typed_acq = sorted(sp.typed_acquires)
        raw_use = sp.raw_names(sp.undoes + sp.ops)
        raw_acq = sp.raw_names(sp.acquires)
        for name, mfn in mfns.items():
            pfn = pfns.get(name)
            ctx_m = Ctx(rel, mfn, self.home)
            if not any(re.search(r"\b%s\s*\(" % t, mfn.body)
                       for t in typed_use + typed_acq):
                continue
            for removed, added in (hunks(pfn, mfn) if pfn else
                                   [([], mfn.statements())]):
                rtext = " ".join(s for s, _ in removed)
                ctx_p = Ctx(rel, pfn, self.home) if pfn else None
                raws = [(fn, args) for fn, args, _ in csrc.calls(rtext, raw_use)]
                racq = [(fn, args, s) for s, _ in removed
                        for fn, args, _ in csrc.calls(s, raw_acq)]
                uses, acqs = [], []
                for s, off in added:
                    # The line of each call: found again in the file's text
                    # from the statement's start, in order.
                    at = off
                    for fn, args, _ in csrc.calls(s, typed_use):
                        m = re.compile(r"\b%s\s*\(" % fn).search(mtext, at)
                        at = m.end() if m else at
                        uses.append((fn, args, csrc.line_of(
                            mtext, m.start() if m else off), s))
                    for fn, args, _ in csrc.calls(s, typed_acq):
                        lhs = re.match(r"\s*(.+?)\s*=(?!=)", s)
                        acqs.append((lhs.group(1) if lhs else None,
                                     csrc.line_of(mtext, off), s))
                self._uses(rel, ctx_p, ctx_m, uses, raws)
                self._acqs(rel, ctx_p, ctx_m, acqs, racq)

    def _uses(self, rel, ctx_p, ctx_m, uses, raws):
        sp = self.spec
        if not uses:
            return
        forms = sp.undoes + sp.ops
        if not raws:
            for fn, args, line, s in uses:
                self.unproven.append((rel, line, "%s() replaces no raw call "
                                      "of the spec in %s()" % (fn, ctx_m.fn.name)))
            return
        if len(uses) == len(raws):
            pairs = [(u, [r]) for u, r in zip(uses, raws)]
        elif len(uses) == 1:
            pairs = [(uses[0], raws)]
        else:
            for fn, args, line, s in uses:
                self.unproven.append((rel, line, "%d typed calls replace %d raw "
                                      "calls in one place; cannot pair them"
                                      % (len(uses), len(raws))))
            return
        for (fn, args, line, s), rs in pairs:
            if not args:
                self.unproven.append((rel, line, "%s() has no handle" % fn))
                continue
            for rfn, rargs in rs:
                b = bind_any(forms, rfn, rargs)
                if b is None or "obj" not in b:
                    self.unproven.append((rel, line, "the raw %s() it replaces "
                                          "fits no form of the spec" % rfn))
                    continue
                self.sites.append(Site(rel, line, (ctx_p, ctx_m), fn, args[0],
                                       rfn, b, s))

    def _acqs(self, rel, ctx_p, ctx_m, acqs, racq):
        sp = self.spec
        if not acqs:
            return
        for i, (lhs, line, s) in enumerate(acqs):
            if lhs is None:
                continue
            key = self.key(rel, ctx_m, lhs)
            if len(racq) == len(acqs):
                cand = [racq[i]]
            elif len(racq) == 1:
                cand = racq
            else:
                cand = []
            binding = None
            for fn, args, stmt in cand:
                b = bind_any(sp.acquires, fn, args)
                if b is None:
                    continue
                if sp.lhs_object or "obj" not in b:
                    m = re.match(r"\s*(.+?)\s*=(?!=)", stmt)
                    if m and sp.lhs_object:
                        b["obj"] = m.group(1)
                if "obj" in b:
                    binding = b
            self.acquired.setdefault(key, []).append(
                (rel, line, ctx_p, binding))

    @staticmethod
    def key(rel, ctx, handle):
        """A handle's name across the files: a member by its struct type,
        a local by its file and function."""
        if base_of(handle):
            return ctx.norm(handle)
        return "%s:%s:%s" % (rel, ctx.fn.name, csrc.strip_parens(handle))

    def check(self):
        sp = self.spec
        for site in self.sites:
            why = self._check(site)
            if why:
                self.unproven.append((site.path, site.line, why))
            else:
                self.proven += 1

    def _same_arg(self, name, rel_val, rel_ctx, acq_val, acq_ctx):
        """True where the release's argument is the acquire's value,
        "name" where it is only spelled the same, with locals or
        parameters of two functions (the raw code, right only if the
        caller passes both the same value, relied on it too), else
        False."""
        a = rel_ctx.norm(rel_val)
        drop = [str(x) for x in self.spec.acquire_only.get(name, [])]
        parts = [x.strip() for x in acq_val.split("|")]
        kept = [x for x in parts if x not in drop]
        b = acq_ctx.norm(" | ".join(kept) if kept else "0")
        if a == acq_ctx.norm(acq_val) or a == b:
            return True
        local = re.compile(r"@\w+")
        if local.sub("", a) == local.sub("", b) or \
                rel_val.split() == acq_val.split():
            return "name"
        return False

    def _check(self, site):
        ctx_p, ctx_m = site.ctx
        if ctx_p is None:
            return "%s() is in a function the pristine file does not have" % site.typed
        key = self.key(site.path, ctx_m, site.handle)
        acquired = self.acquired.get(key)
        if not acquired:
            return "%s(%s): no acquire stores into that handle" % (site.typed, site.handle)
        obj = site.binding["obj"]
        # The raw object, as the acquire's is spelled: a parameter given
        # back through a callback table stands for the member the other
        # callback returned.
        robj = ctx_p.norm(obj)
        hb = base_of(site.handle)
        for rel, line, actx, ab in acquired:
            if ab is None:
                return ("%s(%s): the acquire at %s:%s replaced no raw acquire "
                        "of the spec" % (site.typed, site.handle, rel, line))
            aobj = actx.norm(ab["obj"])
            if robj != aobj and not self._given_back(site, aobj):
                return ("%s(%s) replaces %s() of '%s', but the handle holds "
                        "'%s', acquired at %s:%s" % (site.typed, site.handle,
                                                     site.raw, obj, ab["obj"],
                                                     rel, line))
            names = [n for n in self.spec.must_match if n in site.binding]
            if hb is None:
                # A local handle: the chain names one value across it.
                names = [n for n in site.binding if n != "obj" and n in ab]
            for n in names:
                if n not in ab:
                    continue
                same = self._same_arg(n, site.binding[n], ctx_p, ab[n], actx)
                if same == "name":
                    self.by_name.append((site.path, site.line, (
                        "%s(%s) passes the %s the acquire at %s:%s recorded, "
                        "'%s' there; the raw %s() passed '%s' of %s(), the "
                        "same name in another function"
                        % (site.typed, site.handle, n, rel, line, ab[n],
                           site.raw, site.binding[n], ctx_p.fn.name))))
                elif not same:
                    return ("%s(%s) replaces %s() with %s '%s', but the "
                            "acquire at %s:%s passed '%s'"
                            % (site.typed, site.handle, site.raw, n,
                               site.binding[n], rel, line, ab[n]))
        # The same instance: the handle beside the raw call's object.
        if hb is not None and not self._given_back_param(site):
            bare = csrc.strip_parens(obj).lstrip("&").strip()
            ob = base_of(ctx_p.alias(bare) or obj if csrc.IDENT.fullmatch(bare)
                         else obj)
            want = ctx_m.norm(hb[0], typed=False)
            got = ob and ctx_p.norm(ob[0], typed=False)
            # A nested member (&X->F.G) has its handle in X's struct.
            if not got or (got != want and not got.startswith(want + ".")
                           and not got.startswith(want + "->")):
                return ("%s(%s) releases the handle of '%s', but the raw "
                        "%s() named '%s'" % (site.typed, site.handle,
                                             csrc.strip_parens(hb[0]),
                                             site.raw, obj))
        return None

    def _given_back_param(self, site):
        ctx_p = site.ctx[0]
        obj = csrc.strip_parens(site.binding["obj"])
        return (re.fullmatch(r"\w+", obj) and
                re.search(r"\b%s\s*[,)]" % obj, ctx_p.fn.header) and
                self._takes(site) is not None)

    def _takes(self, site):
        """The .gives callback whose table names the raw call's function
        as .takes, where the spec declares such a contract."""
        ctx_p = site.ctx[0]
        ptext = self.files[site.path][0]
        for g in self.spec.given_back:
            for m in re.finditer(r"\.%s\s*=\s*%s\b" % (g["takes"], ctx_p.fn.name), ptext):
                start = ptext.rfind("{", 0, m.start())
                end = ptext.find("}", m.end())
                gm = re.search(r"\.%s\s*=\s*(\w+)" % g["gives"], ptext[start:end])
                if gm:
                    return gm.group(1)
        return None

    def _given_back(self, site, aobj):
        """The raw object is a parameter of a .takes callback whose .gives
        returns, on every path that returns a table, the acquire's object."""
        if not self._given_back_param(site):
            return False
        gname = self._takes(site)
        gfn = self.files[site.path][1].get(gname)
        if gfn is None:
            return False
        ctx = Ctx(site.path, gfn, self.home)
        rets = re.findall(r"\breturn\s+([^;]+);", gfn.body)
        rets = [r for r in rets if not re.match(r"\s*(ERR_PTR|NULL\b|0\b)", r)]
        return bool(rets) and all(ctx.norm(r) == aobj for r in rets)


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def changed_files(pristine, migrated, top, spec):
    """Files under ``top`` of the migrated tree that use the spec's header."""
    proc = subprocess.run(
        ["grep", "-rlZ", "--include=*.c", "--include=*.h",
         "linux/typestate/%s.h" % spec.name, top],
        cwd=migrated, capture_output=True, text=True, check=False)
    return sorted(p for p in proc.stdout.split("\0") if p)


def prove(spec, pristine, migrated, top, before=None, files=None):
    """The Prover of ``spec`` over the files under ``top`` of the
    migrated tree that use its header (or ``files``, paths relative to
    ``migrated``), checked."""
    pr = Prover(spec, pristine, migrated, before)
    for rel in (files if files is not None else
                changed_files(pristine, migrated, top, spec)):
        pr.scan(rel)
    pr.check()
    return pr


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python3 -m migcheck.prove",
        description="Show from the pristine tree that every rewritten "
        "release and operation in the migrated tree acts on the object "
        "and arguments of the acquire it replaces.")
    ap.add_argument("pristine", help="the tree before the migration")
    ap.add_argument("migrated", help="the same tree after it")
    ap.add_argument("dir", nargs="?", default="drivers",
                    help="directory of both trees to check (default drivers)")
    ap.add_argument("--spec", action="append", default=[],
                    help="check only this spec (repeatable)")
    a = ap.parse_args(argv)
    for t in (a.pristine, a.migrated):
        if not os.path.isdir(os.path.join(t, a.dir)):
            ap.error("%s: no directory %s in it" % (t, a.dir))
    bad = 0
    for spec in patching_specs(a.spec):
        pr = prove(spec, a.pristine, a.migrated, a.dir)
        for path, line, why in sorted(pr.unproven):
            print("%s:%s: unproven: %s" % (path, line, why))
        for path, line, what in sorted(set(pr.by_name)):
            print("%s:%s: behaviour change if the values differ: %s"
                  % (path, line, what))
        bad += len(pr.unproven)
        print("prove: %s: %d rewritten releases and operations shown to "
              "undo their acquire, %d unproven"
              % (spec.name, pr.proven, len(pr.unproven)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
