# SPDX-License-Identifier: GPL-2.0
"""make bench: what the generated APIs cost, and how fast the tools are.

Writes bench/RESULTS.md and bench/text-delta.svg from one run:
  - object sizes (.text/.data/.bss) of every driver file the migration
    rewrites, before and after, same tree, config and compiler, under
    x86_64 allmodconfig (KASAN, UBSAN, ...) and under a lean defconfig with
    the drivers enabled;
  - instruction counts of the functions that differ, and a diff of their
    normalised instructions (lean config);
  - where the added bytes come from: the migrated files rebuilt against
    patched copies of the installed generated header, one suspected source
    removed at a time (in the scratch tree only);
  - run time of the raw DMA API against the generated handles, from a
    KUnit benchmark suite (kernel_tests/bench/) booted on UML under its own
    .kunitconfig, without KASAN or DMA-API debug;
  - the real `make gen` command cold and unchanged, the migration over
    drivers/, an incremental make kunit.
Not part of `make test`: nothing here asserts a timing.

    run.py                 everything; writes bench/RESULTS.md
    run.py --only PART     one part, printed, RESULTS.md untouched
                           (PART: kunit, gen, objects), or render:
                           RESULTS.md again from the last full run's
                           measurements
"""

import difflib
import functools
import json
import os
import pickle
import platform
import re
import statistics
import subprocess
import sys
import shutil
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
sys.path.insert(0, os.path.join(ROOT, "kernel_tests"))
import tree as ktree  # noqa: E402

BENCH_KTEST = os.path.join(ROOT, "kernel_tests", "bench")
BENCH_HOOKS = (("Kconfig.debug", 'source "lib/typestate_bench/Kconfig"\n'),
               ("Makefile",
                "obj-$(CONFIG_TYPESTATE_BENCH_KUNIT) += typestate_bench/\n"))
BENCH_LINE = re.compile(r"typestate-bench: (\w+) round=(\d+) raw_ns=(\d+) "
                        r"gen_ns=(\d+) iters=(\d+)")
BENCH_TARGET = 1.01
LEAN = "defconfig + drivers"
TARBALL = "/usr/src/linux-source-6.12.tar.xz"
# Drivers the lean config must build as modules to compile migrated files.
LEAN_ENABLE = ["DRM", "DRM_VIRTIO_GPU", "VFIO", "VFIO_PCI_CORE",
               "PDS_VFIO_PCI", "PDS_CORE", "VIRTIO_MENU", "VIRTIO_PCI"]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw).stdout


def timed(cmd, **kw):
    t0 = time.monotonic()
    out = sh(cmd, **kw)
    return time.monotonic() - t0, out


def sizes(obj):
    out = {}
    for line in sh(["size", "-A", obj]).splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in (".text", ".data", ".bss"):
            out[parts[0]] = int(parts[1])
    return out


def functions(obj):
    """{function: [instruction mnemonics]} from objdump."""
    funcs, cur = {}, None
    for line in sh(["objdump", "-d", "--no-show-raw-insn", obj]).splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
        elif cur and re.match(r"^\s+[0-9a-f]+:\t", line):
            insn = line.split("\t", 1)[1].strip()
            funcs[cur].append(re.sub(r"\s+[0-9a-f]+ <.*>$", "", insn))
    return funcs


def prepare_build(tree, build, enable):
    """An x86_64 build directory for the bench's tree: allmodconfig when
    ``enable`` is None, else defconfig with those drivers enabled."""
    if os.path.exists(os.path.join(build, ".typestate-prepared")):
        return
    os.makedirs(build, exist_ok=True)
    make = ["make", "-s", "-C", tree, f"O={build}"]
    if enable is None:
        sh(make + ["allmodconfig"])
    else:
        sh(make + ["defconfig"])
        args = []
        for sym in enable:
            args += ["-m", sym] if sym not in ("DRM", "VFIO", "VIRTIO_MENU") \
                else ["-e", sym]
        sh([os.path.join(tree, "scripts", "config"), "--file",
            os.path.join(build, ".config"), *args])
        sh(make + ["olddefconfig"])
    sh(make + [f"-j{os.cpu_count()}", "prepare"])
    open(os.path.join(build, ".typestate-prepared"), "w").close()


