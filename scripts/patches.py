# SPDX-License-Identifier: GPL-2.0
"""Turn the migration of a pristine kernel tree into a patch series a
maintainer can send, and check it.

    patches.py TREE DIR OUT [--no-check] [--no-build]

1. TREE (never modified) is mirrored into a git work tree in this
   checkout's directory of the cache (`scripts/kernel-tree.sh
   checkout`/patches/work) and committed as `pristine`.
2. Infrastructure commits: per spec the header, its Documentation page and
   state diagram (and MAINTAINERS); then the KUnit suites under
   lib/typestate/ with their Kconfig and Makefile hooks.
3. scripts/migrate.py runs on the work tree (through its command line and
   --summary only).  Members it adds to a struct that has kernel-doc get
   their @member lines.
4. Stand-alone fixes come first among the driver patches: each
   `if (n < 0)` test of a dma_map_sg() count, one patch per site.
5. One patch per driver (files grouped by subject prefix, a changed local
   header kept with its users), with what moved and what behaviour
   changes, and To:/Cc: from the tree's scripts/get_maintainer.pl.
6. `git format-patch` writes the series and a cover letter into OUT.

Checks (unless --no-check): the series applies with `git am` to the
pristine commit of a second repository and gives the same tree; after
each patch the objects it touches build with x86_64 allmodconfig and
CONFIG_WERROR=y (unless --no-build); checkpatch.pl --strict on each patch
file; kernel-doc -Wall on each changed file adds no warning.  Exit status
1 when any check fails.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "kernel_tests"))
import migrate as migrate_py  # noqa: E402
import series  # noqa: E402
import progress  # noqa: E402
import tree as ktree  # noqa: E402
from generator.__main__ import build_all  # noqa: E402
from generator import render  # noqa: E402

GEN = os.path.join(ROOT, "generated")
PLACEHOLDER = "Your Name <you@example.org>"
CHECKS = "\n\n@@CHECKS@@"

KCONFIG = """\
# SPDX-License-Identifier: GPL-2.0
config TYPESTATE_KUNIT_TEST
	tristate "KUnit tests for the typestate handles" if !KUNIT_ALL_TESTS
	depends on KUNIT && HAS_DMA && COMMON_CLK
	default KUNIT_ALL_TESTS
	help
	  KUnit suites for the headers under include/linux/typestate/: for
	  each header, a suite generated from its spec that walks every
	  state, transition, operation and release, and a hand-written one
	  that checks real DMA mappings on a KUnit device, or real prepare
	  and enable counts on a clock registered with the common clock
	  framework.  Run them with CONFIG_DMA_API_DEBUG=y to have a wrong
	  unmap reported as well.

	  If unsure, say N.
