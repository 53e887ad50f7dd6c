# SPDX-License-Identifier: GPL-2.0
"""Where the added bytes come from: the migrated objects rebuilt against
copies of the installed generated headers, one suspected source removed
at a time, and the instructions of the functions that differ."""

import os
import re

from common import (LEAN, ROOT, DIFF_MAX_LINES, built, calls,
                    histogram_delta, insns, ktree, mnemonic_diff, mnemonics)
from size import build_error, build_objs, sizes


# Suspected sources of the added bytes, each a set of edits of the
# installed generated headers that removes it.  Only for measuring: the
# edited headers are built, never run, and live only in the scratch tree.
VARIANTS = [
    ("a", "no segment limit: UINT_MAX instead of dma_max_mapping_size() "
     "as max_segment, as sg_alloc_table_from_pages() passes",
     [(r"min_t\(size_t,\s*dma_max_mapping_size\(dev\),\s*UINT_MAX\)",
       "UINT_MAX")]),
    ("b", "no empty-page-list check (`if (!n_pages)` -EINVAL) in the "
     "constructors",
     [(r"\n\tif \(!n_pages\)\n\t\tret = -EINVAL;\n\telse\n", "\n"),
      (r"\n\tif \(!n_pages\)\n\t\treturn \(struct \w+\)\{ \.body = "
       r"ERR_PTR\(-EINVAL\) \};\n", "\n")]),
    ("c", "no emptying of the consumed or released handle "
     "(`ACCESS_PRIVATE(src, body) = NULL;` in transitions, "
     "`ACCESS_PRIVATE(h, body) = NULL;` in releases)",
     [(r"\n\tACCESS_PRIVATE\((?:src|h), body\) = NULL;", "")]),
    ("d", "no recording of dev/dir/attrs at map time (the stores only; "
     "unmap and sync still load them)",
     [(r"\n\tbody->(?:dev|dir|attrs) = \w+;", "")]),
    ("e", "release without the NULL/ERR_PTR() test",
     [(r"\n\tif \(IS_ERR_OR_NULL\(body\)\)\n\t\treturn;", "")]),
    ("f", "without the range hints (`__<prefix>_assume_body()`, "
     "`__<prefix>_assume_errno()`): what they save is negative here",
     [(r"\n\t__\w+_assume_(?:body\(body\)|errno\(ret\));", "")]),
]
# Variants that remove code the handles add; the others (the range hints)
# remove code that saves bytes, and stay out of the combined variant.
COSTS = set("abcde")
ALL = "%s together (every source of added code above)" % ", ".join(
    "(%s)" % k for k in sorted(COSTS))


def variant_headers(edits):
    """{header name: edited text} of the generated headers, and the number
    of places each edit changed."""
    hdr = os.path.join(ROOT, "generated", "include", "linux", "typestate")
    out, hits = {}, [0] * len(edits)
    for name in sorted(os.listdir(hdr)):
        with open(os.path.join(hdr, name), encoding="utf-8") as f:
            text = f.read()
        for i, (pat, repl) in enumerate(edits):
            text, n = re.subn(pat, repl, text)
            hits[i] += n
        out[name] = text
    return out, hits


def attribution(tree, build, pairs):
    """.text of each migrated object built against each header variant,
    and against all of them at once: {key: {"what", "hits", "text": {obj:
    bytes}, "funcs": {obj: mnemonics}}}.  The installed headers are put back
    before returning."""
    dest = os.path.join(tree, "include", "linux", "typestate")
    plan = [(k, what, edits) for k, what, edits in VARIANTS]
    plan.append(("all", ALL,
                 [e for k, _, edits in VARIANTS if k in COSTS
                  for e in edits]))
    res = {}
    try:
        for key, what, edits in plan:
            headers, hits = variant_headers(edits)
            for name, text in headers.items():
                with open(os.path.join(dest, name), "w",
                          encoding="utf-8") as f:
                    f.write(text)
            entry = {"what": what, "hits": sum(hits), "text": {},
                     "funcs": {}, "failed": []}
            paths, log = build_objs(tree, build, [o for _, o in pairs])
            for _, obj in pairs:
                path = paths.get(obj)
                if path is None:
                    entry["failed"].append(obj)
                    print(build_error(log, obj))
                    continue
                entry["text"][obj] = sizes(path)[".text"]
                entry["funcs"][obj] = mnemonics(path)
            res[key] = entry
    finally:
        ktree.install_headers(tree)
    # leave the real objects in the build dir
    build_objs(tree, build, [o for _, o in pairs])
    return res


