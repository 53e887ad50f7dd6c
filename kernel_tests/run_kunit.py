# SPDX-License-Identifier: GPL-2.0
"""Run the KUnit suites on UML and judge the whole kernel log.

    run_kunit.py            every typestate suite; then the harness self-test
    run_kunit.py --no-selftest

KUnit's verdict is not enough: DMA-API debug and KASAN report through the
kernel log without failing a case.  So the run fails when kunit.py fails, or
when the log of the run shows a DMA-API error, a KASAN report, or a
WARNING/BUG/Oops, whatever KUnit said.  The one WARNING every UML boot
prints (arch/um/drivers/virt-pci.c, um_pci_init) is recognised by its
location and neither fails the run nor hides another.

The self-test boots the same kernel twice, with harness_selftest_kunit.wrong_unmap=1
and with harness_selftest_kunit.leak=1, which make a test unmap with the
wrong direction or leave a mapping when its device goes, while every KUnit
case still passes; the harness must call each run a failure.

Then the coverage the generated suites report is compared with what the
specs declare (generated/kunit/*.coverage.json); it must be complete.
"""

import glob
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import progress  # noqa: E402
import tree  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What the harness needs; each spec's suite adds what it needs
# (generated/kunit/<spec>.kunitconfig, from kunit.config in the spec).
KUNITCONFIG = os.path.join(ROOT, "kernel_tests", ".kunitconfig")
SUITES = "typestate*"
SELFTEST = "harness_selftest_typestate*"
# The bugs the self-test plants, and what DMA-API debug says of each.
SELFTEST_BUGS = (
    ("wrong unmap direction", "wrong_unmap", "with different direction"),
    ("mapping left when the device goes", "leak",
     "has pending DMA allocations"),
)

# DMA-API debug's two informational lines at boot; any other DMA-API line
# is a report of a misuse.
DMA_DEBUG_INFO = re.compile(
    r"DMA-API: (preallocated \d+ debug entries|debugging enabled by kernel "
    r"config)\s*$")
KNOWN_BOOT_WARNING = re.compile(
    r"WARNING: .*arch/um/drivers/virt-pci\.c:\d+ um_pci_init")
BAD = [
    ("DMA-API error", re.compile(r"DMA-API: ")),
    ("KASAN report", re.compile(r"BUG: KASAN|KASAN: ")),
    ("WARNING", re.compile(r"WARNING: ")),
    ("BUG", re.compile(r"\bBUG: |kernel BUG at")),
    ("Oops", re.compile(r"\bOops\b|general protection fault|Kernel panic")),
]


EXPECT_MARK = re.compile(r"typestate-expect-warning: (.*\S)")
CASE_END = re.compile(r"^\s*(not )?ok \d+ ")


def scan_log(text):
    """Problems in a kernel log: list of (kind, line), and how many known
    or announced warnings were let through.

    A test that provokes a warning on purpose logs
    "typestate-expect-warning: REGEX" first; the next WARNING line is
    excused only if it matches REGEX.
    """
    problems = []
    known = 0
    expected = None
    for line in text.splitlines():
        if CASE_END.search(line):
            expected = None         # an announcement lasts one test case
        mark = EXPECT_MARK.search(line)
        if mark:
            expected = re.compile(mark.group(1))
            continue
        if KNOWN_BOOT_WARNING.search(line):
            known += 1
            continue
        if DMA_DEBUG_INFO.search(line):
            continue
        if expected and "WARNING: " in line and expected.search(line):
            known += 1
            expected = None
            continue
        for kind, pat in BAD:
            if pat.search(line):
                problems.append((kind, line.strip()))
                break
    return problems, known


KUNIT_STEP = re.compile(r"^\[[\d:]+\] ((Configuring|Building|Starting) "
                        r"KUnit Kernel.*?)( \.\.\.)?$")


def compose_kunitconfig(texts):
    """One .kunitconfig from the harness's and the specs' (in that order):
    each symbol once, in the order first seen; a symbol two of them set
    to different values is an error (SystemExit naming both)."""
    seen = {}
    lines = []
    for name, text in texts:
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            sym, _, value = line.partition("=")
            if sym in seen:
                if seen[sym][0] != value:
                    raise SystemExit(f"kunit: {name} sets {sym}={value} but "
                                     f"{seen[sym][1]} sets "
                                     f"{sym}={seen[sym][0]}")
                continue
            seen[sym] = (value, name)
            lines.append(line)
    return "".join(f"{line}\n" for line in lines)


