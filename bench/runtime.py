# SPDX-License-Identifier: GPL-2.0
"""Run time of the raw DMA API against the generated handles: the KUnit
benchmark suite of kernel_tests/bench/ booted on UML under its own
.kunitconfig, without KASAN or DMA-API debug, under several code layouts
(alignment flags for the benchmark object), each booted several times."""

import os
import re
import statistics
import subprocess
import sys
import time

from common import ROOT, ktree, mnemonic_diff, mnemonics

BENCH_KTEST = os.path.join(ROOT, "kernel_tests", "bench")
BENCH_HOOKS = (("Kconfig.debug", 'source "lib/typestate_bench/Kconfig"\n'),
               ("Makefile",
                "obj-$(CONFIG_TYPESTATE_BENCH_KUNIT) += typestate_bench/\n"))
BENCH_LINE = re.compile(r"typestate-bench: (\w+) round=(\d+) raw_ns=(\d+) "
                        r"gen_ns=(\d+) iters=(\d+)")
BENCH_TARGET = 1.01
# Per-round ratios whose quartiles lie further apart than this say that the
# host was too busy to judge the target (quiet runs on two cores: 1-2 %).
BENCH_NOISE = 0.05
# Code layouts the two loops are timed under: the benchmark object built
# with each set of alignment flags (the rest of the kernel is not rebuilt).
# One iteration of the dma_single loop takes a few nanoseconds, so where
# the assembler happens to put a loop head or a call moves its time by
# several per cent, in either direction, for the same instructions: one
# layout alone would measure the placement, not the API.
LAYOUTS = [("as built", ""),
           ("loops aligned to 32 bytes", "-falign-loops=32"),
           ("loops aligned to 64 bytes", "-falign-loops=64"),
           ("loops and jump targets aligned to 64 bytes",
            "-falign-loops=64 -falign-jumps=64"),
           ("labels aligned to 32 bytes", "-falign-labels=32")]


def install_bench(src, pristine):
    """lib/typestate_bench/ in ``src`` (the bench's own copy-on-write view
    of the read-only tree): the KUnit benchmark with its helper header, and
    its Kconfig and Makefile hooks on ``pristine``'s files.  Only files
    whose content changed are put in place, so kbuild stays incremental."""
    files = {n: os.path.join(BENCH_KTEST, n) for n in os.listdir(BENCH_KTEST)
             if n.endswith(".c") or n in ("Kconfig", "Makefile")}
    files["typestate_kunit.h"] = os.path.join(ROOT, "kernel_tests",
                                              "typestate_kunit.h")
    ktree.sync_dir(files, os.path.join(src, "lib", "typestate_bench"))
    for name, line in BENCH_HOOKS:
        ktree.hooked(os.path.join(src, "lib", name), line,
                     os.path.join(pristine, "lib", name))


# Boots of the UML kernel per layout: UML is a process of the host, and
# where the host places it moves the ratio of one boot by a few per cent
# too, so each layout's rounds are pooled over several boots.
BOOTS = 3


def kunit_layouts(pristine, cache):
    """kunit_bench() BOOTS times under every code layout of LAYOUTS: the
    result of the first boot of the first layout ("as built"), which the
    run-time section details, with "layouts": [(name, flags, {case:
    bench_stats() of the rounds of all its boots}, passed)] and "secs"
    summed over the runs."""
    out, layouts, secs = None, [], 0.0
    for name, flags in LAYOUTS:
        pooled, ok = {}, True
        for _ in range(BOOTS):
            kb = kunit_bench(pristine, cache, flags)
            secs += kb["secs"]
            ok = ok and kb["passed"] and bool(kb["rounds"])
            for case, rows in kb["rounds"].items():
                pooled.setdefault(case, []).extend(rows)
            if out is None:
                out = kb
        layouts.append((name, flags, {case: bench_stats(rows) for case, rows
                                      in pooled.items()}, ok))
    out["layouts"], out["secs"], out["boots"] = layouts, secs, BOOTS
    return out


