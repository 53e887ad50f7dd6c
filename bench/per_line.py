# SPDX-License-Identifier: GPL-2.0
"""Where each added byte is: every migrated object of the lean
configuration built again with -g, before and after the migration, and
the bytes of each instruction of its .text summed by the source line
that objdump -l gives it.

GCC does not let -g change the code it generates (it checks this itself
with -fcompare-debug), and the bench checks it too: an object whose
instructions (objdump -d, function by function) differ from those built
without -g is left out and named.  An inlined
instruction carries the line of the innermost inlined function, so a byte
the generated header adds is charged to the line of that header, a byte
the raw API's inline functions add to theirs, and a byte of the driver's
own code to the driver's function (its lines move with the migration, its
functions do not).  Alignment padding (nops, and the __pfx_ stubs before
each function) is counted apart.  The sum over every source of an object
is its .text difference, to the byte."""

import functools
import os
import re

from common import LEAN, built, sh
from migration import changed_files, pristine
from size import build_objs, functions, sizes

SYMBOL = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
WHERE = re.compile(r"^(\S+):(\d+)(?: \(discriminator \d+\))?$")
INSN = re.compile(r"^\s+([0-9a-f]+):\t(.*)$")
PADDING = re.compile(r"^(?:nop|xchg\s+%ax,%ax|cs nop|data16|int3)")
GENERATED = os.path.join("include", "linux", "typestate", "")
# Headers charged by line; a driver's local header is its own code.
KERNEL_HEADERS = ("include" + os.sep, "arch" + os.sep)


def line_bytes(obj, tree):
    """{source: bytes} of ``obj``'s .text.  A source is ("padding",),
    ("line", file, line) for a line of a header under include/ or arch/
    (its file relative to ``tree``), or ("function", symbol) for the
    driver's own code: its .c file and its local headers."""
    text = sizes(obj)[".text"]
    rows, where, sym = [], None, None
    dump = sh(["objdump", "-d", "-l", "--no-show-raw-insn", "-j", ".text",
               obj])
    for line in dump.splitlines():
        m = SYMBOL.match(line)
        if m:
            sym, where = m.group(2), None
            continue
        m = WHERE.match(line)
        if m:
            where = (os.path.relpath(os.path.normpath(os.path.join(
                tree, m.group(1))), tree), int(m.group(2)))
            continue
        m = INSN.match(line)
        if m and sym is not None:
            rows.append((int(m.group(1), 16), sym, where, m.group(2).strip()))
    out = {}
    for i, (addr, sym, where, insn) in enumerate(rows):
        size = (rows[i + 1][0] if i + 1 < len(rows) else text) - addr
        if sym.startswith("__pfx_") or PADDING.match(insn):
            key = ("padding",)
        elif where is None or not where[0].startswith(KERNEL_HEADERS):
            key = ("function", sym)
        else:
            key = ("line",) + where
        out[key] = out.get(key, 0) + size
    return out


def measure(tree, build, rows):
    """({obj: {"before", "after": {source: bytes}}} of each object of
    ``rows`` (the lean configuration's, see size.compare) built with -g,
    {obj: why} of the objects left out, {source: label} of every header
    line seen)."""
    objs = [obj for _, obj, _ in built(rows)]
    expect = {obj: res for _, obj, res in built(rows)}
    # Every file the migration changed, local headers too: the -g builds
    # see all of them as shipped, then all as migrated.
    migrated = {}
    for rel in changed_files(tree):
        with open(os.path.join(tree, rel), "rb") as f:
            migrated[rel] = f.read()
    out, left = {}, {}
    try:
        for label in ("before", "after"):
            for rel, text in migrated.items():
                with open(os.path.join(tree, rel), "wb") as f:
                    f.write(pristine(rel) if label == "before" else text)
            paths, _ = build_objs(tree, build, objs, ["KCFLAGS=-g"])
            for obj in objs:
                path = paths.get(obj)
                if path is None:
                    left[obj] = f"did not build with -g ({label})"
                    continue
                if functions(path) != expect[obj][label][1]:
                    left[obj] = (f"-g changed its instructions {label} "
                                 "the migration")
                    continue
                out.setdefault(obj, {})[label] = line_bytes(path, tree)
    finally:
        for rel, text in migrated.items():
            with open(os.path.join(tree, rel), "wb") as f:
                f.write(text)
    out = {o: v for o, v in out.items() if len(v) == 2 and o not in left}
    labels = {k: _label(tree, k) for v in out.values()
              for side in v.values() for k in side if k[0] == "line"}
    return out, left, labels