def call_changes(fb, fa):
    """{callee: change in call sites} from one object's functions to
    another's, nonzero only."""
    out = {}
    for fn in set(fb) | set(fa):
        cb, ca = calls(fb.get(fn, [])), calls(fa.get(fn, []))
        for c in set(cb) | set(ca):
            out[c] = out.get(c, 0) + ca.count(c) - cb.count(c)
    return {c: n for c, n in sorted(out.items()) if n}


def attribution_section(configs, attrib):
    lines = ["## Where the added bytes come from", "",
             "Each migrated file rebuilt against a copy of the installed "
             "generated header with one suspected source edited out (in "
             "the bench's scratch tree only; these builds are measured, "
             "never run), then with all of them out. Each cell is what the "
             "variant saves against the real migrated object: .text bytes "
             "(which move in steps of 16, the alignment of a function) and "
             "instructions (padding excluded, so exact), and the call "
             "sites the variant removes (−) or adds (+). A variant whose "
             "edit matched nothing in the headers is marked n/a.", ""]
    for cfg in attrib:
        rows = [r for r in built(configs[cfg])
                if r[1] in {o for v in attrib[cfg].values()
                            for o in v["text"]}]
        objs = [obj for _, obj, _ in rows]
        lines += [f"### {cfg}", ""]
        for key, v in attrib[cfg].items():
            lines.append(f"- ({key}) {ALL if key == 'all' else v['what']}"
                         + ("" if v["hits"] else " (n/a: no match)"))
        lines += ["", "| variant | " + " | ".join(
                      os.path.basename(o) for o in objs) + " |",
                  "|---|" + "---:|" * len(objs)]
        after = {obj: (res["after"][0][".text"], insns(res["after"][2]))
                 for _, obj, res in rows}
        before = {obj: (res["before"][0][".text"], insns(res["before"][2]))
                  for _, obj, res in rows}
        lines.append("| migrated, as generated: adds | " + " | ".join(
            f"{after[o][0] - before[o][0]:+d} B, "
            f"{after[o][1] - before[o][1]:+d} insns" for o in objs) + " |")
        for key, v in attrib[cfg].items():
            cells = []
            for o in objs:
                if not v["hits"]:
                    cells.append("n/a")
                elif o not in v["text"]:
                    cells.append("did not build")
                else:
                    moved = call_changes(
                        [r for r in rows if r[1] == o][0][2]["after"][2],
                        v["funcs"][o])
                    cells.append(
                        f"{after[o][0] - v['text'][o]:+d} B, "
                        f"{after[o][1] - insns(v['funcs'][o]):+d} insns"
                        + "".join(f"; {c} {n:+d}"
                                  for c, n in moved.items()))
            lines.append(f"| ({key}) saves | " + " | ".join(cells) + " |")
        allv = attrib[cfg].get("all")
        if allv:
            lines.append("| left with all of them out | " + " | ".join(
                f"{allv['text'][o] - before[o][0]:+d} B, "
                f"{insns(allv['funcs'][o]) - before[o][1]:+d} insns"
                if o in allv["text"] else "did not build"
                for o in objs) + " |")
        lines.append("")
    return lines


# Functions shown in full in the disassembly section: the local
# lifecycle (map, walk, unmap, free in one function), the borrowed
# iteration, and whatever pins or unpins.  Every other function that
# differs gets one line.
REPRESENTATIVE = re.compile(r"^(pds_vfio_dirty_seq_ack|virtio_gpu_object_"
                            r"(create|shmem_init))\b|pin")


