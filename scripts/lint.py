#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Run each spec's generated lint (generated/lint/*.cocci) over a tree.

    scripts/lint.py TREE [DIR] [--spec NAME]

Scans the .c and .h files under TREE/DIR (default: the whole tree) that
call a spec's handle API, in coccicheck's report mode, and prints each
finding as ``path:line:col: message``, paths relative to TREE, then one
summary line.  The report-only scripts of generated/coccinelle/ (a spec's
migrate: section with patch: false, which has no patch mode) run the same
way over the files that call the raw API they name, tagged
``[<spec> reports]``.  --spec NAME runs that spec's scripts alone.  Exit status: 0 with no findings, 1 with findings, 2 when
the tree, the directory or spatch is not usable.
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# TYPESTATE_GENERATED: another tree the generator wrote (the tests render
# specs that are not shipped into one).
GENERATED = os.environ.get("TYPESTATE_GENERATED",
                           os.path.join(ROOT, "generated"))
LINT_DIR = os.path.join(GENERATED, "lint")
COCCI_DIR = os.path.join(GENERATED, "coccinelle")
# Seconds spatch may spend on one file; a file that takes longer is named.
TIMEOUT = 120


def fail(message):
    print(f"lint: {message}", file=sys.stderr)
    return 2


def header(path):
    """The candidate pattern and the spatch options a lint declares."""
    cand, opts = None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"// Comments: candidate files match /(.*)/$", line)
            if m:
                cand = m.group(1)
            m = re.match(r"// Options: (.*)$", line)
            if m:
                opts = m.group(1).split()
    return cand, opts


def candidates(base, pattern):
    """Sorted .c and .h files under ``base`` whose text matches."""
    pat = re.compile(pattern)
    out = []
    if os.path.isfile(base):
        walk = [(os.path.dirname(base), [], [os.path.basename(base)])]
    else:
        walk = os.walk(base)
    for dirpath, _, names in walk:
        for name in names:
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    if pat.search(f.read()):
                        out.append(path)
            except OSError:
                continue
    return sorted(out)


def run(cocci, files, opts):
    """spatch in report mode over ``files``, each its own group; returns
    (findings, error line or None)."""
    with tempfile.TemporaryDirectory(prefix="typestate-lint.") as tmp:
        groups = os.path.join(tmp, "groups")
        with open(groups, "w", encoding="utf-8") as f:
            f.write("\n\n".join(files) + "\n")
        os.makedirs(os.path.join(tmp, "t"))
        jobs = os.environ.get("LINT_JOBS", "1")
        cmd = ["spatch", "--very-quiet", "-D", "report", "--cocci-file",
               cocci, "--file-groups", groups, "--jobs", jobs,
               "--chunksize", "1", "--timeout", str(TIMEOUT),
               "--tmp-dir", os.path.join(tmp, "t"), *opts]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  cwd=tmp, check=False)
        except OSError as e:
            return [], f"cannot run spatch: {e.strerror}"
    found = [line for line in proc.stdout.splitlines()
             if re.match(r".+:\d+:\d+-\d+: ", line)]
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return found, f"spatch failed on {os.path.basename(cocci)}: {last}"
    return found, None


def report_only(directory):
    """The semantic patches of ``directory`` that have no patch mode: those
    of a migrate: section with patch: false."""
    if not os.path.isdir(directory):
        return []
    out = []
    for n in sorted(os.listdir(directory)):
        if n.endswith(".cocci"):
            with open(os.path.join(directory, n), encoding="utf-8") as f:
                if "\nvirtual patch\n" not in f.read():
                    out.append(n)
    return out


def main(argv):
    only = None
    if "--spec" in argv:
        i = argv.index("--spec")
        if i + 1 >= len(argv):
            return fail("--spec needs a spec name")
        only = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    if not argv or len(argv) > 2 or argv[0].startswith("-"):
        return fail("usage: make lint TREE=<kernel tree or directory> "
                    "[DIR=<directory or file under it>] [SPEC=<name>]")
    tree = os.path.abspath(argv[0])
    if not os.path.isdir(tree):
        return fail(f"TREE {argv[0]}: no such directory")
    sub = argv[1] if len(argv) > 1 else ""
    base = os.path.normpath(os.path.join(tree, sub))
    if not (base + os.sep).startswith(tree + os.sep) and base != tree:
        return fail(f"DIR {sub}: not inside TREE {argv[0]}")
    if not os.path.exists(base):
        return fail(f"DIR {sub}: not found under {argv[0]}")
    lints = sorted(n for n in os.listdir(LINT_DIR) if n.endswith(".cocci"))
    if not lints:
        return fail(f"no lint in {LINT_DIR}; run make gen")
    scripts = [(os.path.join(LINT_DIR, n), n[:-len(".cocci")])
               for n in lints] + [
        (os.path.join(COCCI_DIR, n), n[:-len(".cocci")] + " reports")
        for n in report_only(COCCI_DIR)]
    if only is not None:
        known = sorted({t.split()[0] for _, t in scripts})
        if only not in known:
            return fail(f"no lint for spec '{only}'; known: "
                        + ", ".join(known))
        scripts = [(c, t) for c, t in scripts if t.split()[0] == only]
    total, scanned, raw = [], set(), set()
    for cocci, tag in scripts:
        pattern, opts = header(cocci)
        if pattern is None:
            return fail(f"{cocci} names no candidate files; run make gen")
        files = candidates(base, pattern)
        (raw if tag.endswith(" reports") else scanned).update(files)
        if not files:
            continue
        found, err = run(cocci, files, opts)
        if err:
            return fail(err)
        for line in found:
            path, rest = line.split(":", 1)
            rel = os.path.relpath(path, tree)
            total.append(f"{rel}:{rest}  [{tag}]")
    for line in sorted(set(total), key=_order):
        print(line)
    print(f"lint: {len(set(total))} findings in "
          f"{len({t.split(':', 1)[0] for t in total})} files; "
          f"{len(scanned)} files use a handle API under "
          f"{os.path.relpath(base, tree) if base != tree else argv[0]}"
          + (f"; {len(raw)} call a raw API that a report-only script "
             "follows" if raw else ""))
    return 1 if total else 0


def _order(line):
    path, ln = line.split(":")[:2]
    return (path, int(ln), line)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