def snapshot(mcache, tree):
    """Copy the tree scripts/migrate-check.sh just migrated (in the bench's
    own cache ``mcache``), with its summary, to the bench's scratch tree,
    where the objects are built before and after and against the header
    variants; the next migrate-check, which extracts its tree anew, then
    cannot pull the sources from under those builds."""
    with open(os.path.join(mcache, "migrate-summary.json"),
              encoding="utf-8") as f:
        summary = f.read()
    if os.path.exists(tree):
        # Files that did not change keep their mtimes, so the prepared
        # build directories stay valid and only what changed is rebuilt.
        sh(["rsync", "-a", "--delete", "--exclude=/.typestate-bench",
            os.path.join(mcache, "migrate-tree") + "/", tree + "/"])
    else:
        sh(["cp", "-a", os.path.join(mcache, "migrate-tree"), tree])
    with open(os.path.join(tree, ".typestate-bench"), "w",
              encoding="utf-8") as f:
        f.write(summary)


@functools.lru_cache(maxsize=None)
def pristine_src():
    return sh([os.path.join(SCRIPTS, "kernel-tree.sh"), "src"]).strip()


def pristine(rel):
    """A file as Debian ships it: from the cached pristine tree that
    scripts/kernel-tree.sh extracts (nothing writes under its drivers/),
    else from the tarball."""
    path = os.path.join(pristine_src(), rel)
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    with tarfile.open(TARBALL) as tf:
        return tf.extractfile(f"linux-source-6.12/{rel}").read()


def build_obj(tree, build, obj):
    sh(["make", "-s", "-C", tree, f"O={build}", f"-j{os.cpu_count()}", obj])
    return os.path.join(build, obj)


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


def kunit_bench(pristine, cache):
    """Build and boot the UML benchmark kernel (its own .kunitconfig, tree
    and build directory, without KASAN or DMA-API debug) and parse the
    rounds it prints: {case: [(raw_ns, gen_ns, iters), ...]}, and the
    run's wall time."""
    src = ktree.overlay("bench-kunit-tree", pristine)
    ktree.install_headers(src)
    install_bench(src, pristine)
    build = os.path.join(cache, "build-uml-bench")
    cmd = [sys.executable, "tools/testing/kunit/kunit.py", "run",
           f"--kunitconfig={os.path.join(BENCH_KTEST, '.kunitconfig')}",
           f"--build_dir={build}", f"--jobs={os.cpu_count() or 2}",
           "--timeout=900", "typestate_bench"]
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


def mnemonics(obj):
    """{function: [normalised instructions]} from objdump -dr, without the
    padding nops: the mnemonic alone, and for an instruction with a
    relocation (a call, a jump, or on UML the movabs that loads a callee's
    address) the symbol it names.
    Registers, offsets and addresses are dropped, so a diff shows what the
    code does differently, not how registers were allocated."""
    funcs, cur = {}, None
    out = sh(["objdump", "-dr", "--no-show-raw-insn", obj])
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
            continue
        if not cur:
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+R_X86_64_\w+\s+([^\s+-]+)", line)
        if m and funcs[cur] and len(funcs[cur][-1].split()) == 1:
            funcs[cur][-1] += f" {m.group(1)}"
            continue
        m = re.match(r"^\s+[0-9a-f]+:\t(\S+)\s*(\S*)", line)
        if not m or m.group(1).startswith(("nop", "data16", "cs")):
            continue            # alignment padding
        if m.group(1) in ("rep", "repz", "repnz", "lock"):
            funcs[cur].append(f"{m.group(1)}_{m.group(2)}")
        else:
            funcs[cur].append(m.group(1))
    return funcs


def changed_files(tree):
    """The files the migration changed in ``tree`` (a copy of an
    extracted tarball, so everything else keeps the tarball's mtimes),
    relative to it: the migrated sources, and the headers and other
    sources it changed with them (a struct gaining a handle member)."""
    stamp = os.path.getmtime(os.path.join(tree, "Makefile"))
    out = []
    for top in ("drivers", "include", "sound", "net"):
        for dirpath, dirnames, names in os.walk(os.path.join(tree, top)):
            if os.path.relpath(dirpath, tree) == os.path.join(
                    "include", "linux"):
                dirnames[:] = [d for d in dirnames if d != "typestate"]
            for name in names:
                path = os.path.join(dirpath, name)
                if os.path.getmtime(path) <= stamp:
                    continue
                rel = os.path.relpath(path, tree)
                with open(path, "rb") as f:
                    if f.read() != pristine(rel):
                        out.append(rel)
    return sorted(out)