def disassembly_section(configs, attrib):
    """Per function that differs under the lean config: instruction
    counts and the calls that changed; for the representative ones also
    diffs of the normalised instructions, before → after and before → all
    header variants applied."""
    cfg = LEAN
    lines = [f"## Disassembly of the functions that differ ({cfg})", "",
             "Instructions normalised to the mnemonic, plus the symbol for "
             "calls and jumps through a relocation (objdump -dr), padding "
             "dropped, so that register allocation and offsets do not show "
             "up as differences. Diffs are given for the representative "
             "functions (the local lifecycle in dirty.o, the iteration over "
             "a borrowed table in virtgpu_object.o, and any pin or unpin), "
             f"each cut at {DIFF_MAX_LINES} lines; the other functions "
             "that differ are listed after them.", ""]
    rest = attrib.get(cfg, {}).get("all", {}).get("funcs", {})
    others = []
    for rel, obj, res in built(configs[cfg]):
        fb, fa = res["before"][2], res["after"][2]
        for fn in sorted(set(fb) | set(fa)):
            b, a = fb.get(fn, []), fa.get(fn, [])
            if b == a:
                continue
            cb, ca = calls(b), calls(a)
            moved = [f"{c} {cb.count(c)} → {ca.count(c)}"
                     for c in sorted(set(cb) | set(ca))
                     if cb.count(c) != ca.count(c)]
            r = rest.get(obj, {}).get(fn) if obj in rest else None
            if not REPRESENTATIVE.search(fn):
                others.append(
                    f"- `{fn}` ({os.path.basename(obj)}): {len(b)} → "
                    f"{len(a)} instructions"
                    + (f", {len(r)} with all header variants applied"
                       if r is not None else "")
                    + (f"; call sites {', '.join(moved)}" if moved else ""))
                continue
            lines += [f"### `{fn}` ({obj})", "",
                      f"- instructions: {len(b)} → {len(a)} "
                      f"({len(a) - len(b):+d})",
                      f"- call sites (calls and tail calls): {len(cb)} → "
                      f"{len(ca)}"]
            if moved:
                lines.append(f"- call sites that changed: {', '.join(moved)}")
            lines.append(f"- instructions added and removed, by kind: "
                         f"{histogram_delta(b, a)}")
            if r is not None:
                lines += [f"- with every header variant applied: "
                          f"{len(b)} → {len(r)} ({len(r) - len(b):+d}); "
                          f"by kind: {histogram_delta(b, r)}"]
            for title, new in (("before → after", a),
                               ("before → all header variants applied", r)):
                if new is None:
                    continue
                diff = mnemonic_diff(b, new)
                lines += ["", f"<details><summary>{title}: diff of the "
                          f"normalised instructions ({len(diff)} lines)"
                          "</summary>", "", "```diff", *diff, "```", "",
                          "</details>"]
            lines.append("")
    if others:
        lines += ["### Other functions that differ", "", *others, ""]
    return lines


def lean_config(sym):
    """A symbol's value in the lean build directory's .config."""
    cache = ktree.kernel_tree("checkout")
    try:
        with open(os.path.join(cache, "bench-build-lean", ".config"),
                  encoding="utf-8") as f:
            for line in f:
                if line.startswith(sym + "="):
                    return line.strip().split("=", 1)[1]
    except OSError:
        pass
    return "n"