@functools.lru_cache(maxsize=None)
def _source_lines(tree, path):
    """The lines of ``path`` under ``tree``, none if it cannot be read."""
    try:
        with open(os.path.join(tree, path), encoding="utf-8") as f:
            return f.read().splitlines()
    except OSError:
        return []


def _label(tree, key):
    """A source as a table cell: the header line with its text and the
    generated function it is in, the driver's function, or padding.
    Without ``tree``, a header line is named by file and number only."""
    if key[0] == "padding":
        return "alignment padding"
    if key[0] == "function":
        return f"the driver's own code in `{key[1]}()`"
    path, n = key[1], key[2]
    lines = _source_lines(tree, path) if tree else []
    text = lines[n - 1].strip() if n <= len(lines) else ""
    fn = ""
    if path.startswith(GENERATED):
        for k in range(min(n, len(lines)) - 1, -1, -1):
            m = re.match(r"^(?:static\s+inline\s+|static\s+__always_inline"
                         r"\s+)?[\w\s\*]*?\b(\w+)\(", lines[k])
            if m and not lines[k].startswith(("\t", " ", "#")):
                fn = f" in `{m.group(1)}()`"
                break
    return f"`{path}:{n}`{fn}: `{text}`" if text else f"`{path}:{n}`"


# Why the bytes of each source stay, by what its code does.  The
# generated header's lines are told apart by the forms its templates
# write: the storage is always ``body``, a handle is emptied with
# ACCESS_PRIVATE(<handle>, body) = NULL, and the range hints are the
# __<prefix>_assume_*() helpers.  First match wins.
GENERATED_KINDS = (
    ("hint", re.compile(r"__\w+_assume_\w+\(")),
    ("empty", re.compile(r"^ACCESS_PRIVATE\(\w+, body\) = NULL;")),
    ("record", re.compile(r"^body(?:->\w+|\.\w+)+ = ")),
    ("load", re.compile(r"\bbody = __\w+_body\(|^return body(?:->|\.)")),
    # A call of anything but a generated helper, or the continuation
    # line of one.
    ("call", re.compile(r"^(?:\w+ = )?(?!__)\w+\(|^[\w&>.-]+(?:,|\);)$")),
)
WHY = {
    "record": ("the handle records what its release and operations "
               "need (the raw code passed it again at each call, often as "
               "a constant); the kernel's barriers (asm with a \"memory\" "
               "clobber: locks, MMIO accessors, wmb()) keep the storage in "
               "memory across them, so the stores stay"),
    "empty": ("a handle that moved on or was released is emptied, so that "
              "its __free() cleanup or <prefix>_release_if_live() skips it "
              "and a second explicit release faults at the bug instead of "
              "releasing twice: state the raw code did not keep"),
    "load": ("the handle is a pointer to its storage: the release and the "
             "operations read back the storage pointer and what was "
             "recorded, where the raw code had them in registers or as "
             "constants"),
    "hint": ("the range hints that let <prefix>_is_err() fold into the raw "
             "call's own test: variant (f) of the section above measures "
             "the objects without them"),
    "call": ("the raw API's own calls, now made from the generated "
             "header with arguments read from the storage; the driver's "
             "own code lost its copy of them"),
    "frame": ("the inlined function's frame: its error return and the "
              "register moves and block order around it"),
    "kernel": ("the kernel's own inline functions behind the raw calls, "
               "compiled where the calls now are"),
    "driver": ("the driver's own code around the calls: register "
               "allocation and block order move with the inlined code"),
    "padding": "alignment of functions and loops (-falign-*)",
}

WHAT = {"record": "a store into the handle's storage",
        "empty": "the emptying of a handle that moved on",
        "load": "a read of the storage",
        "hint": "a range hint",
        "call": "a raw call, made from the header",
        "frame": "the frame of an inlined function",
        "kernel": "a kernel header's inline code",
        "driver": "the driver's own code",
        "padding": "padding"}


def reason(key, label):
    """What the code of a source does, a key of WHY: for a line of the
    generated header, by its text as ``label`` quotes it (_label)."""
    if key[0] == "padding":
        return "padding"
    if key[0] == "function":
        return "driver"
    if not key[1].startswith(GENERATED):
        return "kernel"
    m = re.search(r"(?: in `(\w+)\(\)`)?: `(.*)`$", label or "")
    if not m:
        return "frame"
    fn, text = m.group(1) or "", m.group(2)
    if re.match(r"^__\w+_assume_\w+$", fn):
        return "hint"
    for kind, pattern in GENERATED_KINDS:
        if pattern.search(text):
            return kind
    return "frame"


