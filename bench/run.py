# SPDX-License-Identifier: GPL-2.0
"""make bench: what the generated APIs cost, and how fast the tools are.

Writes bench/RESULTS.md and bench/text-delta.svg from one run:
  - object sizes (.text/.data/.bss) of every driver file the migration
    rewrites, before and after, same tree, config and compiler, under
    x86_64 allmodconfig (KASAN, UBSAN, ...) and under a lean defconfig with
    the drivers enabled (size.py);
  - instruction counts of the functions that differ, and a diff of their
    normalised instructions (lean config), and where the added bytes come
    from: the migrated files rebuilt against patched copies of the
    installed generated header, one suspected source removed at a time (in
    the scratch tree only) (attribution.py);
  - run time of the raw DMA API against the generated handles, from a
    KUnit benchmark suite (kernel_tests/bench/) booted on UML under its own
    .kunitconfig, without KASAN or DMA-API debug, under several code
    layouts, each booted several times (runtime.py);
  - the real `make gen` command cold and unchanged, an incremental make
    kunit (tools.py), and the migration over drivers/ (migration.py).
Not part of `make test`: nothing here asserts a timing.  common.py holds
what the parts share.

    run.py                 everything; writes bench/RESULTS.md
    run.py --only PART     one part, printed, RESULTS.md untouched
                           (PART: kunit, gen, objects), or render:
                           RESULTS.md again from the last full run's
                           measurements
"""

import json
import os
import pickle
import platform
import sys

import attribution
import per_line
import migration
import runtime
import size
import tools
from common import LEAN, ROOT, built, ktree, sh


def objects_section(configs, attrib, chart):
    """Sizes, where the added bytes come from, and the disassembly."""
    return (size.objects_section(configs, chart)
            + attribution.attribution_section(configs, attrib)
            + attribution.disassembly_section(configs, attrib))


def main(argv):
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    # Everything the bench builds is this checkout's own.
    cache = ktree.kernel_tree("checkout")
    src = ktree.kernel_tree("src")
    if only == "kunit":
        kb = runtime.kunit_layouts(src, cache)
        for name, flags, st, ok in kb["layouts"]:
            print(name, flags or "-", "ran" if ok else "FAILED",
                  json.dumps({c: round(v["ratio"], 4) for c, v in st.items()}))
        for case in sorted(kb["rounds"]):
            print(case, runtime.layout_ratio(kb, case))
        return 0 if all(ok for *_, ok in kb["layouts"]) else 1
    if only == "render":
        with open(os.path.join(cache, "bench-results.pickle"), "rb") as f:
            write_results(*pickle.load(f))
        return 0
    if only == "gen":
        print(json.dumps(tools.make_gen_timings(
            os.path.join(cache, "bench-gen"))))
        return 0

    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "gcc": sh(["gcc", "--version"]).splitlines()[0],
           "kernel": "linux-source-6.12 (Debian)"}

    # The migration on a pristine tree, with its own timing.
    if only == "objects" and os.path.exists(
            os.path.join(cache, "bench-tree", ".typestate-bench")):
        log = ""
    else:
        log = migration.migrate(cache)
    out["migrate_log"] = migration.log_lines(log)
    tree = os.path.join(cache, "bench-tree")
    files = migration.changed_files(tree)
    objs = [f[:-2] + ".o" for f in files if f.endswith(".c")]
    out["changed"] = files

    configs, attrib = {}, {}
    allmod = os.path.join(cache, "bench-build-allmod")
    lean = os.path.join(cache, "bench-build-lean")
    size.prepare_build(tree, allmod, None)
    size.prepare_build(tree, lean, size.LEAN_ENABLE)
    for name, build in (("allmodconfig", allmod), (LEAN, lean)):
        configs[name] = size.compare(tree, build, files, objs)
    # Every byte by its source line, in the lean configuration.
    out["per_line"] = per_line.measure(tree, lean, configs[LEAN])
    # One suspected source at a time: in the lean configuration only,
    # where no sanitiser adds code of its own, for the objects it builds.
    attrib[LEAN] = attribution.attribution(tree, lean, [
        (rel, obj) for rel, obj, _ in built(configs[LEAN])])
    if only == "objects":
        print("\n".join(objects_section(configs, attrib, [])
                        + per_line.lines_section(*out["per_line"], configs)
                        + reading(configs, attrib, None, None)))
        return 0

    gen = tools.make_gen_timings(os.path.join(cache, "bench-gen"))
    kb = runtime.kunit_layouts(src, cache)
    kunit_incr = tools.kunit_incremental(cache)

    # Every measurement of this run, so that RESULTS.md can be written
    # again from it (--only render) without measuring anew.
    with open(os.path.join(cache, "bench-results.pickle"), "wb") as f:
        pickle.dump((out, configs, attrib, gen, kb, kunit_incr), f)
    write_results(out, configs, attrib, gen, kb, kunit_incr)
    return 0


def write_results(out, configs, attrib, gen, kb, kunit_incr):
    lines = ["# Benchmarks", "",
             "Written by `make bench` (bench/run.py) in one run.", "",
             f"- machine: {out['machine']}", f"- compiler: {out['gcc']}",
             f"- kernel: {out['kernel']}", ""]
    chart = []
    if out.get("changed"):
        lines += [f"The migration changed {len(out['changed'])} files: "
                  + ", ".join(f"`{f}`" for f in out["changed"]) + ".", ""]
    lines += objects_section(configs, attrib, chart)
    if out.get("per_line"):
        lines += per_line.lines_section(*out["per_line"], configs)
    lines += runtime.kunit_section(kb)
    lines += tools.gen_lines(gen)
    lines += migration.tools_lines(out["migrate_log"])
    lines += [f"- incremental `make kunit` (one test file touched, no "
              f"self-test): {kunit_incr:.0f} s",
              f"- `make bench`'s KUnit benchmark (kunit.py build and boot, "
              f"incremental, under {len(kb.get('layouts', [])) or 1} code "
              f"layouts): {kb['secs']:.0f} s", ""]
    lines += ["![.text difference per object](text-delta.svg)", ""]
    lines += reading(configs, attrib, gen, kb)
    with open(os.path.join(ROOT, "bench", "RESULTS.md"), "w",
              encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(ROOT, "bench", "text-delta.svg"), "w",
              encoding="utf-8") as f:
        f.write(size.svg(chart))
    print("\n".join(lines))


def reading(configs, attrib, gen, kb):
    """The closing section, worded from the numbers of this run."""
    lines = ["## Reading these numbers", ""]
    lines += size.reading(configs)
    lines += attribution.reading(configs, attrib)
    lines.append("")
    if kb is None:
        return lines
    lines += runtime.reading(kb)
    lines.append("")
    lines += tools.reading(gen)
    return lines


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
