# SPDX-License-Identifier: GPL-2.0
"""Behaviour changes a migration makes that its rules do not report.

- A typed element that does more than the raw call it replaces says so in
  its spec (``changes:`` on a chain step, the acquire, the release or an
  operation); every raw call of that element the migration replaced is
  listed with that text.
- A struct that gains a handle grows; where the driver hands its whole
  size outside (a crypto algorithm's ``.statesize``, a memcpy() of the
  whole struct into a buffer someone else owns, a copy to or from user
  space), that line is listed too: the exported state grows with it.

Each finding is a line in the report's own form,
``path:line:col-col: behaviour change: ...``, so that migrate.py lists it
with the rules' own behaviour changes.
"""

import os
import re

from migcheck import csrc
from migcheck.prove import hunks

# Statements that hand a struct's size outside the driver.
EXPORTS = re.compile(r"\.\s*statesize\b|\b(?:memcpy|memmove|memcmp|"
                     r"copy_to_user|copy_from_user|\w*export\w*|"
                     r"\w*import\w*)\s*\(")
STRUCT = re.compile(r"^struct\s+(\w+)\s*\{(.*?)^\};", re.S | re.M)
ALLOC = re.compile(r"\b\w*(?:alloc|zalloc|calloc|_reqsize|set_reqsize)\w*\s*\(")


def _report(rel, text, offset, msg):
    line = csrc.line_of(text, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return "%s:%d:%d-%d: behaviour change: %s" % (rel, line, col, col + 1, msg)


def element_changes(spec, rel, before, after):
    """Lines for each raw call of an element with ``changes:`` that the
    migration replaced by the typed element."""
    if not spec.changes:
        return []
    pt, mt = csrc.blank(before), csrc.blank(after)
    pfns, mfns = csrc.functions(pt), csrc.functions(mt)
    out = []
    for name, mfn in mfns.items():
        pfn = pfns.get(name)
        if pfn is None:
            continue
        for removed, added in hunks(pfn, mfn):
            typed = " ".join(s for s, _ in added)
            for s, off in removed:
                for fn, _, _ in csrc.calls(s, sorted(spec.changes)):
                    want, text = spec.changes[fn]
                    if not any(re.search(r"\b%s\s*\(" % t, typed)
                               for t in want):
                        continue
                    m = re.compile(r"\b%s\s*\(" % fn).search(pt, off)
                    out.append(_report(rel, pt, m.start() if m else off,
                                       "%s(): %s" % (name, text)))
    return out


def grown_structs(before, after):
    """Names of the structs whose definition in ``after`` has members that
    ``before`` does not."""
    old = {m.group(1): m.group(2) for m in STRUCT.finditer(csrc.blank(before))}
    out = set()
    for m in STRUCT.finditer(csrc.blank(after)):
        name, body = m.group(1), m.group(2)
        if name in old and body != old[name]:
            out.add(name)
    return out


def exported_sizes(rel, text, tags):
    """Lines of ``text`` where the whole size of a struct in ``tags`` goes
    outside the driver."""
    if not tags:
        return []
    bt = csrc.blank(text)
    out = []
    for name, fn in csrc.functions(bt).items():
        vs = {v: t for v, t in fn.variables().items() if t in tags}
        for s, off in fn.statements():
            hit = _size_of(s, tags, vs)
            if hit and EXPORTS.search(s) and not ALLOC.search(s):
                out.append(_report(rel, bt, off, "%s(): struct %s grows by "
                                   "the handle the migration adds beside its "
                                   "member, and this statement passes its "
                                   "whole size outside the driver: the "
                                   "exported state grows with it" % (name, hit)))
    # Initialisers outside functions: .statesize = sizeof(struct X).
    for m in re.finditer(r"\.\s*statesize\s*=\s*sizeof\s*\(\s*struct\s+(\w+)"
                         r"\s*\)", bt):
        if m.group(1) in tags:
            out.append(_report(rel, bt, m.start(), "struct %s grows by the "
                               "handle the migration adds beside its member, "
                               "and it is the algorithm's exported state "
                               "(.statesize): its size changes for every "
                               "user of export() and import()" % m.group(1)))
    return sorted(set(out))


def _size_of(stmt, tags, vs):
    for m in re.finditer(r"\bsizeof\s*\(\s*(?:struct\s+(\w+)|\*?\s*(\w+))\s*\)",
                         stmt):
        if m.group(1) in tags:
            return m.group(1)
        if m.group(2) in vs:
            return vs[m.group(2)]
    return None


def listed(spec, tree, before, changed):
    """Every behaviour change of the migration of ``changed`` files (paths
    in ``tree``; ``before`` holds each one's text before it) that the
    rules do not report, as report lines with paths relative to ``tree``."""
    out = []
    grown = set()
    for f in changed:
        with open(f, encoding="utf-8", errors="replace") as fh:
            after = fh.read()
        rel = os.path.relpath(f, tree)
        out += element_changes(spec, rel, before[f], after)
        grown |= grown_structs(before[f], after)
    if grown:
        dirs = {os.path.dirname(f) for f in changed}
        for d in sorted(dirs):
            for fn in sorted(os.listdir(d)):
                path = os.path.join(d, fn)
                if not fn.endswith(".c"):
                    continue
                text = before.get(path)
                if text is None:
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                out += exported_sizes(os.path.relpath(path, tree), text, grown)
    return sorted(set(out))