def compare(tree, build, files, objs):
    """Build each object with every changed file as shipped (before) and
    as migrated (after): rows of (object, {label: (sizes, functions,
    mnemonics)}), None for a build that failed (the config may not
    enable the driver, or the migration broke it); failures are
    printed."""
    migrated = {}
    for rel in files:
        with open(os.path.join(tree, rel), "rb") as f:
            migrated[rel] = f.read()
    res = {obj: {} for obj in objs}
    try:
        for label in ("before", "after"):
            for rel in files:
                with open(os.path.join(tree, rel), "wb") as f:
                    f.write(pristine(rel) if label == "before"
                            else migrated[rel])
            for obj in objs:
                try:
                    path = build_obj(tree, build, obj)
                except subprocess.CalledProcessError as e:
                    print(f"bench: {obj} ({label}) did not build in "
                          f"{os.path.basename(build)}:\n{e.stdout[-1500:]}")
                    res[obj][label] = None
                    continue
                res[obj][label] = (sizes(path), functions(path),
                                   mnemonics(path))
    finally:
        for rel in files:
            with open(os.path.join(tree, rel), "wb") as f:
                f.write(migrated[rel])
    return [(obj[:-2] + ".c", obj, res[obj]) for obj in objs]


def built(rows):
    """The rows whose object built both before and after."""
    return [r for r in rows if r[2]["before"] and r[2]["after"]]


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
    ("c", "no emptying of the consumed handle "
     "(`ACCESS_PRIVATE(src, body) = NULL;`) in transitions",
     [(r"\n\tACCESS_PRIVATE\(src, body\) = NULL;", "")]),
    ("d", "no recording of dev/dir/attrs at map time (the stores only; "
     "unmap and sync still load them)",
     [(r"\n\tbody->(?:dev|dir|attrs) = \w+;", "")]),
    ("e", "release without the NULL/ERR_PTR() test",
     [(r"\n\tif \(IS_ERR_OR_NULL\(body\)\)\n\t\treturn;", "")]),
]


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
    plan.append(("all", "all of the above together",
                 [e for _, _, edits in VARIANTS for e in edits]))
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
            for _, obj in pairs:
                try:
                    path = build_obj(tree, build, obj)
                except subprocess.CalledProcessError as e:
                    entry["failed"].append(obj)
                    print(e.stdout[-2000:])
                    continue
                entry["text"][obj] = sizes(path)[".text"]
                entry["funcs"][obj] = mnemonics(path)
            res[key] = entry
    finally:
        ktree.install_headers(tree)
    for _, obj in pairs:       # leave the real objects in the build dir
        build_obj(tree, build, obj)
    return res


def gen_copy():
    """A copy of the committed repository in which `make gen` is timed, so
    that the run neither depends on nor disturbs work in progress."""
    dest = tempfile.mkdtemp(prefix="typestate-bench-gen.")
    archive = subprocess.run(["git", "-C", ROOT, "archive", "HEAD"],
                             check=True, stdout=subprocess.PIPE).stdout
    subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
    return dest


def make_gen_timings(cache):
    """Wall time of the real `make gen` command, in a copy of the
    committed repository: cold (no stamps, no compiled-template cache),
    unchanged, and after a spec is touched; and whether a hand edit of a
    generated file is undone by the next `make gen`."""
    work = gen_copy()
    stamps = os.path.join(cache, "stamps" + os.path.realpath(work))
    jinja = os.path.join(cache, "jinja")
    # A cache of its own (in this checkout's directory), so that the cold
    # runs do not empty the compiled-template cache other checkouts use.
    make = ["make", "-s", "-C", work, f"TYPESTATE_CACHE={cache}", "gen"]
    res = {"cold": [], "unchanged": [], "touched": []}
    try:
        for _ in range(3):
            shutil.rmtree(stamps, ignore_errors=True)
            shutil.rmtree(jinja, ignore_errors=True)
            res["cold"].append(timed(make)[0])
        for _ in range(10):
            res["unchanged"].append(timed(make)[0])
        spec = sorted(os.listdir(os.path.join(work, "specs")))[0]
        for _ in range(3):
            os.utime(os.path.join(work, "specs", spec))
            res["touched"].append(timed(make)[0])
        hdr = os.path.join(work, "generated", "include", "linux",
                           "typestate")
        victim = os.path.join(hdr, sorted(os.listdir(hdr))[0])
        with open(victim, encoding="utf-8") as f:
            good = f.read()
        with open(victim, "a", encoding="utf-8") as f:
            f.write("/* edited by hand */\n")
        sh(make)
        with open(victim, encoding="utf-8") as f:
            res["restored"] = f.read() == good
        res["check_gen"] = subprocess.run(
            ["make", "-s", "-C", work, f"TYPESTATE_CACHE={cache}",
             "check-gen"], check=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ).returncode == 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(stamps, ignore_errors=True)
    return res