def delta(res):
    """{source: after - before bytes}, nonzero only."""
    b, a = res["before"], res["after"]
    d = {k: a.get(k, 0) - b.get(k, 0) for k in set(a) | set(b)}
    return {k: v for k, v in d.items() if v}


def lines_section(measured, left, labels, configs):
    """Per object above 0 and over all objects: where the added bytes
    are, by source."""
    lines = ["## Where each added byte is", "",
             "Each migrated object of the lean configuration built again "
             "with `-g` (which changes no instruction: the bench checks "
             "that objdump shows the same instructions, function by "
             "function), before and after, and every "
             "instruction's bytes charged to the source line `objdump -l` "
             "gives it: a line of the generated header or of a kernel "
             "header whose inline functions the code uses, the driver's "
             "own function (its lines move with the migration, its "
             "functions do not), or alignment padding. An object's sources "
             "add up to its `.text` difference, to the byte.", ""]
    if left:
        lines += ["Left out: " + "; ".join(
            f"{o} ({why})" for o, why in sorted(left.items())) + ".", ""]
    expect = {obj: res["after"][0][".text"] - res["before"][0][".text"]
              for _, obj, res in built(configs[LEAN])}
    total, per_obj = {}, []
    for obj in sorted(measured):
        d = delta(measured[obj])
        if sum(d.values()) != expect[obj]:
            lines.append(f"- {obj}: the sources add up to "
                         f"{sum(d.values()):+d} bytes, not its "
                         f"{expect[obj]:+d}: not attributed.")
            continue
        for k, v in d.items():
            total[k] = total.get(k, 0) + v
        if expect[obj] > 0:
            per_obj.append((obj, d))
    kinds = {"generated": 0, "kernel": 0, "driver": 0, "padding": 0}
    for k, v in total.items():
        kinds[_kind(k)] += v
    lines += [f"Over the {len(measured)} objects: "
              + ", ".join(f"{_KIND[k]} {v:+d} bytes"
                          for k, v in kinds.items())
              + f"; {sum(kinds.values()):+d} in all.", ""]
    by_why = {}
    for k, v in total.items():
        w = reason(k, labels.get(k))
        by_why[w] = by_why.get(w, 0) + v
    lines += ["Every byte by what its code does (summed over the objects), "
              "and why it stays:", "",
              "| what the code does | bytes | why it stays |",
              "|---|---:|---|"]
    for w in WHY:
        if by_why.get(w):
            lines.append(f"| {WHAT[w]} | {by_why[w]:+d} | {WHY[w]} |")
    lines += ["",
              "By function of the generated header (the lines of each, "
              "summed over the objects):", "", "| function | bytes |",
              "|---|---:|"]
    by_fn = {}
    for k, v in total.items():
        if k[0] == "line" and k[1].startswith(GENERATED):
            m = re.search(r" in `(\w+)\(\)`", labels.get(k, ""))
            fn = m.group(1) if m else k[1]
            by_fn[fn] = by_fn.get(fn, 0) + v
    for fn, v in sorted(by_fn.items(), key=lambda x: (-x[1], x[0])):
        lines.append(f"| `{fn}()` | {v:+d} |")
    lines += ["",
              "The header lines that add or remove the most, summed over "
              "the objects:", "", "| source | what | bytes |",
              "|---|---|---:|"]
    rank = sorted(((v, k) for k, v in total.items() if k[0] == "line"),
                  key=lambda x: (-abs(x[0]), x[1]))
    for v, k in rank[:25]:
        lines.append(_row(k, v, labels))
    lines += ["", "Each object above 0, every source whose bytes "
              "changed:", ""]
    for obj, d in per_obj:
        lines += [f"### {obj}: {sum(d.values()):+d} bytes", "",
                  "| source | what | bytes |", "|---|---|---:|"]
        for k, v in sorted(d.items(), key=lambda x: (-x[1], x[0])):
            lines.append(_row(k, v, labels))
        lines.append("")
    return lines


def _row(key, v, labels):
    label = labels.get(key) or _label(None, key)
    return f"| {label} | {WHAT[reason(key, label)]} | {v:+d} |"


_KIND = {"generated": "the generated header", "kernel": "kernel headers",
         "driver": "the drivers' own functions", "padding": "padding"}


def _kind(key):
    if key[0] == "padding":
        return "padding"
    if key[0] == "function":
        return "driver"
    return "generated" if key[1].startswith(GENERATED) else "kernel"