def layout_ratio(kb, case):
    """The median over the code layouts of a case's median ratio, and the
    lowest and highest of those; None without layouts."""
    ratios = [st[case]["ratio"] for _, _, st, ok in kb.get("layouts", [])
              if ok and case in st]
    if not ratios:
        return None
    return statistics.median(ratios), min(ratios), max(ratios), len(ratios)


def kunit_bench(pristine, cache, cflags=""):
    """Build and boot the UML benchmark kernel (its own .kunitconfig, tree
    and build directory, without KASAN or DMA-API debug), with the
    benchmark object compiled with ``cflags`` too, and parse the rounds it
    prints: {case: [(raw_ns, gen_ns, iters), ...]}, and the run's wall
    time."""
    src = ktree.overlay("bench-kunit-tree", pristine)
    ktree.install_headers(src)
    install_bench(src, pristine)
    build = os.path.join(cache, "build-uml-bench")
    cmd = [sys.executable, "tools/testing/kunit/kunit.py", "run",
           f"--kunitconfig={os.path.join(BENCH_KTEST, '.kunitconfig')}",
           f"--build_dir={build}", f"--jobs={os.cpu_count() or 2}",
           "--timeout=900",
           f"--make_options=TYPESTATE_BENCH_CFLAGS={cflags}",
           "typestate_bench"]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=src, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    secs = time.monotonic() - t0
    log_path = os.path.join(build, "test.log")
    log = ""
    if os.path.exists(log_path):
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    rounds = {}
    for m in BENCH_LINE.finditer(log):
        rounds.setdefault(m.group(1), []).append(
            (int(m.group(3)), int(m.group(4)), int(m.group(5))))
    config = {}
    cfg = os.path.join(build, ".config")
    if os.path.exists(cfg):
        with open(cfg, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^(CONFIG_\w+)=(.*)$", line)
                if m:
                    config[m.group(1)] = m.group(2)
    passed = proc.returncode == 0
    if not passed or not rounds:
        print(proc.stdout[-4000:])
    obj = os.path.join(build, "lib", "typestate_bench",
                       "typestate_bench_kunit.o")
    code = mnemonics(obj) if os.path.exists(obj) else {}
    return {"rounds": rounds, "passed": passed, "secs": secs,
            "code": {f: code[f] for f in code if f.startswith("bench_")
                     and f.endswith(("_raw", "_gen"))},
            "kasan": config.get("CONFIG_KASAN", "n"),
            "dma_debug": config.get("CONFIG_DMA_API_DEBUG", "n"),
            "init_stack": config.get("CONFIG_INIT_STACK_ALL_ZERO", "n"),
            "need_sync": config.get("CONFIG_DMA_NEED_SYNC", "n"),
            "summary": [l for l in proc.stdout.splitlines()
                        if "Testing complete" in l or "passed" in l][-1:]}


def bench_stats(rows):
    """Medians of one case's rounds: ns per iteration and generated/raw."""
    raw = [r / n for r, _, n in rows]
    gen = [g / n for _, g, n in rows]
    ratios = [g / r for r, g, _ in rows]
    return {"raw": statistics.median(raw), "gen": statistics.median(gen),
            "ratio": statistics.median(ratios), "min": min(ratios),
            "max": max(ratios), "n": len(rows), "iters": rows[0][2],
            "q1": statistics.quantiles(ratios, n=4)[0] if len(rows) > 1
            else ratios[0],
            "q3": statistics.quantiles(ratios, n=4)[2] if len(rows) > 1
            else ratios[0]}


def kunit_section(kb):
    lines = ["## Run time: raw DMA API against the generated handles", ""]
    if not kb["rounds"]:
        return lines + ["The KUnit benchmark did not report: "
                        f"{' '.join(kb['summary'])}", ""]
    lines += ["KUnit suite `typestate_bench` (kernel_tests/bench/, its own "
              ".kunitconfig) booted on UML with kunit.py; "
              f"CONFIG_KASAN={kb['kasan']}, "
              f"CONFIG_DMA_API_DEBUG={kb['dma_debug']}. "
              "Each iteration maps, walks the DMA entries (sg_table: four "
              "pages that are not contiguous, so four entries), syncs for "
              "the CPU and for the device, and unmaps, through a real "
              "dma-direct KUnit device. Raw and generated alternate in "
              "rounds, and which goes first alternates too. The ratio is "
              "the median of the per-round ratios generated/raw. KUnit "
              f"verdict: {'passed' if kb['passed'] else 'FAILED'}."
              + (" UML builds with CONFIG_DMA_NEED_SYNC=n, so the two "
                 "syncs compile to nothing in both versions: what is "
                 "timed is map, walk and unmap."
                 if kb.get("need_sync", "n") == "n" else ""), "",
              "| case | rounds × iterations | raw ns/iter (median) | "
              "generated ns/iter (median) | ratio generated/raw (median) "
              "| ratio quartiles | ratio min–max | target ≤ "
              f"{BENCH_TARGET:.2f} |",
              "|---|---:|---:|---:|---:|---:|---:|---|"]
    for case, rows in sorted(kb["rounds"].items()):
        st = bench_stats(rows)
        lines.append(
            f"| {case} | {st['n']} × {st['iters']} | {st['raw']:.1f} | "
            f"{st['gen']:.1f} | {st['ratio']:.4f} | {st['q1']:.4f}–"
            f"{st['q3']:.4f} | {st['min']:.3f}–{st['max']:.3f} | "
            f"{'met' if st['ratio'] <= BENCH_TARGET else 'missed'} |")
    code = kb.get("code", {})
    for case, short in (("sg_table", "sgt"), ("dma_single", "single")):
        raw, gen = (code.get(f"bench_{short}_{v}") for v in ("raw", "gen"))
        if raw is None or gen is None:
            continue
        diff = mnemonic_diff(raw, gen)
        lines += ["", f"The two {case} loops as compiled for UML "
                  f"(`bench_{short}_raw` {len(raw)} instructions, "
                  f"`bench_{short}_gen` {len(gen)}; "
                  f"CONFIG_INIT_STACK_ALL_ZERO={kb['init_stack']}, "
                  f"CONFIG_DMA_NEED_SYNC={kb['need_sync']}):", "",
                  "<details><summary>diff of the normalised instructions, "
                  f"raw → generated ({len(diff)} lines)</summary>", "",
                  "```diff", *diff, "```", "", "</details>"]
    lines += layouts_table(kb)
    lines += ["", "<details><summary>every round (ns per batch)</summary>",
              "", "| case | round | raw ns | generated ns | ratio |",
              "|---|---:|---:|---:|---:|"]
    for case, rows in sorted(kb["rounds"].items()):
        for i, (r, g, _) in enumerate(rows):
            lines.append(f"| {case} | {i} | {r} | {g} | {g / r:.4f} |")
    lines += ["", "</details>", ""]
    return lines


def layouts_table(kb):
    """The median ratio of each case under each code layout."""
    layouts = kb.get("layouts")
    if not layouts:
        return []
    cases = sorted({c for _, _, st, _ in layouts for c in st})
    boots = kb.get("boots", 1)
    lines = ["", f"The same suite under {len(layouts)} code layouts: the "
             "benchmark object compiled with each set of alignment flags, "
             "the same instructions placed differently (the table above "
             "and the diffs are the first boot of the first), each booted "
             f"{boots} times, for UML is a process of the host and where "
             "the host puts it moves one boot's ratio as well. Each cell is "
             "the median ratio generated/raw of that layout's rounds over "
             "its boots; the last row is the median over the layouts, "
             "which the target is judged on.", "",
             "| layout | flags | " + " | ".join(cases) + " |",
             "|---|---|" + "---:|" * len(cases)]
    for name, flags, st, ok in layouts:
        lines.append(f"| {name} | {'`' + flags + '`' if flags else 'none'} | "
                     + " | ".join(f"{st[c]['ratio']:.4f}" if ok and c in st
                                  else "did not run" for c in cases) + " |")
    row = []
    for c in cases:
        lr = layout_ratio(kb, c)
        row.append(f"**{lr[0]:.4f}**" if lr else "n/a")
    lines.append("| median over the layouts | | " + " | ".join(row) + " |")
    return lines


def reading(kb):
    """The closing section's lines on the run-time ratio."""
    lines = []
    if kb["rounds"]:
        code = kb.get("code", {})
        short = {"sg_table": "sgt", "dma_single": "single"}
        for case, rows_ in sorted(kb["rounds"].items()):
            st = bench_stats(rows_)
            lr = layout_ratio(kb, case)
            ratio = lr[0] if lr else st["ratio"]
            met = ratio <= BENCH_TARGET
            noisy = st["q3"] - st["q1"] > BENCH_NOISE
            verdict = ("not measurable" if noisy and st["q3"] >= 1 and not lr
                       else "met" if met else "missed")
            raw = code.get(f"bench_{short.get(case)}_raw", [])
            gen_ = code.get(f"bench_{short.get(case)}_gen", [])
            where = (f"median {ratio:.4f} over {lr[3]} code layouts (from "
                     f"{lr[1]:.4f} to {lr[2]:.4f}); as built, "
                     if lr else "")
            lines.append(
                f"- **Run time ratio generated/raw ≤ {BENCH_TARGET:.2f} "
                f"({case}): {verdict}**: {where}median "
                f"{st['ratio']:.4f} over {st['n']} rounds of "
                f"{st['iters']} iterations (quartiles {st['q1']:.4f}–"
                f"{st['q3']:.4f}); {st['raw']:.1f} ns raw against "
                f"{st['gen']:.1f} ns generated per iteration, a difference "
                f"of {st['gen'] - st['raw']:+.1f} ns. The generated loop "
                f"has {len(gen_) - len(raw):+d} instructions "
                "(diff in the run-time section).")
            if lr and lr[2] - lr[1] > 2 * (BENCH_TARGET - 1):
                lines.append(
                    f"  The layouts alone move the ratio from {lr[1]:.4f} "
                    f"to {lr[2]:.4f}: the same instructions, placed "
                    "differently, so one layout's figure measures where "
                    "the loop landed as much as the API. The target is "
                    "judged on the median over the layouts.")
            elif st["q3"] < 1:
                lines.append(
                    "  The generated version is faster in every quartile "
                    "although it has more instructions, so the difference "
                    "is not the API's doing; the likeliest cause, code "
                    "placement, has not been measured. Read it as no "
                    "measurable cost.")
            elif noisy:
                lines.append(
                    f"  Not measurable in this run: the per-round ratios' "
                    f"quartiles span {st['q1']:.4f}–{st['q3']:.4f}, more "
                    f"than {BENCH_NOISE:.0%} apart, so the host was too "
                    "busy to tell a 1 % difference; read the instructions "
                    "instead (the diff in the run-time section).")
            elif not met:
                lines.append(
                    "  One iteration takes only a few nanoseconds on UML "
                    "(dma-direct, no IOMMU, no sync needed: "
                    f"CONFIG_DMA_NEED_SYNC={kb['need_sync']}), so a few "
                    "instructions show: the diff in the run-time section "
                    "shows which.")
        lines.append(
            "  Raw and generated alternate in every round, so host noise "
            "(UML is a process on a shared two-core machine) falls on both; "
            "the quartiles of the per-round ratios show how much is left.")
    else:
        lines.append("- **Run time ratio generated/raw: not measured**; "
                     "the KUnit benchmark did not report.")
    return lines