"""


def log(msg):
    print(msg, flush=True)


def run(cmd, cwd=None, check=True, env=None, quiet=False):
    """The command's output; a command that runs long (git add of the
    whole tree, make prepare) prints a heartbeat line every 20 s."""
    label = "patches: " + " ".join(os.path.basename(c) if i == 0 else c
                                   for i, c in enumerate(cmd[:4]))
    rc, out = progress.run(cmd, label, echo=False, cwd=cwd, env=env)
    proc = subprocess.CompletedProcess(cmd, rc, out)
    if check and proc.returncode:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit(f"patches: failed: {' '.join(cmd)}")
    return proc if quiet or not check else proc


def git(repo, *args, check=True):
    return run(["git", "-C", repo, *args], check=check).stdout


def identity():
    """(name, email) for From: and Signed-off-by:, from git config."""
    name = run(["git", "-C", ROOT, "config", "user.name"], check=False)
    email = run(["git", "-C", ROOT, "config", "user.email"], check=False)
    if name.returncode or email.returncode:
        log("patches: git config user.name/user.email are not set; using "
            f"'{PLACEHOLDER}' (see README: set them before sending)")
        return "Your Name", "you@example.org"
    return name.stdout.strip(), email.stdout.strip()


class Repo:
    def __init__(self, path, who):
        self.path = path
        self.env = dict(os.environ, GIT_AUTHOR_NAME=who[0],
                        GIT_AUTHOR_EMAIL=who[1], GIT_COMMITTER_NAME=who[0],
                        GIT_COMMITTER_EMAIL=who[1])

    def git(self, *args, check=True):
        return run(["git", "-C", self.path, *args], check=check,
                   env=self.env).stdout

    def read(self, rel):
        with open(os.path.join(self.path, rel), encoding="utf-8",
                  errors="surrogateescape") as f:
            return f.read()

    def write(self, rel, text):
        path = os.path.join(self.path, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)

    def commit(self, files, message):
        self.git("add", "-f", "--", *files)
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(message)
        self.git("commit", "-q", "-s", "--no-verify", "-F", f.name)
        os.unlink(f.name)


# -- 1. the work tree ------------------------------------------------------

def prepare_work(tree, work, who):
    os.makedirs(work, exist_ok=True)
    # --chmod: the cache's tree is read-only, its mirror must not be.
    run(["rsync", "-a", "--chmod=u+w", "--delete", "--exclude=/.git",
         tree.rstrip("/") + "/", work + "/"])
    repo = Repo(work, who)
    if not os.path.isdir(os.path.join(work, ".git")):
        log(f"patches: making {work} a git repository (once; about a minute)")
        repo.git("init", "-q")
        repo.git("config", "gc.auto", "0")
        repo.git("config", "core.autocrlf", "false")
    repo.git("add", "-A", "-f", ".")
    tree_id = repo.git("write-tree").strip()
    old = repo.git("rev-parse", "-q", "--verify", "refs/heads/pristine^{tree}",
                   check=False).strip()
    if tree_id != old:
        c = run(["git", "-C", work, "commit-tree", tree_id, "-m",
                 f"pristine {os.path.basename(os.path.abspath(tree))}"],
                env=repo.env).stdout.strip()
        repo.git("update-ref", "refs/heads/pristine", c)
    repo.git("checkout", "-q", "-f", "-B", "series", "pristine")
    repo.git("clean", "-fdqx")
    return repo


# -- 2. infrastructure -----------------------------------------------------

def add_toctree_entry(text, entry, after="   union_find\n"):
    line = f"   {entry}\n"
    if line in text:
        return text
    i = text.index(after) + len(after)
    return text[:i] + line + text[i:]


def infra_commits(repo, specs, who_line):
    maint_files = []
    for spec in specs:
        hdr = render.header_path(spec)
        page, figure = render.kernel_doc_paths(spec)
        with open(os.path.join(GEN, hdr), encoding="utf-8") as f:
            repo.write(hdr, f.read())
        for src, dst in ((f"docs/{spec.name}.rst", page),
                         (f"docs/{spec.name}.dot", figure)):
            with open(os.path.join(GEN, src), encoding="utf-8") as f:
                repo.write(dst, f.read())
        idx = "Documentation/core-api/index.rst"
        repo.write(idx, add_toctree_entry(repo.read(idx),
                                          os.path.basename(page)[:-4]))
        maint_files += [hdr, page, figure]
        repo.write("MAINTAINERS", series.maintainers_entry(
            repo.read("MAINTAINERS"), who_line, maint_files))
        states = "\n".join(f"- {st.ctype}" + (f", released by "
                                              f"{spec.prefix}_release()"
                                              if st.releasable else "")
                           for st in spec.states)
        msg = series.message(
            f"typestate: add <{hdr[len('include/'):]}>",
            f"Add {spec.summary}: one struct type per state, so that a "
            "call that is not legal in a state does not compile, and "
            "releases that plug into <linux/cleanup.h>.\n\n"
            + spec.doc.strip() + "\n\n"
            f"States ({' x '.join(d.name for d in spec.dimensions)}):\n"
            + states + "\n\n"
            f"The header is generated by typestate-gen from "
            f"specs/{spec.name}.yaml; {os.path.basename(page)} documents "
            f"it, with the state diagram {os.path.basename(figure)}.")
        repo.commit([hdr, page, figure, idx, "MAINTAINERS"], msg)

    # The helpers the suites include (typestate_kunit.h, and those a spec
    # names in kunit.local_includes, such as typestate_clk_kunit.h).
    files = {os.path.basename(h): h for h in glob.glob(
        os.path.join(ROOT, "kernel_tests", "*.h"))}
    objs = []
    for spec in specs:
        gen = os.path.join(GEN, "kunit", f"{spec.name}_gen_kunit.c")
        hand = os.path.join(ROOT, "kernel_tests", f"{spec.name}_kunit.c")
        for path in (gen, hand):
            if os.path.exists(path):
                files[os.path.basename(path)] = path
                objs.append(os.path.basename(path)[:-2] + ".o")
    paths = []
    for name, src in sorted(files.items()):
        with open(src, encoding="utf-8") as f:
            repo.write(f"lib/typestate/{name}", f.read())
        paths.append(f"lib/typestate/{name}")
    repo.write("lib/typestate/Kconfig", KCONFIG)
    mk = ["# SPDX-License-Identifier: GPL-2.0"]
    mk += [f"obj-$(CONFIG_TYPESTATE_KUNIT_TEST) += {o}" for o in sorted(objs)]
    repo.write("lib/typestate/Makefile", "\n".join(mk) + "\n")
    kd = repo.read("lib/Kconfig.debug")
    hook = 'source "lib/typestate/Kconfig"\n'
    if hook not in kd:
        kd = kd.replace("endif # RUNTIME_TESTING_MENU",
                        hook + "\nendif # RUNTIME_TESTING_MENU", 1)
        repo.write("lib/Kconfig.debug", kd)
    lm = repo.read("lib/Makefile")
    mhook = "obj-$(CONFIG_TYPESTATE_KUNIT_TEST) += typestate/\n"
    anchor = "obj-$(CONFIG_BITFIELD_KUNIT) += bitfield_kunit.o\n"
    if mhook not in lm:
        lm = lm.replace(anchor, anchor + mhook, 1)
        repo.write("lib/Makefile", lm)
    maint_files.append("lib/typestate/")
    repo.write("MAINTAINERS", series.maintainers_entry(
        repo.read("MAINTAINERS"), who_line, maint_files))
    names = ", ".join(f"<linux/typestate/{s.name}.h>" for s in specs)
    msg = series.message(
        "lib/typestate: add KUnit suites for the typestate headers",
        f"Test {names} on a KUnit device with real DMA mappings.  For each "
        "header, one suite is generated from its spec and walks every "
        "state, transition, operation and release, including the failures "
        "it can provoke; a hand-written one checks what the mapping looks "
        "like to the device.\n\n"
        "Run them with the DMA-API debugging options on, so that a wrong "
        "count or direction on unmap is reported as well:\n\n"
        "  ./tools/testing/kunit/kunit.py run --arch=um \\\n"
        "      --kconfig_add CONFIG_TYPESTATE_KUNIT_TEST=y \\\n"
        "      --kconfig_add CONFIG_DMA_API_DEBUG=y 'typestate*'")
    repo.commit(paths + ["lib/typestate/Kconfig", "lib/typestate/Makefile",
                         "lib/Kconfig.debug", "lib/Makefile", "MAINTAINERS"],
                msg)


# -- 3. the migration ------------------------------------------------------

def kernel_doc_warnings(repo, rel, text=None):
    """kernel-doc -Wall warnings of ``rel`` (or of ``text`` in its place),
    without file and line, so two versions compare."""
    path = os.path.join(repo.path, rel)
    if text is not None:
        tmp = tempfile.NamedTemporaryFile("w", suffix=os.path.splitext(rel)[1],
                                          delete=False, encoding="utf-8",
                                          errors="surrogateescape")
        tmp.write(text)
        tmp.close()
        path = tmp.name
    out = run(["perl", os.path.join(repo.path, "scripts", "kernel-doc"),
               "-none", "-Wall", path], check=False).stdout
    if text is not None:
        os.unlink(path)
    return sorted(re.sub(r"^\S+:\d+: ", "", ln) for ln in out.splitlines()
                  if "warning" in ln)


def migrate(repo, sub, specs, summary_path):
    log(f"patches: migrating {sub}/ with scripts/migrate.py")
    proc = run([sys.executable, os.path.join(ROOT, "scripts", "migrate.py"),
                repo.path, sub, "--summary", summary_path], check=False)
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        raise SystemExit("patches: the migration failed")
    with open(summary_path, encoding="utf-8") as f:
        summary = json.load(f)
    status = repo.git("status", "--porcelain", "-uall")
    changed = sorted(ln[3:] for ln in status.splitlines())
    texts = {f: repo.read(f) for f in changed}
    # kernel-doc: members the migration added to a documented struct.
    for f in changed:
        before = kernel_doc_warnings(repo, f, repo.git("show", f"HEAD:{f}"))
        after = kernel_doc_warnings(repo, f)
        new = [w for w in after if w not in before]
        missing = {}
        for w in new:
            m = series.MISSING_MEMBER.search(w)
            if m:
                missing.setdefault(m.group(2), []).append(m.group(1))
        for struct, members in missing.items():
            docs = series.describe_members(texts[f], struct, members, specs)
            texts[f] = series.add_member_docs(texts[f], struct, docs)
            for mem, d in docs.items():
                log(f"  DOC     {f}: struct {struct}: @{mem}: {d}")
    repo.git("checkout", "-q", "-f", "HEAD", "--", ".")
    repo.git("clean", "-fdq")
    return summary, texts


# -- 4. stand-alone fixes --------------------------------------------------

def fix_commits(repo, sub, texts, who_line):
    """One commit per `< 0` test of a dma_map_sg() count under ``sub``;
    returns [(file, function, errno, extra)] and updates ``texts`` (the
    migrated versions) so the driver patches keep the fixes."""
    fixes = []
    out = run(["git", "-C", repo.path, "grep", "-l", "-E",
               r"= dma_map_sg(_attrs)?\(", "--", f"{sub}/*.c"],
              check=False).stdout.split()
    for rel in sorted(out):
        while True:
            text = repo.read(rel)
            hits = series.find_negative_map_tests(text)
            if not hits:
                break
            line, var, start, end = hits[0]
            new, errno = series.fix_negative_map_test(text, start, end, var)
            if new is None:
                log(f"  SKIP    {rel}:{line}: {errno}")
                break
            func = series.function_span(text, start)[2]
            extra = series.fix_split_page_free(new, func)
            if extra:
                new = extra
            repo.write(rel, new)
            fixes.append((rel, func, errno, bool(extra)))
            prefix = series.subject_prefix(rel)
            subject = f"{prefix} fix dma_map_sg() error check in {func}()"
            body = (
                "dma_map_sg() returns the number of DMA entries it mapped, "
                "or 0 when the mapping fails; it never returns a negative "
                f"errno.  {func}() tests its result with `{var} < 0`, so a "
                "failed mapping went unnoticed and the code went on with a "
                "DMA address that was never set up.\n\n"
                f"Test for 0 instead, and fail with {errno} on that "
                "path.\n\n")
            if extra:
                body += (
                    "The error path this makes reachable freed the buffer "
                    "with __free_pages(page, order), but split_page() has "
                    "already made it order-0 pages with a reference count "
                    "each; free them with free_pages_exact(), which frees "
                    "them one by one.\n\n")
            body += ("The fix stands alone, without the typestate headers, "
                     "so that it can go to stable.  Found by the report "
                     "mode of the typestate-gen semantic patch for struct "
                     "sg_table.\n")
            repo.commit([rel], series.message(subject, body))
            # The migrated version keeps the fix where its code is the same.
            m = texts.get(rel)
            if m is not None:
                h = series.find_negative_map_tests(m)
                if h:
                    m = series.fix_negative_map_test(m, h[0][2], h[0][3],
                                                     h[0][1])[0] or m
                if extra:
                    m = series.fix_split_page_free(m, func) or m
                texts[rel] = m
    return fixes


# -- 5. driver patches -----------------------------------------------------

def _summary_lines(summary, files, *keys):
    """The migration's summary lines under ``keys``, spec by spec, that
    name one of ``files``."""
    return [line for spec in summary["specs"].values() for key in keys
            for line in spec.get(key, []) if line.split(":", 1)[0] in files]


def report_lines(summary, files):
    return _summary_lines(summary, files, "not_migrated", "bugs")


def behaviour_lines(summary, files):
    """The migration's own "behaviour change:" report lines for ``files``
    (a semantic patch generated from a spec's migrate: section prints one
    where the rewrite is not exactly equivalent)."""
    return _summary_lines(summary, files, "behaviour_changes")


def dropped_lines(summary, files):
    """The migration's lines for the struct members it dropped in
    ``files``: written back after each acquire, read by nothing."""
    return _summary_lines(summary, files, "members_dropped")


def driver_message(prefix, files, diff, specs, report, fixes, summary=None):
    prefixes = [s.prefix for s in specs]
    facts = series.diff_facts(diff, prefixes)
    used = [s for s in specs
            if any(c.startswith(s.prefix + "_") for c in facts["added"])] \
        or specs[:1]
    spec = used[0]
    hdrs = ", ".join(f"<linux/typestate/{s.name}.h>" for s in used)
    dims = " and ".join(d.name for d in spec.dimensions)
    funcs = [f for f in facts["functions"] if f not in ("struct",)]
    what = ", ".join(f"{f}()" for f in funcs) or "the driver"
    subject = f"{prefix} use typed {spec.name} handles"
    body = []
    body.append(
        f"Move {what} onto the typed handles of {hdrs}.  The type of each "
        f"handle names the {dims} state of the {spec.name}, so a call "
        "that is not legal in that state no longer compiles, and a "
        "release undoes exactly what the handle holds, with the "
        "arguments recorded when it was acquired.")
    if facts["removed"] or facts["added"]:
        body.append(
            "Calls replaced: "
            + ", ".join(f"{c}()" for c in facts["removed"]) + " by "
            + ", ".join(f"{c}()" for c in facts["added"]) + ".")
    if facts["members"]:
        structs = {}
        for sm in facts["members"]:
            st, mem = sm.split(".")
            structs.setdefault(st, []).append(mem)
        body.append(
            "New members, in kernel-doc where the struct has it: "
            + "; ".join(f"struct {st}: " + ", ".join(mems)
                        for st, mems in structs.items())
            + ".  They hold the storage behind the typed handle and the "
            "handle itself; the member they derive from stays the "
            "driver's, with its allocation and free.")
    for line in dropped_lines(summary or {"specs": {}}, files):
        path, rest = line.split(":", 1)
        at, msg = rest.split(": ", 1)
        body.append(f"{os.path.basename(path)}:{at}: {msg}: no file that "
                    "can see the struct names it otherwise.")
    changes = []
    for var in facts["negative_tests"]:
        changes.append(
            f"- The map result was tested with `{var} < 0`, which "
            "dma_map_sg() never returns (it returns 0 on failure); the "
            "typed map returns an error handle and that error path now runs.")
    for m in re.finditer(r"^-.*\bdma_unmap_sg(?:_attrs)?\((.*)$", diff, re.M):
        changes.append(
            "- The unmap no longer passes its own count: the release unmaps "
            "with orig_nents, the count given to the map, as the DMA API "
            "requires.")
        break
    for name in sorted(c for c in facts["added"]
                       if c.endswith("_release_if_live")):
        changes.append(
            f"- A handle kept in a struct is released with {name}(): it "
            "skips a handle whose acquire failed, or that was never "
            "acquired or was already released, where the raw call gave "
            "back whatever the member held (a path through another "
            "function does not prove the handle live).")
    for line in behaviour_lines(summary or {"specs": {}}, files):
        path, rest = line.split(":", 1)
        msg = rest.split("behaviour change: ", 1)[1]
        changes.append(f"- {os.path.basename(path)}:{rest.split(':')[0]}: "
                       f"{msg}.")
    for f, func, _, extra in fixes:
        if f in files:
            changes.append(
                f"- Keeps the fix to {func}() earlier in this series" +
                (" (free_pages_exact() on its error path)." if extra else "."))
    typed = []
    for sp in specs:
        for c in list(sp.constructors) + list(sp.transitions):
            if c.cname in facts["added"]:
                doc = " ".join(c.doc.split()) if c.doc else ""
                fails = ("  Fails with " + "; ".join(
                    f"-{e['code']} if {e['when']}" for e in c.errors) + "."
                    if c.errors else "")
                vouch = getattr(c, "vouch", None)
                if vouch:
                    doc = (doc + "  Unchecked: the driver vouches that "
                           + " ".join(vouch.split())).strip()
                typed.append(f"- {c.cname}(): {c.summary}.  {doc}{fails}"
                             .replace(".  .", "."))
    if changes:
        body.append("Behaviour changes:\n\n" + "\n".join(changes))
    elif typed:
        body.append("No behaviour change intended beyond what the typed "
                    "calls below do differently from the calls they "
                    "replace.")
    else:
        body.append("No behaviour change intended.")
    if typed:
        body.append("The typed calls used, as their spec describes them:\n\n"
                    + "\n".join(typed))
    if report:
        items = []
        for line in report:
            path, rest = line.split(":", 1)
            loc, msg = rest.split(": ", 1)
            items.append(f"- {os.path.basename(path)}:{loc.split(':')[0]}: "
                         f"{msg}")
        body.append("Left as they were (the migration does not know these "
                    "uses, or reports them for review):\n\n"
                    + "\n".join(items))
    body.append("Generated with `make patches` of typestate-gen, whose "
                "semantic patch made the change.")
    return series.message(subject, "\n\n".join(body)), changes


def driver_commits(repo, texts, summary, specs, fixes):
    """One commit per file group; a group whose change checkpatch refuses
    is left out of the series (restored as it was), with the messages, for
    the cover letter: e.g. a file indented with spaces, whose migrated
    lines follow it (LEADING_SPACE)."""
    groups = series.group_files(list(texts), texts)
    out, left = [], []
    for prefix, files in groups:
        old = {f: repo.read(f) if os.path.exists(os.path.join(repo.path, f))
               else "" for f in files}
        if all(old[f] == texts[f] for f in files):
            continue
        for f in files:
            repo.write(f, texts[f])
        diff = repo.git("diff", "HEAD", "--", *files)
        bad = checkpatch_diff(repo, diff)
        if bad:
            for f in files:
                repo.write(f, old[f])
            left.append((prefix, files, bad))
            log(f"patches: left out {prefix} {' '.join(files)}: "
                f"checkpatch: {bad[0]}" + (f" (and {len(bad) - 1} more)"
                                           if len(bad) > 1 else ""))
            continue
        msg, changes = driver_message(prefix, files, diff, specs,
                                      report_lines(summary, files), fixes,
                                      summary)
        repo.commit(files, msg)
        out.append((prefix, files, changes))
    return out, left


def checkpatch_diff(repo, diff):
    """checkpatch.pl --strict errors and warnings on a driver change, as
    'TYPE: message (file:line)'."""
    proc = subprocess.run(
        ["perl", "scripts/checkpatch.pl", "--strict", "--terse",
         "--show-types", "--no-summary", "--no-signoff", "-"],
        cwd=repo.path, input=diff, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, check=False)
    bad = []
    for ln in proc.stdout.splitlines():
        m = re.match(r"^(\S+?):(\d+): (ERROR|WARNING):(\w+): (.*)$", ln)
        if m:
            bad.append(f"{m.group(3)}:{m.group(4)}: {m.group(5)} "
                       f"({m.group(1)}:{m.group(2)})")
    return bad


# -- 6. format-patch, maintainers, cover letter -----------------------------

def get_maintainer(repo, patch, roles):
    args = ["perl", "scripts/get_maintainer.pl", "--no-git",
            "--no-git-fallback", "--no-rolestats", "--no-tree"]
    if roles == "to":
        args += ["--m", "--no-r", "--no-l"]
    else:
        args += ["--no-m", "--r", "--l"]
    out = run(args + [patch], cwd=repo.path, check=False).stdout
    return [ln.strip() for ln in out.splitlines()
            if "@" in ln and not ln.startswith("Using")]


def add_headers(path, to, cc):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    head, sep, rest = text.partition("\nSubject: ")
    lines = []
    if to:
        lines.append("To: " + ",\n    ".join(to))
    if cc:
        lines.append("Cc: " + ",\n    ".join(cc))
    text = head + ("\n" + "\n".join(lines) if lines else "") + sep + rest
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)


def format_patches(repo, out, cover):
    os.makedirs(out, exist_ok=True)
    for old in glob.glob(os.path.join(out, "*.patch")):
        os.unlink(old)
    names = repo.git("format-patch", "-n", "--cover-letter",
                     "--thread=shallow", "-o", out, "pristine..series")
    patches = sorted(names.split())
    all_to, all_cc = [], []
    for p in patches[1:]:
        to = get_maintainer(repo, p, "to")
        cc = [c for c in get_maintainer(repo, p, "cc") if c not in to]
        add_headers(p, to, cc)
        all_to += [t for t in to if t not in all_to]
        all_cc += [c for c in cc if c not in all_cc and c not in all_to]
    with open(patches[0], encoding="utf-8") as f:
        text = f.read()
    subject, blurb = cover
    text = text.replace("*** SUBJECT HERE ***", subject)
    text = text.replace("*** BLURB HERE ***", blurb.rstrip("\n") + CHECKS)
    with open(patches[0], "w", encoding="utf-8") as f:
        f.write(text)
    add_headers(patches[0], all_to, [c for c in all_cc if c not in all_to])
    return patches


def _span(a, n):
    return f"Patch {a} is" if n == 1 else f"Patches {a}-{a + n - 1} are"


def cover_letter(specs, infra, fixes, drivers, summary, sub, left=()):
    n_infra = len(specs) + 1
    lines = [
        "This series adds typestate handles for the kernel, generated by "
        "typestate-gen from declarative specs, and moves drivers under "
        f"{sub}/ onto them with a generated semantic patch.  A handle's "
        "type names the state of the resource it reaches, so a call that "
        "is not legal in that state does not compile, and releases undo "
        "exactly what the handle holds.",
        "",
        f"Patches 1-{n_infra} add the infrastructure: "
        + ", ".join(f"<linux/typestate/{s.name}.h>" for s in specs)
        + " with a Documentation/core-api page and state diagram each, "
        "then their KUnit suites under lib/typestate/, and a MAINTAINERS "
        "entry.",
    ]
    if fixes:
        a = n_infra + 1
        lines += ["", f"{_span(a, len(fixes))} stand-alone bug "
                  "fixes, with no dependency on the new headers, for "
                  "stable: a dma_map_sg() result tested with `< 0`, which "
                  "never fires because dma_map_sg() returns 0 on failure:", ""]
        for f, func, errno, extra in fixes:
            lines.append(f"- {f}: {func}()" +
                         (", and its newly reachable error path" if extra
                          else ""))
    a = n_infra + len(fixes) + 1
    lines += ["", f"{_span(a, len(drivers))} the drivers, one "
              "patch each, saying what moved and what behaviour changes:",
              ""]
    for prefix, files, changes in drivers:
        lines.append(f"- {prefix} " + ", ".join(os.path.basename(f)
                                                 for f in files))
        for c in changes:
            lines.append("  " + c)
    if left:
        lines += ["", "Migrated by the semantic patch but left out of this "
                  "series, because checkpatch.pl --strict reports errors or "
                  "warnings on the change; convert these by hand or fix "
                  "their style first:", ""]
        for prefix, files, bad in left:
            kinds = sorted({b.split(":", 2)[1] for b in bad})
            lines.append(f"- {prefix} " + ", ".join(
                os.path.basename(f) for f in files)
                + f": {len(bad)} checkpatch errors or warnings ("
                + ", ".join(kinds) + ")"
                + ("; the file is indented with spaces and the migrated "
                   "lines follow it" if "LEADING_SPACE" in kinds else ""))
    in_patches = {f for _, files, _ in drivers for f in files}
    for name, spec in summary["specs"].items():
        lines += ["", f"{name}: {len(spec.get('files_migrated', []))} files "
                  f"changed; {len(spec.get('not_migrated', []))} functions "
                  "or struct fields left as they were, and "
                  f"{len(spec.get('bugs', []))} possible bugs reported for "
                  "review; those in a changed file are listed in its "
                  "patch, the others here, for a hand conversion or a "
                  "look.  A BUG? line is a candidate, not a verdict: where a "
                  "driver keeps nents equal to orig_nents, an unmap with "
                  "nents is correct.", ""]
        fixed = {f for f, _, _, _ in fixes}
        for line in spec.get("not_migrated", []) + spec.get("bugs", []):
            path = line.split(":", 1)[0]
            if path in in_patches:
                continue
            if path in fixed and "dma_map_sg() returns 0" in line:
                continue
            lines.append("- " + re.sub(r":(\d+):\d+-\d+:", r":\1:", line))
    return ("typestate handles, their documentation and tests, and the "
            "drivers that use them", series.wrap("\n".join(
                ln if ln.startswith("- ") or not ln else ln
                for ln in lines).replace("\n\n\n", "\n\n")))


# -- checks ----------------------------------------------------------------

def check_series(work, am, build, patches, summary_path, who, do_build):
    results = {"am": None, "build": [], "checkpatch": [], "kernel_doc": []}
    repo = Repo(am, who)
    if not os.path.isdir(os.path.join(am, ".git")):
        log(f"patches: cloning the pristine tree into {am} for git am")
        run(["git", "clone", "-q", "--shared", "--no-checkout", work, am])
    repo.git("am", "--abort", check=False)
    repo.git("fetch", "-q", work, "pristine", "series")
    pristine = repo.git("rev-parse", "FETCH_HEAD").split()[0]
    fetched = run(["git", "-C", am, "rev-parse", f"{work}/.git"],
                  check=False)
    del fetched
    series_tree = Repo(work, who).git("rev-parse", "series^{tree}").strip()
    repo.git("checkout", "-q", "-f", "-B", "am", pristine)
    repo.git("clean", "-fdqx")
    proc = run(["git", "-C", am, "am", "-q", *patches[1:]], check=False,
               env=repo.env)
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    results["am"] = proc.returncode == 0 and tree == series_tree
    log(f"  GIT-AM  {len(patches) - 1} patches on the pristine tree: "
        + ("applied, same tree as the series" if results["am"] else
           "FAILED\n" + proc.stdout[-2000:]))
    if not results["am"]:
        return results
    commits = repo.git("rev-list", "--reverse", f"{pristine}..HEAD").split()

    for p in patches:
        out = run(["perl", "scripts/checkpatch.pl", "--strict", "--terse",
                   "--show-types", "--no-summary", p], cwd=am,
                  check=False).stdout
        msgs = [ln for ln in out.splitlines()
                if re.search(r": (ERROR|WARNING|CHECK):", ln)]
        bad = [m for m in msgs if re.search(r": (ERROR|WARNING):", m)]
        results["checkpatch"].append((os.path.basename(p), bad, msgs))
        log(f"  CHECK   {os.path.basename(p)}: {len(bad)} errors/warnings, "
            f"{len(msgs) - len(bad)} checks")
        for m in msgs:
            log(f"          {m.split(': ', 1)[-1]}")

    changed = repo.git("diff", "--name-only", pristine, "HEAD").split()
    for rel in changed:
        if not rel.endswith((".c", ".h")):
            continue
        text = repo.read(rel)
        if "struct" not in text:
            continue
        old = repo.git("show", f"{pristine}:{rel}", check=False) \
            if rel in repo.git("ls-tree", "-r", "--name-only", pristine,
                               "--", rel) else ""
        before = kernel_doc_warnings(repo, rel, old) if old else []
        after = kernel_doc_warnings(repo, rel)
        new = [w for w in after if w not in before]
        results["kernel_doc"].append((rel, len(before), new))
        log(f"  DOC     {rel}: kernel-doc -Wall: {len(before)} warnings "
            f"before, {len(after)} after" + (f"; NEW: {new}" if new else ""))

    if not do_build:
        return results
    if not os.path.exists(os.path.join(build, ".typestate-prepared")):
        log(f"patches: preparing {build} (x86_64 allmodconfig, ~2 min once)")
        os.makedirs(build, exist_ok=True)
        run(["make", "-s", "-C", am, f"O={build}", "allmodconfig"])
        run(["make", "-s", "-C", am, f"O={build}", f"-j{os.cpu_count()}",
             "prepare"])
        open(os.path.join(build, ".typestate-prepared"), "w").close()
    with open(os.path.join(build, ".config"), encoding="utf-8") as f:
        if "CONFIG_WERROR=y" not in f.read():
            raise SystemExit("patches: the build directory has no "
                             "CONFIG_WERROR=y")
    for n, c in enumerate(commits, 1):
        repo.git("checkout", "-q", c)
        files = repo.git("diff-tree", "--no-commit-id", "--name-only", "-r",
                         c).split()
        objs = objects(am, files, summary_path)
        hdrs = [f for f in files if f.startswith("include/linux/typestate/")
                and f.endswith(".h")]
        if hdrs:
            ok, what = build_headers(am, build, hdrs)
            results["build"].append((n, what, ok))
            log(f"  BUILD   patch {n}: {' '.join(what)} (includes only the "
                "header): " + ("ok" if ok else "BROKEN"))
        if not objs and hdrs:
            continue
        if not objs:
            results["build"].append((n, [], True))
            log(f"  BUILD   patch {n}: no object to build ("
                + ", ".join(sorted({os.path.splitext(f)[1] or f
                                    for f in files})) + " only)")
            continue
        proc = run(["make", "-s", "-C", am, f"O={build}",
                    f"-j{os.cpu_count()}", *objs], check=False)
        ok = proc.returncode == 0
        other = {}
        if not ok:
            # Another architecture's driver (its asm/ headers do not exist
            # on x86_64) is set aside with the Kconfig symbol that leaves
            # it out; the rest must still build.
            config = migrate_py._config(os.path.join(build, ".config"))
            for o in objs:
                off = migrate_py._left_out(am, o, config)
                if off:
                    other[o] = off
            rest = [o for o in objs if o not in other]
            if other:
                proc = run(["make", "-s", "-C", am, f"O={build}",
                            f"-j{os.cpu_count()}", *rest],
                           check=False) if rest else proc
                ok = not rest or proc.returncode == 0
        results["build"].append((n, objs, ok))
        note = "".join(f" ({o}: not built for x86_64, {why})"
                       for o, why in other.items())
        log(f"  BUILD   patch {n}: {' '.join(objs)}: "
            + ("ok" + note if ok else "BROKEN\n" + proc.stdout[-3000:]))
    repo.git("checkout", "-q", "am")
    return results


def build_headers(am, build, hdrs):
    """Build, as an external module in the build directory, one object per
    header that includes only that header: it must stand alone."""
    d = os.path.join(build, "typestate-headers")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    objs = []
    for h in hdrs:
        name = "hdr_" + os.path.basename(h)[:-2]
        with open(os.path.join(d, name + ".c"), "w", encoding="utf-8") as f:
            f.write(f"// SPDX-License-Identifier: GPL-2.0\n"
                    f"#include <{h[len('include/'):]}>\n")
        objs.append(name + ".o")
    with open(os.path.join(d, "Kbuild"), "w", encoding="utf-8") as f:
        f.write("obj-m += " + " ".join(objs) + "\n")
    proc = run(["make", "-s", "-C", am, f"O={build}", f"M={d}",
                f"-j{os.cpu_count()}", *objs], check=False)
    if proc.returncode:
        log(proc.stdout[-3000:])
    return proc.returncode == 0, [f"<{h[len('include/'):]}>" for h in hdrs]


def objects(tree, files, summary_path):
    """kbuild objects that compile ``files`` (migrate.py --objects does
    it for the drivers' files; lib/typestate/ objects are their own)."""
    objs = [f[:-2] + ".o" for f in files
            if f.startswith("lib/typestate/") and f.endswith(".c")]
    drv = [f for f in files if f.endswith((".c", ".h"))
           and not f.startswith(("lib/", "include/linux/typestate/"))]
    if drv:
        with tempfile.NamedTemporaryFile("w", suffix=".json",
                                         delete=False) as t:
            json.dump({"specs": {"x": {"files_migrated": drv}}}, t)
        out = run([sys.executable, os.path.join(ROOT, "scripts",
                                                "migrate.py"),
                   "--objects", tree, t.name]).stdout
        os.unlink(t.name)
        objs += out.split()
    return sorted(set(objs))


def main(argv):
    flags = {a for a in argv if a.startswith("--")}
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    tree, sub, out = os.path.abspath(args[0]), args[1].strip("/"), \
        os.path.abspath(args[2])
    if not os.path.isfile(os.path.join(tree, "Makefile")):
        print(f"patches: {tree} is not a kernel tree", file=sys.stderr)
        return 2
    for path in ("include/linux/typestate", "lib/typestate"):
        if os.path.exists(os.path.join(tree, path)):
            print(f"patches: {tree} already has {path}/: give a pristine "
                  "tree (the series adds it)", file=sys.stderr)
            return 2
    # This checkout's own: another checkout's run at the same time uses
    # its own work tree, repository and build directory.
    base = os.path.join(ktree.kernel_tree("checkout"), "patches")
    work, am = os.path.join(base, "work"), os.path.join(base, "am")
    build = os.path.join(base, "build-x86")
    start = time.time()
    who = identity()
    who_line = f"{who[0]} <{who[1]}>"
    specs = build_all(sorted(glob.glob(os.path.join(ROOT, "specs",
                                                    "*.yaml"))))

    repo = prepare_work(tree, work, who)
    infra_commits(repo, specs, who_line)
    summary_path = os.path.join(base, "migrate-summary.json")
    summary, texts = migrate(repo, sub, specs, summary_path)
    fixes = fix_commits(repo, sub, texts, who_line)
    drivers, left = driver_commits(repo, texts, summary, specs, fixes)
    patches = format_patches(repo, out, cover_letter(
        specs, None, fixes, drivers, summary, sub, left))
    log(f"patches: {len(patches) - 1} patches and a cover letter in {out}: "
        f"{len(specs) + 1} infrastructure, {len(fixes)} fixes, "
        f"{len(drivers)} drivers; {len(left)} migrated drivers left out "
        "(checkpatch)")
    if "--no-check" in flags:
        set_checks(patches[0], "")
        return 0
    res = check_series(work, am, build, patches, summary_path, who,
                       "--no-build" not in flags)
    bad_cp = [p for p, bad, _ in res["checkpatch"] if bad]
    bad_doc = [r for r, _, new in res["kernel_doc"] if new]
    bad_build = [n for n, _, ok in res["build"] if not ok]
    log(f"patches: {int(time.time() - start)} s; "
        f"git am {'ok' if res['am'] else 'FAILED'}; builds after "
        f"{len(res['build'])} patches, {len(bad_build)} broken; checkpatch: "
        f"{len(bad_cp)} patches with errors or warnings; kernel-doc: "
        f"{len(bad_doc)} files with new warnings")
    good = res["am"] and not (bad_cp or bad_doc or bad_build)
    set_checks(patches[0], series.wrap(
        "Checked with typestate-gen's `make patches`: the series applies "
        "with git am to the pristine tree; "
        + ("after every patch, the objects it touches build with x86_64 "
           "allmodconfig and CONFIG_WERROR=y; " if res["build"] else "")
        + "checkpatch.pl --strict reports no error or warning on any patch "
        "(the header patches keep one CHECK: CAMELCASE on the C11 keyword "
        "_Generic); kernel-doc -Wall reports no new warning on any changed "
        "file.") if good else "")
    return 0 if good else 1


def set_checks(cover, text):
    with open(cover, encoding="utf-8") as f:
        body = f.read()
    body = body.replace(CHECKS, ("\n\n" + text.rstrip("\n")) if text else "")
    with open(cover, "w", encoding="utf-8") as f:
        f.write(body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