def write_kunitconfig(path):
    texts = []
    for p in [KUNITCONFIG] + sorted(glob.glob(os.path.join(
            ROOT, "generated", "kunit", "*.kunitconfig"))):
        with open(p, encoding="utf-8") as f:
            texts.append((os.path.relpath(p, ROOT), f.read()))
    text = compose_kunitconfig(texts)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return text


def _phase(line):
    m = KUNIT_STEP.match(line.strip())
    return m.group(1) if m else None


def kunit(src, build, glob_, extra=(), echo=True, config=KUNITCONFIG):
    """kunit.py run in ``src``, its output echoed as it comes, with a
    heartbeat line while it builds or boots."""
    cmd = [sys.executable, "tools/testing/kunit/kunit.py", "run",
           f"--kunitconfig={config}", f"--build_dir={build}",
           f"--jobs={os.cpu_count() or 2}", "--timeout=600", *extra, glob_]
    t0 = time.monotonic()
    # A log left by an earlier run must not pass for this one's.
    try:
        os.unlink(os.path.join(build, "test.log"))
    except FileNotFoundError:
        pass
    rc, out = progress.run(cmd, "kunit.py", echo=echo, phase=_phase,
                           cwd=src,
                           env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    try:
        with open(os.path.join(build, "test.log"), encoding="utf-8",
                  errors="replace") as f:
            log = f.read()
    except FileNotFoundError:
        # kunit.py stopped before booting (a build error, shown above).
        log = ""
        if rc == 0:
            rc = 1
        print(f"kunit: no {build}/test.log: kunit.py stopped before the "
              "tests ran (the build error is above)", flush=True)
    return rc, out, log, time.monotonic() - t0


def coverage(log):
    """Compare 'typestate-cov:' lines in the log with the manifests."""
    seen = set(re.findall(r"typestate-cov: (\S+ \S+ \S+)", log))
    ok = True
    print("state coverage (exercised / declared):")
    for path in sorted(glob.glob(os.path.join(ROOT, "generated", "kunit",
                                              "*.coverage.json"))):
        with open(path, encoding="utf-8") as f:
            man = json.load(f)
        parts = []
        for kind in ("state", "constructor", "transition", "operation",
                     "release", "failure"):
            want = {f"{man['spec']} {kind} {item}" for item in man[kind]}
            got = want & seen
            parts.append(f"{kind}s {len(got)}/{len(want)}")
            for miss in sorted(want - got):
                print(f"  MISSING: {miss}")
                ok = False
        print(f"  {man['spec']}: " + ", ".join(parts))
    return ok


def main(argv):
    selftest = "--no-selftest" not in argv
    # The shared tree is read-only: kunit.py builds this checkout's
    # copy-on-write view of it, into this checkout's build directory.
    pristine = tree.kernel_tree("src")
    src = tree.overlay("kunit-tree", pristine)
    build = os.path.join(tree.kernel_tree("checkout"), "build-uml")
    tree.install_headers(src)
    tree.install_kunit(src, pristine)
    print(f"kunit: tree {src}, build directory {build}", flush=True)
    config = os.path.join(tree.kernel_tree("checkout"), "kunitconfig")
    print("kunit: configuration "
          + ", ".join(write_kunitconfig(config).split()), flush=True)

    rc, out, log, secs = kunit(src, build, SUITES, config=config)
    problems, known = scan_log(log)
    print(f"kunit: kunit.py exit {rc} in {secs:.0f} s; log scan: "
          f"{len(problems)} problem(s); {known} known or announced "
          "warning(s) let through")
    for kind, line in problems:
        print(f"  LOG {kind}: {line}")
    failed = rc != 0 or bool(problems)
    if not coverage(log):
        failed = True

    # DMA-API debug prints only the first error of a boot: one boot a bug.
    for bug, param, sign in SELFTEST_BUGS if selftest else ():
        src_rc, _, slog, secs = kunit(
            src, build, SELFTEST,
            [f"--kernel_args=harness_selftest_kunit.{param}=1"],
            echo=False, config=config)
        sproblems, _ = scan_log(slog)
        dma = [p for p in sproblems if p[0] == "DMA-API error"]
        seen = [line for _, line in dma if sign in line]
        verdict = src_rc == 0 and seen
        print(f"harness self-test ({bug}, {secs:.0f} s): kunit.py exit "
              f"{src_rc}, log scan found {len(seen)} DMA-API error(s) "
              f"for it: {'caught, as it must be' if verdict else 'NOT caught'}")
        for line in seen[:2]:
            print(f"  {line}")
        if not verdict:
            failed = True
    print("kunit: " + ("FAILED" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
