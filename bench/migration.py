# SPDX-License-Identifier: GPL-2.0
"""The migration the bench measures: migrate-check.sh over a pristine
drivers/ (timed), the scratch tree it leaves, and which files it changed."""

import functools
import os
import re
import tarfile

from common import SCRIPTS, sh

TARBALL = "/usr/src/linux-source-6.12.tar.xz"


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


def migrate(cache):
    """Run migrate-check.sh with a directory of its own and copy the
    tree it migrated to the bench's scratch tree; its lines that time the
    migration and count what it built."""
    # migrate-check.sh with a directory of its own: it copies its tree
    # anew each time, and must not do so under a `make test`'s feet.
    mcache = os.path.join(cache, "bench-migrate")
    log = sh([os.path.join(SCRIPTS, "migrate-check.sh")],
             env=dict(os.environ, MIGRATE_WORK=mcache))
    snapshot(mcache, os.path.join(cache, "bench-tree"))
    return log


def log_lines(log):
    """The lines of migrate-check.sh's output that RESULTS.md quotes."""
    return [l for l in log.splitlines()
            if "candidate files" in l or "took" in l
            or "slowest file groups" in l
            or "files compiled" in l]


def tools_lines(migrate_log):
    """The migration's lines of the Tools section."""
    lines = []
    cpu = {}
    for l in migrate_log:
        lines.append(f"- migration: {l.strip()}")
        m = re.search(r"^(\S+)\.cocci: spatch and the rewrite took \d+ s "
                      r"\(spatch used (\d+) s of CPU", l.strip())
        if m:
            cpu[m.group(1)] = int(m.group(2))
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
    if cpu:
        # The wall time depends on what else the machine runs; the CPU
        # time spatch used does much less.
        lines.append(
            "- migration CPU time (spatch, user and system, all workers): "
            f"{sum(cpu.values())} s for {len(cpu)} specs ("
            + ", ".join(f"{k} {v} s" for k, v in sorted(cpu.items()))
            + f"); spread over {os.cpu_count()} idle cores, at best "
            f"{sum(cpu.values()) // (os.cpu_count() or 1)} s of wall time")
    return lines