def main(argv):
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    # Everything the bench builds is this checkout's own.
    cache = ktree.kernel_tree("checkout")
    src = ktree.kernel_tree("src")
    if only == "kunit":
        kb = kunit_bench(src, cache)
        print(json.dumps({k: v for k, v in kb.items() if k != "rounds"}))
        for case, rows in kb["rounds"].items():
            print(case, bench_stats(rows))
        return 0 if kb["passed"] and kb["rounds"] else 1
    if only == "render":
        with open(os.path.join(cache, "bench-results.pickle"), "rb") as f:
            write_results(*pickle.load(f))
        return 0
    if only == "gen":
        print(json.dumps(make_gen_timings(os.path.join(cache, "bench-gen"))))
        return 0

    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "gcc": sh(["gcc", "--version"]).splitlines()[0],
           "kernel": "linux-source-6.12 (Debian)"}

    # The migration on a pristine tree, with its own timing.
    if only == "objects" and os.path.exists(
            os.path.join(cache, "bench-tree", ".typestate-bench")):
        log = ""
    else:
        # migrate-check.sh with a directory of its own: it copies its tree
        # anew each time, and must not do so under a `make test`'s feet.
        mcache = os.path.join(cache, "bench-migrate")
        log = sh([os.path.join(SCRIPTS, "migrate-check.sh")],
                 env=dict(os.environ, MIGRATE_WORK=mcache))
        snapshot(mcache, os.path.join(cache, "bench-tree"))
    out["migrate_log"] = [l for l in log.splitlines()
                          if "candidate files" in l or "took" in l
                          or "slowest file groups" in l
                          or "files compiled" in l]
    tree = os.path.join(cache, "bench-tree")
    files = changed_files(tree)
    objs = [f[:-2] + ".o" for f in files if f.endswith(".c")]
    out["changed"] = files

    configs, attrib = {}, {}
    allmod = os.path.join(cache, "bench-build-allmod")
    lean = os.path.join(cache, "bench-build-lean")
    prepare_build(tree, allmod, None)
    prepare_build(tree, lean, LEAN_ENABLE)
    for name, build in (("allmodconfig", allmod),
                        ("defconfig + drivers", lean)):
        configs[name] = compare(tree, build, files, objs)
    # One suspected source at a time: in the lean configuration only,
    # where no sanitiser adds code of its own, for the objects it builds.
    attrib[LEAN] = attribution(tree, lean, [
        (rel, obj) for rel, obj, _ in built(configs[LEAN])])
    if only == "objects":
        print("\n".join(objects_section(configs, attrib, [])
                        + reading(configs, attrib, None, None)))
        return 0

    gen = make_gen_timings(os.path.join(cache, "bench-gen"))
    kb = kunit_bench(src, cache)
    sh([sys.executable, os.path.join(ROOT, "kernel_tests", "run_kunit.py"),
        "--no-selftest"])
    os.utime(os.path.join(src, "lib", "typestate", "sg_table_kunit.c"))
    kunit_incr, _ = timed([sys.executable, os.path.join(
        ROOT, "kernel_tests", "run_kunit.py"), "--no-selftest"])

    # Every measurement of this run, so that RESULTS.md can be written
    # again from it (--only render) without measuring anew.
    with open(os.path.join(cache, "bench-results.pickle"), "wb") as f:
        pickle.dump((out, configs, attrib, gen, kb, kunit_incr), f)
    write_results(out, configs, attrib, gen, kb, kunit_incr)
    return 0