def reading(configs, attrib):
    """The closing section's lines on where the added bytes come from,
    summed over the objects of the lean configuration."""
    lines = []
    cfg = LEAN
    rows = built(configs[cfg])
    before = {o: (res["before"][0][".text"], insns(res["before"][2]))
              for _, o, res in rows}
    after = {o: (res["after"][0][".text"], insns(res["after"][2]))
             for _, o, res in rows}
    added_b = sum(after[o][0] - before[o][0] for o in after)
    added_i = sum(after[o][1] - before[o][1] for o in after)
    att = attrib.get(cfg, {})
    if (added_b or added_i) and att:
        lines.append("  Measured one suspected source at a time (the "
                     "variant table above), summed over the objects:")
        res_of = {o: res for _, o, res in rows}
        for key, v in att.items():
            if key == "all":
                continue
            if not v["hits"]:
                lines.append(f"  - ({key}) {v['what']}: n/a, the headers "
                             "have no such code.")
                continue
            objs = [o for o in after if o in v["text"]]
            sb = sum(after[o][0] - v["text"][o] for o in objs)
            si = sum(after[o][1] - insns(v["funcs"][o]) for o in objs)
            who = ", ".join(
                f"{os.path.basename(o)} "
                f"{after[o][1] - insns(v['funcs'][o]):+d}"
                for o in objs if after[o][1] != insns(v["funcs"][o]))
            gone = {}
            for o in objs:
                for c, n in call_changes(res_of[o]["after"][2],
                                         v["funcs"][o]).items():
                    gone[c] = gone.get(c, 0) + n
            gone = {c: n for c, n in gone.items() if n}
            lines.append(
                f"  - ({key}) {v['what']}: saves {sb:+d} bytes, "
                f"{si:+d} instructions" + (f" ({who})" if who else "")
                + (("; call sites " + ", ".join(
                    f"{c} {n:+d}" for c, n in sorted(gone.items()))
                    + (": the call goes, but the code around it grows "
                       "by as much" if sb == 0 and si == 0 else ""))
                   if gone else "") + ".")
        allv = att.get("all")
        if allv:
            objs = [o for o in after if o in allv["text"]]
            lb = sum(allv["text"][o] - before[o][0] for o in objs)
            li = sum(insns(allv["funcs"][o]) - before[o][1] for o in objs)
            ab = sum(after[o][0] - allv["text"][o] for o in objs)
            ai = sum(after[o][1] - insns(allv["funcs"][o]) for o in objs)
            moved, zeroing = {}, []
            for _, o, res in rows:
                if o not in allv["funcs"]:
                    continue
                for c, n in call_changes(res["before"][2],
                                         allv["funcs"][o]).items():
                    moved[c] = moved.get(c, 0) + n
                stos = sum(f.count("rep_stos")
                           for f in allv["funcs"][o].values()) - sum(
                    f.count("rep_stos") for f in res["before"][2].values())
                if stos > 0:
                    zeroing.append(os.path.basename(o))
            moved = {c: n for c, n in moved.items() if n}
            guard = sum(call_changes(res["before"][2],
                                     res["after"][2]).get(
                                         "__stack_chk_fail", 0)
                        for _, _, res in rows)
            lines.append(
                f"  - {ALL} save "
                f"{ab:+d} bytes, "
                f"{ai:+d} instructions; {lb:+d} bytes and {li:+d} "
                "instructions are left, which no edit of the header's "
                "bookkeeping removes."
                + (" Call sites that still differ from the original with "
                   "every variant applied (the migration calls the sg_table "
                   "forms of some functions, and the compiler may "
                   "duplicate a call on two paths): " + ", ".join(
                       f"{c} {n:+d}" for c, n in sorted(moved.items()))
                   + "." if moved else "")
                + (" In " + ", ".join(zeroing) + " the storage "
                   "(`struct sgt`, larger than the `struct sg_table` it "
                   "replaces) is zeroed with `rep stos` on entry, as "
                   "CONFIG_INIT_STACK_ALL_ZERO"
                   f"={lean_config('CONFIG_INIT_STACK_ALL_ZERO')} does to "
                   "every local; the original's smaller locals needed no "
                   "`rep stos`."
                   if zeroing else "")
                + " The rest is spread over the functions (see the "
                "before → all header variants diffs, and \"Where each "
                "added byte is\", which charges every byte to a source "
                "line). It is the handle's own work: where the raw code unmapped or synced with "
                "constants, or with values it still held in registers, the "
                "handle loads the device, size, direction and attributes "
                "its storage recorded (for a handle held in a driver "
                "struct, after loading the handle itself); a handle's "
                "storage is one more object whose address is taken"
                + (f", so -fstack-protector-strong guards more functions "
                   f"(__stack_chk_fail call sites {guard:+d} from before "
                   "to after)" if guard > 0 else "")
                + "; and registers the compiler allocates anew around "
                "them."
                + " The savings of single variants need not add up to "
                "the combined one: the compiler allocates registers and "
                "lays out the code anew each time.")
    return lines
