# SPDX-License-Identifier: GPL-2.0
"""How fast the tools are: the real `make gen` command, cold, unchanged
and after a spec is touched, and an incremental `make kunit`."""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from common import ROOT, ms, sh, timed


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


def kunit_incremental(cache):
    """Wall time of an incremental `make kunit` (one test file touched,
    no self-test), after a run that brings the build up to date.  The
    file is touched in the checkout's own KUnit tree (run_kunit.py's
    overlay in ``cache``), never in the shared read-only one."""
    sh([sys.executable, os.path.join(ROOT, "kernel_tests", "run_kunit.py"),
        "--no-selftest"])
    os.utime(os.path.join(cache, "kunit-tree", "lib", "typestate",
                          "sg_table_kunit.c"))
    return timed([sys.executable, os.path.join(
        ROOT, "kernel_tests", "run_kunit.py"), "--no-selftest"])[0]


def gen_lines(gen):
    """The `make gen` lines of the Tools section."""
    unchanged = statistics.median(gen["unchanged"])
    return [
        "## Tools", "",
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


def reading(gen):
    """The closing section's lines on `make gen`."""
    lines = []
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