def ms(values):
    return f"{statistics.median(values) * 1000:.0f} ms"


DIFF_MAX_LINES = 60


def mnemonic_diff(before, after):
    """A unified diff of two normalised instruction lists, runs of equal
    lines collapsed, capped at DIFF_MAX_LINES lines."""
    lines = list(difflib.unified_diff(before, after, "before", "after",
                                      n=1, lineterm=""))
    if len(lines) > DIFF_MAX_LINES:
        rest = len(lines) - DIFF_MAX_LINES
        lines = lines[:DIFF_MAX_LINES] + [f"... ({rest} more diff lines)"]
    return lines


def histogram_delta(before, after):
    """How many more (or fewer) of each instruction, e.g. "mov +7, lea
    +2, call dma_max_mapping_size +1", largest changes first."""
    names = set(before) | set(after)
    d = {n: after.count(n) - before.count(n) for n in names}
    d = sorted(((n, c) for n, c in d.items() if c),
               key=lambda x: (-abs(x[1]), x[0]))
    return ", ".join(f"{n} {c:+d}" for n, c in d) or "none"


def calls(insns):
    return sorted(i.split()[1] for i in insns
                  if i.startswith(("call", "jmp")) and len(i.split()) > 1
                  and not i.split()[1].startswith("__x86_return_thunk"))


def objects_section(configs, attrib, chart):
    lines = ["## Object size, before and after the migration", "",
             "Same tree, same configuration, same compiler; only the "
             "files the migration changed differ. Every source it changed "
             "is measured, also those it changed only because a struct in "
             "a shared header gained a handle member.", ""]
    for cfg, rows in configs.items():
        lines += [f"### {cfg}", "",
                  "| object | .text before | .text after | Δ .text | "
                  ".data Δ | .bss Δ |", "|---|---:|---:|---:|---:|---:|"]
        total = [0, 0]
        for rel, obj, res in rows:
            if not (res["before"] and res["after"]):
                bad = [k for k in ("before", "after") if not res[k]]
                lines.append(f"| {obj} | did not build "
                             f"{' or '.join(bad)} the migration in this "
                             "configuration | | | | |")
                continue
            b, a = res["before"][0], res["after"][0]
            d = a[".text"] - b[".text"]
            total[0] += b[".text"]
            total[1] += a[".text"]
            chart.append((f"{os.path.basename(obj)} ({cfg.split()[0]})", d))
            lines.append(f"| {obj} | {b['.text']} | {a['.text']} | {d:+d} | "
                         f"{a.get('.data', 0) - b.get('.data', 0):+d} | "
                         f"{a.get('.bss', 0) - b.get('.bss', 0):+d} |")
        lines += [f"| **total** | {total[0]} | {total[1]} | "
                  f"{total[1] - total[0]:+d} | | |", ""]
        lines += ["Functions whose code differs (instructions before → "
                  "after):", ""]
        for rel, obj, res in built(rows):
            fb, fa = res["before"][1], res["after"][1]
            for fn in sorted(set(fb) | set(fa)):
                if fb.get(fn) != fa.get(fn):
                    lines.append(f"- `{fn}` in {obj}: "
                                 f"{len(fb.get(fn, []))} → "
                                 f"{len(fa.get(fn, []))}")
        lines.append("")
    lines += attribution_section(configs, attrib)
    lines += disassembly_section(configs, attrib)
    return lines


def insns(funcs):
    """Instructions in an object, padding excluded: unlike .text, not
    rounded up to the 16-byte alignment of each function."""
    return sum(len(v) for v in funcs.values())


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
            lines.append(f"- ({key}) {v['what']}"
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
    lines += ["", "<details><summary>every round (ns per batch)</summary>",
              "", "| case | round | raw ns | generated ns | ratio |",
              "|---|---:|---:|---:|---:|"]
    for case, rows in sorted(kb["rounds"].items()):
        for i, (r, g, _) in enumerate(rows):
            lines.append(f"| {case} | {i} | {r} | {g} | {g / r:.4f} |")
    lines += ["", "</details>", ""]
    return lines


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
    lines += kunit_section(kb)
    unchanged = statistics.median(gen["unchanged"])
    lines += ["## Tools", "",
              "`make gen` is the real make command, timed in a copy of the "
              "committed repository.", "",
              f"- `make gen`, cold (no stamps, no compiled-template cache): "
              f"median {ms(gen['cold'])} over {len(gen['cold'])} runs",
              f"- `make gen`, nothing changed: median {ms(gen['unchanged'])}"
              f" over {len(gen['unchanged'])} runs, slowest "
              f"{max(gen['unchanged']) * 1000:.0f} ms (target < 100 ms: "
              f"{'met' if unchanged < 0.1 else 'missed'})",
              f"- `make gen`, one spec touched (the generator runs, nothing "
              f"to write): median {ms(gen['touched'])} over "
              f"{len(gen['touched'])} runs",
              "- `make gen` after a generated header was edited by hand: "
              f"{'restored it' if gen['restored'] else 'did NOT restore it'}"
              f", and `make check-gen` then "
              f"{'passed' if gen.get('check_gen') else 'FAILED'}"]
    for l in out["migrate_log"]:
        lines.append(f"- migration: {l.strip()}")
        m = re.search(r"migration of \S+ took (\d+) s", l)
        if m:
            secs = int(m.group(1))
            lines.append(
                f"- migration over drivers/ under 60 s on these "
                f"{os.cpu_count()} cores: {secs} s, target "
                f"{'met' if secs < 60 else 'missed'}. make migrate runs "
                "spatch once over every candidate, patch and report "
                "together, and moves the line numbers of what it "
                "reported in the files it changed through a diff of "
                "each (no second pass). Each spec's own time and its "
                "slowest file groups are in the lines above.")
    lines += [f"- incremental `make kunit` (one test file touched, no "
              f"self-test): {kunit_incr:.0f} s",
              f"- `make bench`'s KUnit benchmark (kunit.py build and boot, "
              f"incremental): {kb['secs']:.0f} s", ""]
    lines += ["![.text difference per object](text-delta.svg)", ""]
    lines += reading(configs, attrib, gen, kb)
    with open(os.path.join(ROOT, "bench", "RESULTS.md"), "w",
              encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(ROOT, "bench", "text-delta.svg"), "w",
              encoding="utf-8") as f:
        f.write(svg(chart))
    print("\n".join(lines))


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


def reading(configs, attrib, gen, kb):
    """The closing section, worded from the numbers of this run."""
    lines = ["## Reading these numbers", ""]
    cfg = LEAN
    rows = built(configs[cfg])
    broken = [obj for _, obj, res in configs[cfg]
              if not (res["before"] and res["after"])]
    before = {o: (res["before"][0][".text"], insns(res["before"][2]))
              for _, o, res in rows}
    after = {o: (res["after"][0][".text"], insns(res["after"][2]))
             for _, o, res in rows}
    added_b = sum(after[o][0] - before[o][0] for o in after)
    added_i = sum(after[o][1] - before[o][1] for o in after)
    lines.append(
        f"- **Zero-byte `.text` difference: "
        f"{'met' if added_b == 0 else 'missed'}** under the lean "
        f"configuration: {added_b:+d} bytes, {added_i:+d} instructions, "
        f"over the {len(rows)} migrated objects that built."
        + (f" Not counted, because they did not build after the "
           f"migration: {', '.join(broken)}." if broken else ""))
    allmod = built(configs.get("allmodconfig", []))
    if allmod:
        d = sum(r["after"][0][".text"] - r["before"][0][".text"]
                for _, _, r in allmod)
        lines.append(
            f"  Under allmodconfig the same migration adds {d:+d} bytes: "
            "KASAN, UBSAN and the other instrumentation of that "
            "configuration work on every access to the handles' storage "
            "as well. Only the lean configuration is attributed below.")
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
            lines.append(
                f"  - All of them out together save {ab:+d} bytes, "
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
                "before → all header variants diffs): read from those "
                "diffs, not measured one at a time, it is the handle "
                "returned as a pointer, tested with IS_ERR() and turned "
                "back into an errno with PTR_ERR_OR_ZERO() where the "
                "original tested an int, and the registers and stack "
                "slots the larger storage takes."
                + " The savings of single variants need not add up to "
                "the combined one: the compiler allocates registers and "
                "lays out the code anew each time.")
    lines.append("")
    if kb is None:
        return lines
    if kb["rounds"]:
        code = kb.get("code", {})
        short = {"sg_table": "sgt", "dma_single": "single"}
        for case, rows_ in sorted(kb["rounds"].items()):
            st = bench_stats(rows_)
            met = st["ratio"] <= BENCH_TARGET
            raw = code.get(f"bench_{short.get(case)}_raw", [])
            gen_ = code.get(f"bench_{short.get(case)}_gen", [])
            lines.append(
                f"- **Run time ratio generated/raw ≤ {BENCH_TARGET:.2f} "
                f"({case}): {'met' if met else 'missed'}**: median "
                f"{st['ratio']:.4f} over {st['n']} rounds of "
                f"{st['iters']} iterations (quartiles {st['q1']:.4f}–"
                f"{st['q3']:.4f}); {st['raw']:.1f} ns raw against "
                f"{st['gen']:.1f} ns generated per iteration, a difference "
                f"of {st['gen'] - st['raw']:+.1f} ns. The generated loop "
                f"has {len(gen_) - len(raw):+d} instructions "
                "(diff in the run-time section).")
            if st["q3"] < 1:
                lines.append(
                    "  The generated version is faster in every quartile "
                    "although it has more instructions, so the difference "
                    "is not the API's doing; the likeliest cause, code "
                    "placement, has not been measured. Read it as no "
                    "measurable cost.")
            elif not met:
                lines.append(
                    "  One iteration takes only a few nanoseconds on UML "
                    "(dma-direct, no IOMMU, no sync needed: "
                    f"CONFIG_DMA_NEED_SYNC={kb['need_sync']}), so a few "
                    "instructions show. The diff shows what they are: at "
                    "every map the handle's fields are stored into the "
                    "storage on the stack, and the returned handle is "
                    "tested with IS_ERR(), which the compiler does not "
                    "fold away for a pointer into that storage; with "
                    f"CONFIG_INIT_STACK_ALL_ZERO={kb['init_stack']} the "
                    "storage is also zeroed on entry (outside the loop). "
                    "Removing them is work for the generator.")
        lines.append(
            "  Raw and generated alternate in every round, so host noise "
            "(UML is a process on a shared two-core machine) falls on both; "
            "the quartiles of the per-round ratios show how much is left.")
    else:
        lines.append("- **Run time ratio generated/raw: not measured**; "
                     "the KUnit benchmark did not report.")
    lines.append("")
    unchanged = statistics.median(gen["unchanged"])
    lines.append(
        f"- **`make gen` under 100 ms when nothing changed: "
        f"{'met' if unchanged < 0.1 else 'missed'}** "
        f"({unchanged * 1000:.0f} ms). make lists the name, size and "
        "mtime of every spec, template, generator and generated file with "
        "one stat, compares the checksum with the one saved after the "
        "last successful run (outside the repository), and skips the "
        "Python start-up when they match; the dependency check is a stamp "
        "over dpkg's database. An earlier version compared mtimes with a "
        "stamp file, and this bench showed it missing a spec touched and a "
        "header edited right after a run: file times advance in clock "
        "ticks, so both could carry the stamp's time. When something "
        f"changed the generator runs, as the cold ({ms(gen['cold'])}) and "
        f"touched ({ms(gen['touched'])}) times show: Python start-up and "
        "importing jsonschema and Jinja2 are most of it.")
    return lines


def svg(bars):
    """A horizontal bar chart of .text deltas, as plain SVG."""
    width, row, left = 640, 28, 300
    scale = (width - left - 60) / max(1, max(abs(d) for _, d in bars))
    h = row * len(bars) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{h}" font-family="sans-serif" font-size="12">',
           '<text x="10" y="18" font-weight="bold">.text bytes added by '
           'the migration, per object</text>']
    for i, (label, d) in enumerate(bars):
        y = 30 + i * row
        w = max(1, abs(d) * scale)
        colour = "#c0392b" if d > 0 else "#27ae60"
        out.append(f'<text x="10" y="{y + 14}">{label}</text>')
        out.append(f'<rect x="{left}" y="{y + 3}" width="{w:.0f}" '
                   f'height="{row - 10}" fill="{colour}"/>')
        out.append(f'<text x="{left + w + 5:.0f}" y="{y + 14}">{d:+d}'
                   f'</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
