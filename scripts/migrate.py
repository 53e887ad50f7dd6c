# SPDX-License-Identifier: GPL-2.0
"""Apply the generated semantic patches to a kernel tree.

    migrate.py TREE [DIR] [--report-only] [--summary FILE] [--again FILE]
               [--spec NAME]... [--no-hide]

Installs the generated headers into TREE, selects candidate files under
TREE/DIR (default drivers/) with each spec's own pattern, and runs spatch on
exactly those files with its token pre-filter disabled, so no file is
skipped silently: every candidate is either scanned or listed as failed.
Candidates that include the same local header declaring a member of the
type a .cocci names in its "// Members:" line go to spatch as one file
group with that header, so a rule can extend a driver struct declared
there; a group whose .c files define one name twice is split instead (see
group_by_header).  A struct defined under include/ whose member a
candidate acquires goes to spatch with every file of the tree that names
it, when those are all under DIR and few (see shared_links); the summary
says, for each such struct, whether it was and why not.
A file whose only change is the typestate #include,
which spatch adds across a group, is restored.
Patch mode rewrites in place; report mode then lists today's bugs and the
functions left unmigrated, with their reasons.  Running it twice changes
nothing the second time; --again FILE (the first run's --summary) makes
that second run scan only the file groups the first one changed.  --spec
NAME (repeatable) runs only that spec's semantic patch.
spatch sees copies of the files in which each function that no rule can
match by what it says, and each declaration and macro that names nothing a
rule matches and that nothing spatch still sees needs, is hidden
(scripts/elide.py); the output is the same, in about half the time.
--no-hide gives spatch the files as they are.
"""

import collections
import concurrent.futures
import functools
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "kernel_tests"))
sys.path.insert(0, ROOT)
import tree  # noqa: E402
import elide  # noqa: E402
from migcheck import changes as mchanges, prove as mprove  # noqa: E402

# TYPESTATE_GENERATED: another tree the generator wrote (the tests render
# specs that are not shipped into one).
GENERATED = os.environ.get("TYPESTATE_GENERATED",
                           os.path.join(ROOT, "generated"))
COCCI_DIR = os.path.join(GENERATED, "coccinelle")


# Seconds spatch may spend on one file group; a group that takes longer is
# listed in the summary as not scanned, never dropped silently.  The
# slowest group of drivers/ takes 27 s on two idle cores and up to 165 s
# on two cores shared with other builds: 300 s keeps a loaded machine from
# dropping it, and still ends a group that would never finish.
TIMEOUT = int(os.environ.get("TYPESTATE_SPATCH_TIMEOUT", "300"))
# The isomorphisms spatch runs with: where it looks for them.
ISO = os.path.join(os.environ.get("COCCINELLE_HOME", "/usr/lib/coccinelle"),
                   "standard.iso")

# file:line:col-col: message, as coccilib.report prints it.
REPORT_LINE = re.compile(r"^[^:\s]+:\d+:\d+-\d+: ")
LOCAL_INCLUDE = re.compile(r'^#include\s+"([^"]+\.h)"', re.M)


def local_headers(path, text, member):
    """Headers a .c file includes with quotes (and those they include in
    turn), found beside it, that declare a struct member of type
    ``member`` which the file itself uses (``->name`` or ``.name``): a
    struct the migration may extend lives there, and this file may map,
    unmap or read that member.  A file that includes such a header but
    never names one of its members cannot take part in moving that
    member onto a handle, and goes to spatch without it."""
    if not member:
        return []
    decl = _member_decl(member)
    used = set(re.findall(r"(?:->|\.)\s*([A-Za-z_]\w*)", text))
    out, seen, todo = [], set(), [(path, text, 0)]
    while todo:
        f, t, depth = todo.pop(0)
        for name in LOCAL_INCLUDE.findall(t):
            h = os.path.normpath(os.path.join(os.path.dirname(f), name))
            if h in seen or not os.path.isfile(h):
                continue
            seen.add(h)
            ht = _read(h)
            if _members_declared(ht, decl) & used:
                out.append(h)
            if depth < 3:
                todo.append((h, ht, depth + 1))
    return sorted(out)


@functools.lru_cache(maxsize=4096)
def _members_declared(text, decl):
    """The members that ``decl`` (see _member_decl) declares in file text
    ``text``: many candidates include the same header, and the hiding
    asks again of each file what the grouping asked (keep_regex)."""
    return _decl_names(decl, text)


def _member_decl(member):
    """A declaration of one or more members of type ``member`` (a type, or
    a list of types); group 1 holds the names (with their stars and array
    bounds)."""
    types = [member] if isinstance(member, str) else member
    return re.compile(r"(?:^|[{;])\s*(?:%s)\s*((?:\**\s*\w+(?:\s*\[[^]]*\])?"
                      r"\s*,\s*)*\**\s*\w+(?:\s*\[[^]]*\])?)\s*;" %
                      "|".join(re.escape(t) for t in types), re.M)


def containers(tree_dir, member):
    """The struct types under include/ that embed a member of type
    ``member`` (not a pointer to one): a driver struct that holds one of
    them holds the object as a nested member (X->F.G)."""
    out = []
    for tag, (header, fields) in sorted(shared_structs(tree_dir,
                                                       member).items()):
        text = _read(header)
        m = re.search(r"^struct\s+%s\s*\{" % tag, text, re.M)
        body = _braced(text, m.end() - 1)
        if any(re.search(r"(?:^|[{;])\s*%s\s+%s\s*[;,\[]" % (
                re.escape(member), f), body, re.M) for f in fields):
            out.append("struct " + tag)
    return out


def _decl_names(decl, text):
    return {re.sub(r"\[.*", "", n).strip(" *\t\n")
            for m in decl.finditer(text) for n in m.group(1).split(",")}


def _braced(text, i):
    """text[i:] up to the brace that closes the one at ``i``."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if not depth:
                return text[i:j + 1]
    return text[i:]


# A struct under include/ is extended only when every file of the tree
# that names it is scanned, all in one spatch group with the header: at
# most this many files, for spatch's time grows with a group's size.
SHARED_MAX = 16
STRUCT_TAG = re.compile(r"\bstruct\s+([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=None)
def shared_structs(tree_dir, member):
    """{tag: (header, fields)}: the structs defined under include/ that
    hold members of type ``member``."""
    decl, out = _member_decl(member), {}
    inc = os.path.join(tree_dir, "include")
    # grep picks the headers that name the type; they are read in the
    # order of the walk, which decides the header of a tag defined twice.
    naming = {os.path.join(tree_dir, x) for x in _grep_l(
        tree_dir, member, "-F", under="include", kinds=("h",))}
    for dirpath, _, names in os.walk(inc):
        for n in sorted(names):
            path = os.path.join(dirpath, n)
            if not n.endswith(".h") or path not in naming:
                continue
            text = _read(path)
            if member not in text:
                continue
            for m in re.finditer(r"^struct\s+(\w+)\s*\{", text, re.M):
                fields = _decl_names(decl, _braced(text, m.end() - 1))
                if fields:
                    out.setdefault(m.group(1), (path, set()))[1].update(fields)
    return out


def _naming(tree_dir, tags):
    """{tag: [files]}: the .c and .h files of the tree (its documentation
    and tools/ aside) that name each of ``tags`` as a word."""
    out = {t: [] for t in tags}
    if not tags:
        return out
    # Fixed strings: grep takes a third of the time it takes on the same
    # words as one extended regex.  It prints each word it finds after
    # its file's name (-o -Z), so no file is read again here.
    found = set()
    for line in _grep_l(tree_dir, sorted(tags), "-F", "-w", "-o", "-Z"):
        rel, _, word = line.partition("\0")
        found.add((word, os.path.join(tree_dir, rel)))
    for word, path in sorted(found):
        out[word].append(path)
    return out


def shared_links(tree_dir, sub, member, acquires, texts):
    """File sets that go to spatch as one group because a candidate
    acquires into a member of a struct defined under include/ (the
    .cocci's "// Acquires:" calls, with ``->F``/``.F`` in their arguments
    or receiving their result): the header, and every file that names
    the struct.  A struct is extended only if every such file is under
    ``sub`` or include/, and they are at most SHARED_MAX; otherwise the
    reason is returned.  Returns (links, notes)."""
    if not member or not acquires:
        return [], []
    structs = shared_structs(tree_dir, member)
    acq = "|".join(map(re.escape, acquires))
    wanted = set()
    for f, text in texts.items():
        for tag in set(STRUCT_TAG.findall(text)) & set(structs):
            for name in structs[tag][1]:
                if re.search(r"\b(?:%s)\s*\([^;]*?(?:->|\.)\s*%s\b|"
                             r"(?:->|\.)\s*%s\s*=\s*(?:%s)\s*\(" % (
                                 acq, name, name, acq), text):
                    wanted.add(tag)
    links, notes = [], []
    top = os.path.join(tree_dir, sub) + os.sep
    inc = os.path.join(tree_dir, "include") + os.sep
    for tag, files in sorted(_naming(tree_dir, wanted).items()):
        header = os.path.relpath(structs[tag][0], tree_dir)
        outside = [os.path.relpath(f, tree_dir) for f in files
                   if not f.startswith((top, inc))]
        if outside:
            notes.append("struct %s (%s): not extended: files outside %s/ "
                         "name it too (%s)" % (tag, header, sub,
                                               ", ".join(outside[:5])))
        elif len(files) > SHARED_MAX:
            notes.append("struct %s (%s): not extended: %d files name it, "
                         "more than the %d scanned as one group" % (
                             tag, header, len(files), SHARED_MAX))
        else:
            links.append(files)
            notes.append("struct %s (%s): scanned as one group with the %d "
                         "files that name it" % (tag, header, len(files)))
    return links, notes


def group_by_header(files, texts, member=None, with_split=False, links=()):
    """spatch groups: candidates that share a local header go together with
    it, so that each header is rewritten by exactly one spatch run (two
    runs over one header lose an edit) and a struct mapped in one file and
    unmapped in another is judged as a whole.  Each of ``links`` (see
    shared_links) joins its files, candidates or not, into one group."""
    parent = {f: f for f in files}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner, headers = {}, {}
    for f in files:
        headers[f] = local_headers(f, texts[f], member)
    for link in links:
        cs = [x for x in link if x in parent]
        for x in link:
            if x not in parent and cs:
                headers[cs[0]].append(x)
        for x in cs[1:]:
            parent[find(x)] = find(cs[0])
    for f in files:
        for h in headers[f]:
            if h in owner:
                parent[find(f)] = find(owner[h])
            else:
                owner[h] = f
    out = {}
    for f in files:
        g = out.setdefault(find(f), [[], []])
        g[0].append(f)
        g[1].extend(h for h in headers[f] if h not in g[1])
    groups, split = [], []
    for cs, hs in out.values():
        others = [h for h in hs if h.endswith(".c")]
        clash = _clash(cs + others, {**texts, **{h: _read(h) for h in others}})
        if clash:
            # spatch binds a rule's identifiers across the files of a
            # group: two functions or struct tags of one name would be
            # judged as one.  Each file goes alone, without the headers.
            split.append((cs, clash))
            groups.extend([c] for c in cs)
        else:
            groups.append(cs + hs)
    return (groups, split) if with_split else groups


def changed_groups(groups, tree_dir, changed):
    """The groups that hold a file of ``changed`` (paths relative to
    ``tree_dir``, as a summary lists them): a second run need scan only
    those, for spatch gives the same output on the same input."""
    return [g for g in groups
            if any(os.path.relpath(f, tree_dir) in changed for f in g)]


# A struct or union tag, or a function, defined at the start of a line
# (kernel style: a definition's name is on its first line or on the line
# after its return type; a label such as "out:" is not).
DEFINED = re.compile(r"^(?:(?:struct|union)[ \t]+(\w+)\s*\{|"
                     r"(?:[A-Za-z_][^;{}#()\n:]*?\b)?([A-Za-z_]\w*)[ \t]*"
                     r"\([^;{}]*\)\s*\{)", re.M)
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do"}


def _clash(files, texts):
    """A name that two of ``files`` both define (a function or a struct
    tag), or None."""
    seen = {}
    for f in files:
        for m in DEFINED.finditer(texts[f]):
            name = m.group(1) or m.group(2)
            if name in KEYWORDS:
                continue
            if seen.setdefault(name, f) != f:
                return "%s and %s both define %s" % (
                    seen[name], f, name if m.group(1) else name + "()")
    return None


def candidates(tree_dir, sub, pattern):
    """{path: text} of the .c files under ``sub`` that match ``pattern``:
    those grep names, read and matched again in Python, which decides."""
    pat = re.compile(pattern)
    out = {}
    for rel in _grep_l(tree_dir, pattern, under=sub, kinds=("c",)):
        path = os.path.join(tree_dir, rel)
        text = _read(path)
        if pat.search(text):
            out[path] = text
    return dict(sorted(out.items()))


def _calls(text, fn):
    """Lines of ``text`` that call ``fn``, comments left out."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    call = re.compile(r"\b%s\s*\(" % re.escape(fn))
    return [n for n, line in enumerate(text.splitlines(), 1)
            if call.search(line)]


def callers(before, changed, findings, fn, rel):
    """The .c files that call ``fn`` (a spec's raw acquire, named in the
    .cocci's "// Callers:" line): migrated (the file changed; noted when
    it calls ``fn`` less), or left with the "not migrated" lines given for
    the file, or left without a reason."""
    out = {"callers_fn": fn, "callers": 0, "callers_migrated": [],
           "callers_call_rewritten": [], "callers_left": []}
    for f, text in sorted(before.items()):
        if not f.endswith(".c"):
            continue
        old = _calls(text, fn)
        if not old:
            continue
        out["callers"] += 1
        if f in changed:
            out["callers_migrated"].append(rel(f))
            if len(_calls(_read(f), fn)) < len(old):
                out["callers_call_rewritten"].append(rel(f))
            continue
        why = [x.split(": not migrated: ", 1)[1] for x in findings
               if x.startswith(f + ":") and ": not migrated: " in x]
        out["callers_left"].append(
            "%s: %s" % (rel(f), "; ".join(sorted(set(why)))
                        if why else "no reason given"))
    return out


def cocci_header(path):
    """The candidate pattern and options a generated .cocci declares."""
    cand = opts = member = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"// Members: (.*)$", line)
            if m:
                member = m.group(1).strip()
            m = re.match(r"// Comments: candidate files match /(.*)/$", line)
            if m:
                cand = m.group(1)
            m = re.match(r"// Options: (.*)$", line)
            if m:
                opts = m.group(1).split()
    return cand, opts or [], member


def spatch(cocci, groups_list, mode, opts, extra=(), keep=None):
    """Run spatch on groups of files: each .c with the local headers that
    may hold the struct a rule rewrites, so that rules see both.

    With ``keep`` (a function from a group's texts to elide.plan()'s
    arguments, see keep_regex), spatch sees copies of the files in which every item
    no rule can match is hidden as elide.plan() says; its output names the
    files of the tree, and with --in-place the tree's files get its
    changes.  Without, spatch reads and writes the files themselves."""
    # The largest groups first: spatch's workers take the next group as
    # they finish one, so a slow group that came last would keep one core
    # busy while the other waits.  Each group is scanned on its own, so
    # the order changes nothing else.
    groups_list = sorted(groups_list, key=lambda g: -sum(
        os.path.getsize(f) for f in g))
    with tempfile.TemporaryDirectory(prefix="typestate-spatch.") as tmp:
        root = os.path.join(tmp, "src")
        hidden, env = {}, dict(os.environ)
        if keep is not None:
            env["TYPESTATE_SOURCE_ROOT"] = root
            hidden = _hide_all(groups_list, keep, root)
            groups_list = [[root + f for f in g] for g in groups_list]
        groups = os.path.join(tmp, "groups")
        with open(groups, "w", encoding="utf-8") as f:
            f.write("\n\n".join("\n".join(g) for g in groups_list) + "\n")
        # --quiet, not --very-quiet: spatch then notes on stderr each file
        # group that took long (see slow_groups).
        cmd = ["spatch", "--quiet", "-D", mode, "--cocci-file", cocci,
               "--disable-worth-trying-opt", "--file-groups", groups,
               "--jobs", str(os.cpu_count() or 2), "--chunksize", "1",
               "--timeout", str(TIMEOUT),
               "--tmp-dir", os.path.join(tmp, "t"), *opts, *extra]
        os.makedirs(os.path.join(tmp, "t"))
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=tmp,
                              check=False, env=env)
        if keep is not None:
            proc.stdout = proc.stdout.replace(root + "/", "/")
            proc.stderr = proc.stderr.replace(root + "/", "/")
            if "--in-place" in extra:
                for f, h in hidden.items():
                    _put_back(f, _read_bytes(root + f), h)
    return proc


def _hide_groups(groups, keep, root):
    """Write under ``root`` the copy of each file of ``groups`` that
    spatch sees (elide.plan()); returns {path: what was hidden}."""
    hidden = {}
    for g in groups:
        texts = {f: _read_bytes(f) for f in g}
        spans = elide.plan(texts, *keep(texts))
        for f in g:
            text, hidden[f] = elide.hide_spans(texts[f], spans[f])
            copy = root + f
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            _write_bytes(copy, text)
    return hidden


_HIDING = None      # what _hide_share() works on, set before a fork


def _hide_share(k):
    groups, keep, root, n = _HIDING
    return _hide_groups(groups[k::n], keep, root)


def _hide_all(groups, keep, root):
    """_hide_groups() over one process per CPU, each taking every n-th
    group (the groups come largest first, so the shares are even).  A
    file in two groups (group_by_header() makes none) would have two
    copies written at once: then one process hides them all."""
    global _HIDING
    n = min(os.cpu_count() or 1, len(groups))
    if n < 2 or "fork" not in multiprocessing.get_all_start_methods() or \
            sum(map(len, groups)) != len({f for g in groups for f in g}):
        return _hide_groups(groups, keep, root)
    _HIDING = (groups, keep, root, n)
    try:
        with concurrent.futures.ProcessPoolExecutor(
                n, mp_context=multiprocessing.get_context("fork")) as pool:
            hidden = {}
            for part in pool.map(_hide_share, range(n)):
                hidden.update(part)
            return hidden
    finally:
        _HIDING = None


def _put_back(path, text, hidden):
    """Write to ``path`` the copy spatch rewrote, ``text``, with its
    hidden functions restored, if spatch changed anything."""
    try:
        text = elide.restore(text, hidden)
    except ValueError as e:
        raise SystemExit("migrate: %s: spatch changed a function hidden "
                         "from it (%s): run again with --no-hide and "
                         "report this" % (path, e))
    if text != _read_bytes(path):
        _write_bytes(path, text)


def _read_bytes(path):
    """The text of ``path`` with any byte that is not UTF-8 kept as it is
    (a surrogate escape), so that writing it back changes no byte."""
    with open(path, encoding="utf-8", errors="surrogateescape",
              newline="") as f:
        return f.read()


def _write_bytes(path, text):
    with open(path, "w", encoding="utf-8", errors="surrogateescape",
              newline="") as f:
        f.write(text)


def keep_regex(cocci, tree_dir, types):
    """A function from a file group ({path: text}) to what elide.plan()
    keeps of it: the regex of the functions spatch must see, that of the
    declarations and macros, the members a rule may follow, and the uses
    of them it may match.

    A function is seen if it holds, for some rule of the semantic patch,
    a word of each clause of the rule (elide.anchors()); plan() checks
    one clause per rule, the one whose words the group's files name
    least.  A declaration or a macro is seen if it names a word the
    semantic patch matches literally (elide.literal_words), a member type
    of ``types``, or, after '->' or '.', a member of such a type that a
    struct of the group or under include/ declares.  Such a member is
    followed (rules follow members by name from the function that
    acquires them to the others) into the functions that use it in a way
    a rule may match (elide.member_forms())."""
    text = _read(cocci)
    words = elide.literal_words(text)
    weak = elide.iso_words(ISO)
    rules = elide.anchors(text, weak)
    forms = elide.member_forms(text, weak)
    types = [types] if isinstance(types, str) else list(types or [])
    for t in types:
        words.update(w for w in re.findall(r"\w+", t) if w != "struct")
    members = set()
    for t in types:
        members |= {f for _, fields in shared_structs(
            tree_dir, t).values() for f in fields}
    decl = _member_decl(types) if types else None
    items = re.compile(r"\b(?:%s)\b" % "|".join(sorted(map(re.escape,
                                                          words))))
    every = sorted({w for r in rules for c in r for w in c})
    counter = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, every))) \
        if every else None

    def keep(group):
        texts = group.values()
        names = set(members)
        if decl:
            for t in texts:
                names |= _members_declared(t, decl)
        counts = collections.Counter(w for t in texts
                                     for w in counter.findall(t)) \
            if counter else collections.Counter()
        anchors = elide.choose(rules, counts.__getitem__)
        funcs = re.compile(r"\b(?:%s)\b" % "|".join(sorted(map(
            re.escape, anchors)))) if anchors else items
        if not names:
            return funcs, items, (), forms
        named = re.compile(r"(?:->|\.)\s*(?:%s)\b" % "|".join(
            sorted(map(re.escape, names))))
        return funcs, elide.AnyOf(items, named), names, forms
    return keep


def spatch_gave_up(stderr):
    """Files spatch stopped on: "timeout (we abort): FILE" on one file,
    "EXN: ...Timeout in FILE" (or another exception) in a file group."""
    return sorted(set(re.findall(r"timeout \(we abort\): (\S+)", stderr))
                  | set(re.findall(r"^EXN: \S+ in (\S+)$", stderr, re.M)))


def slow_groups(stderr, tree_dir, n=5):
    """The ``n`` slowest file groups spatch noted on ``stderr`` (it notes
    those that take more than a few seconds), slowest first, as
    "SECONDS s: FIRST FILE (+K files)"."""
    out = []
    for secs, files in re.findall(r"^Note: processing took\s+([\d.]+)s: "
                                  r"(.*)$", stderr, re.M):
        files = files.split()
        out.append((float(secs), "%.0f s: %s%s" % (
            float(secs), os.path.relpath(files[0], tree_dir),
            " (+%d files)" % (len(files) - 1) if len(files) > 1 else "")))
    return [x for _, x in sorted(out, reverse=True)[:n]]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    report_only = "--report-only" in argv
    summary_file = None
    if "--left-out" in argv:
        # migrate.py --left-out TREE CONFIG OBJ: exit 0 and print the
        # symbol if CONFIG does not build OBJ.
        off = _left_out(args[0], args[2], _config(args[1]))
        if off:
            print(off)
        return 0 if off else 1
    if "--objects" in argv:
        # Objects to build: printed on stdout.  With --config, objects the
        # configuration does not build (another architecture's driver,
        # say) go to stderr with the symbol that leaves them out.
        config = None
        if "--config" in argv:
            config = argv[argv.index("--config") + 1]
            args.remove(config)
            config = _config(config)
        summary = json.load(open(args[1], encoding="utf-8"))
        objs = set()
        for spec in summary["specs"].values():
            for rel in spec["files_migrated"]:
                if rel.endswith(".c"):
                    objs.add(object_for(args[0], rel))
                else:
                    for c in includers(args[0], rel):
                        objs.add(object_for(args[0], c))
        for obj in sorted(objs):
            off = None if config is None else _left_out(args[0], obj, config)
            if off:
                print(f"{obj}: not built by this configuration ({off})",
                      file=sys.stderr)
            else:
                print(obj)
        return 0
    if "--summary" in argv:
        summary_file = argv[argv.index("--summary") + 1]
        args.remove(summary_file)
    only = set()
    while "--spec" in argv:
        i = argv.index("--spec")
        only.add(argv[i + 1])
        args.remove(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    known = {n[:-len(".cocci")] for n in os.listdir(COCCI_DIR)}
    if only - known:
        print("migrate: no semantic patch for spec %s; known: %s" % (
            ", ".join(sorted(only - known)), ", ".join(sorted(known))),
            file=sys.stderr)
        return 2
    again = None
    if "--again" in argv:
        again = argv[argv.index("--again") + 1]
        args.remove(again)
        with open(again, encoding="utf-8") as f:
            again = {k: set(v["files_migrated"])
                     for k, v in json.load(f)["specs"].items()}
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    tree_dir = os.path.abspath(args[0])
    sub = args[1] if len(args) > 1 else "drivers"
    if not os.path.isfile(os.path.join(tree_dir, "Makefile")):
        print(f"migrate: {tree_dir} is not a kernel tree", file=sys.stderr)
        return 2
    if not report_only:
        tree.install_headers(tree_dir)

    summary = {"tree": tree_dir, "dir": sub, "specs": {}}
    status = 0
    for name in sorted(os.listdir(COCCI_DIR)):
        if only and name[:-len(".cocci")] not in only:
            continue
        cocci = os.path.join(COCCI_DIR, name)
        pattern, opts, member = cocci_header(cocci)
        before = candidates(tree_dir, sub, pattern)
        files = list(before)
        acq = re.search(r"^// Acquires: (.*)$", _read(cocci), re.M)
        links, shared = shared_links(tree_dir, sub, member,
                                     acq.group(1).split() if acq else [],
                                     before)
        # A chain's semantic patch also moves nested members (X->F.G, F
        # a struct under include/ that embeds the object): a local header
        # declaring such an F goes with the files that use it.
        types = member
        if member and re.search(r"^// Nested members: yes$", _read(cocci),
                                re.M):
            types = [member] + containers(tree_dir, member)
        groups, split = group_by_header(files, before, types, True, links)
        grouped = {f for g in groups if len(g) > 1 for f in g}
        for i, link in enumerate(links):
            h = [f for f in link if f.startswith(os.path.join(tree_dir,
                                                              "include", ""))]
            if h and h[0] not in grouped:
                k = next(j for j, n in enumerate(shared)
                         if os.path.relpath(h[0], tree_dir) + "):" in n
                         and ": scanned as one group" in n)
                shared[k] = re.sub(
                    r": scanned as one group with the (\d+) files that "
                    r"name it$", r": not extended: the group of the \1 "
                    "files that name it was split (see above)", shared[k])
        if again is not None:
            groups = changed_groups(groups, tree_dir, again.get(name, ()))
            files = [f for f in files if any(f in g for g in groups)]
            before = {f: before[f] for f in files}
            print(f"{name}: scanning again the {len(groups)} file groups "
                  "the first run changed (the others would see the same "
                  "files again)")
        for g in groups:
            for h in g:
                before.setdefault(h, _read(h))
        s = {"candidates": len(files), "prefilter_skipped": 0,
             "headers_grouped": len(before) - len(files),
             "groups_split": [
                 "%s: scanned one by one, without their local headers "
                 "(%s)" % (", ".join(os.path.relpath(f, tree_dir) for f in cs),
                    why.replace(tree_dir + "/", ""))
                 for cs, why in split],
             "shared_structs": shared}
        # A semantic patch generated from a spec's migrate: section also
        # lists every acquire site it saw (virtual mode "sites"), so that
        # each one is accounted for: migrated, or left with a reason.
        start = time.monotonic()
        cpu = _children_cpu()
        sites_mode = "virtual sites" in _read(cocci)
        extra_sites = ["-D", "sites"] if sites_mode else []
        keep = None if "--no-hide" in argv else keep_regex(
            cocci, tree_dir, types)
        if report_only or "virtual patch" not in _read(cocci):
            # A spec whose migrate: section patches nothing (patch:
            # false): report mode only.
            proc = spatch(cocci, groups, "report", opts, extra_sites, keep)
            findings = proc.stdout
            first = proc.stdout
            changed = []
        else:
            # One pass rewrites and reports; its report describes the code
            # as it was.  In the files it changed, each line it reported
            # is followed to where it now is (see moved_findings).
            proc = spatch(cocci, groups, "patch", opts,
                          ["--in-place", "-D", "report", *extra_sites], keep)
            first = proc.stdout
            if proc.returncode:
                print(proc.stderr[-3000:], file=sys.stderr)
                status = 1
            header = "linux/typestate/%s.h" % name[:-len(".cocci")]
            for f in before:
                _drop_include_only_change(f, before[f])
                _retab(f, before[f])
                _ensure_include(f, before[f], header)
            changed = [f for f in before if _read(f) != before[f]]
            # A raw member the migration left written but never read.
            obj_from = re.search(r"^// Object from: (\w+)$", _read(cocci),
                                 re.M)
            if obj_from and member:
                s["members_dropped"] = drop_dead_members(
                    tree_dir, changed, obj_from.group(1), member,
                    lambda line: line.replace(tree_dir + "/", ""))
            findings = moved_findings(
                proc.stdout, {f: (before[f], _read(f)) for f in changed})
        timed_out = spatch_gave_up(proc.stderr)
        findings = sorted({line for line in findings.splitlines()
                           if REPORT_LINE.match(line)})
        rel = lambda line: line.replace(tree_dir + "/", "")  # noqa: E731
        s["files_migrated"] = [rel(f) for f in changed]
        s["functions_migrated"] = sum(_functions_changed(before[f], _read(f))
                                      for f in changed)
        s["not_migrated"] = [rel(x) for x in findings if "not migrated" in x]
        s["bugs"] = [rel(x) for x in findings if "BUG?" in x]
        s["timed_out"] = [rel(f) for f in timed_out]
        s["slowest_groups"] = slow_groups(proc.stderr, tree_dir)
        s["seconds"] = round(time.monotonic() - start)
        s["spatch_cpu_seconds"] = round(_children_cpu() - cpu)
        if sites_mode:
            s.update(_account(first, changed, rel))
            s["sites_without_reason"] += [
                rel(f) + ": spatch gave up after %d s; its acquire sites "
                "are not accounted for" % TIMEOUT for f in timed_out]

        # Said of the code as it was, by the pass that rewrote it; and what
        # the spec says its typed elements do otherwise, and structs whose
        # size the driver exports (migcheck/changes.py).
        s["behaviour_changes"] = sorted(
            rel(x) for x in first.splitlines()
            if REPORT_LINE.match(x) and ": behaviour change: " in x
            and x.split(":", 1)[0] in changed)
        spec_yaml = os.path.join(ROOT, "specs", name[:-len(".cocci")] + ".yaml")
        s["unproven"] = []
        if changed and os.path.exists(spec_yaml) and \
                "virtual patch" in _read(cocci):
            spec = mprove.Spec(spec_yaml)
            # Every rewritten release shown to undo its acquire, from the
            # files as they were (migcheck/prove.py); an argument equal to
            # the acquire's by its spelling alone is a behaviour change
            # where the values differ.
            pr = mprove.prove(spec, None, tree_dir, sub, before, [
                os.path.relpath(f, tree_dir) for f in changed])
            s["unproven"] = ["%s:%s: unproven: %s" % x
                             for x in sorted(pr.unproven)]
            s["behaviour_changes"] = sorted(set(s["behaviour_changes"]) | set(
                mchanges.listed(spec, tree_dir, before, changed)) | {
                "%s:%s:1-1: behaviour change: %s" % x for x in pr.by_name})
        summary["specs"][name] = s
        print(f"{name}: {len(files)} candidate files scanned under {sub}/ "
              f"with {s['headers_grouped']} local headers "
              f"(pre-filter off: 0 skipped); {len(changed)} files and "
              f"{s['functions_migrated']} functions migrated; "
              f"{len(s['not_migrated'])} functions or struct fields left "
              f"with a reason; "
              f"{len(s['bugs'])} possible bugs reported")
        print(f"{name}: spatch and the rewrite took {s['seconds']} s "
              f"(spatch used {s['spatch_cpu_seconds']} s of CPU, user and "
              "system, over all its workers)")
        if s["slowest_groups"]:
            print(f"{name}: slowest file groups: "
                  + "; ".join(s["slowest_groups"]))
        for f in s["timed_out"]:
            print(f"  not scanned: {f}: spatch gave up (timeout {TIMEOUT} s "
                  "or an exception)")
        for g in s["groups_split"]:
            print(f"  file group split: {g}")
        for g in s["shared_structs"]:
            print(f"  struct under include/: {g}")
        for line in s["unproven"]:
            print(f"  {line}")
        if sites_mode:
            print(f"{name}: {s['sites']} acquire sites: {s['sites_migrated']} "
                  f"migrated, {s['sites_with_reason']} left with a reason; "
                  f"not handled: {len(s['sites_without_reason'])} without "
                  f"a reason")
            for line in s["sites_without_reason"]:
                print(f"  no reason: {line}")
        print(f"{name}: {len(s['behaviour_changes'])} behaviour changes "
              "in migrated code:")
        for line in s["behaviour_changes"]:
            print(f"  {line}")
        if s.get("members_dropped"):
            print(f"{name}: {len(s['members_dropped'])} struct members "
                  "dropped, dead once their handle holds the object:")
            for line in s["members_dropped"]:
                print(f"  {line}")
        fn = re.search(r"^// Callers: (\w+)$", _read(cocci), re.M)
        if fn and not report_only and again is None:
            c = callers(before, changed, findings, fn.group(1), rel)
            s.update(c)
            print(f"{name}: {len(c['callers_migrated'])} of {c['callers']} "
                  f"files that call {fn.group(1)}() migrated (in "
                  f"{len(c['callers_call_rewritten'])} of them a "
                  f"{fn.group(1)}() call itself); "
                  f"{sum('no reason given' in x for x in c['callers_left'])} "
                  "left without a reason:")
            for line in c["callers_left"]:
                print(f"  left: {line}")
        for line in s["not_migrated"] + s["bugs"]:
            print(f"  {line}")
        s.update(_precision(name[:-6], s["bugs"]))
        print(f"{name}: report precision {s['precision']} "
              f"({s['bugs_real']} real of {len(s['bugs'])} reported; "
              f"{len(s['bugs_unclassified'])} not yet classified in "
              f"tests/reports/{name[:-6]}.txt)")
        for line in s["bugs_unclassified"]:
            print(f"  unclassified: {line}")
    if summary_file:
        with open(summary_file, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
    return status


def moved_findings(report, texts):
    """The report lines of ``report`` (said of the code before the pass),
    with the line of each finding in a changed file (``texts``: {path:
    (old, new)}), and the lines its message names ("line N"), moved to
    where those lines now are.  A finding whose own line the pass rewrote
    says what the pass did there (the site moved after all, as part of a
    struct member, or its behaviour change is listed from the pass's own
    report) and is dropped, but for a possible bug, which keeps its old
    line number and says so.

    This replaces a second, report-only spatch pass over every changed
    file group: the lines a migration leaves alone are the same code, so
    spatch would say the same of them."""
    maps = {}
    out = []
    for line in report.splitlines(True):
        m = re.match(r"^([^:\s]+):(\d+):(.*)$", line, re.S)
        if not m or m.group(1) not in texts:
            out.append(line)
            continue
        path = m.group(1)
        if path not in maps:
            old, new = texts[path]
            maps[path] = {i1 + k + 1: j1 + k + 1
                          for tag, i1, i2, j1, _ in line_opcodes(
                              old.splitlines(), new.splitlines())
                          if tag == "equal" for k in range(i2 - i1)}
        n = int(m.group(2))
        moved = maps[path]
        rest = re.sub(r"\bline (\d+)\b", lambda x: "line %d" % moved.get(
            int(x.group(1)), int(x.group(1))), m.group(3))
        if n in moved:
            out.append("%s:%d:%s" % (path, moved[n], rest))
        elif "BUG?" not in line:
            continue
        else:
            out.append("%s:%d:%s (said of the code before the migration, "
                       "which rewrote this line)\n" % (
                           path, n, rest.rstrip("\n")))
    return "".join(out)


def line_opcodes(a, b):
    """The opcodes of GNU diff between two lists of lines, in the form of
    difflib.SequenceMatcher's get_opcodes(): difflib took half a minute
    on the 140 files dma_single rewrites in drivers/, diff a second."""
    with tempfile.TemporaryDirectory(prefix="typestate-diff.") as tmp:
        paths = []
        for name, lines in (("a", a), ("b", b)):
            paths.append(os.path.join(tmp, name))
            with open(paths[-1], "w", encoding="utf-8",
                      errors="surrogateescape", newline="") as f:
                f.write("".join(x.rstrip("\n") + "\n" for x in lines))
        proc = subprocess.run(["diff", "-U0", *paths],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, errors="surrogateescape",
                              check=False)
    if proc.returncode > 1:
        raise SystemExit("migrate: diff failed: %s" % proc.stderr.strip())
    out = proc.stdout
    ops, i, j = [], 0, 0
    for m in re.finditer(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@",
                         out, re.M):
        n = 1 if m.group(2) is None else int(m.group(2))
        k = 1 if m.group(4) is None else int(m.group(4))
        i1 = int(m.group(1)) - (1 if n else 0)
        j1 = int(m.group(3)) - (1 if k else 0)
        if i1 > i:
            ops.append(("equal", i, i1, j, j1))
        ops.append(("replace" if n and k else "delete" if n else "insert",
                    i1, i1 + n, j1, j1 + k))
        i, j = i1 + n, j1 + k
    if i < len(a):
        ops.append(("equal", i, len(a), j, len(b)))
    return ops


SITE_LINE = re.compile(r"^([^:\s]+):(\d+): acquire site: (migrated|left)$")


def _precision(spec, bugs):
    """Real and false reports, by the checked list tests/reports/<spec>.txt
    (lines "real|false path:line: why", read by a person)."""
    path = os.path.join(ROOT, "tests", "reports", spec + ".txt")
    verdict = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            m = re.match(r"(real|false) (\S+?:\d+):", line)
            if m:
                verdict[m.group(2)] = m.group(1)
    real = false = 0
    unclassified = []
    # Only what this run reported counts; the list may also name findings
    # an earlier rule made and this one no longer does.
    for b in bugs:
        where = ":".join(b.split(":")[:2])
        v = verdict.get(where)
        if v == "real":
            real += 1
        elif v == "false":
            false += 1
        else:
            unclassified.append(b)
    judged = real + false
    return {"bugs_real": real, "bugs_false": false,
            "bugs_unclassified": unclassified,
            "precision": f"{100 * real // judged}%" if judged else "n/a"}


def _account(first, changed, rel):
    """Every acquire site spatch saw, as migrated or left with a reason.

    A site is counted migrated only if spatch said so and its file really
    changed; a site left must have a "not migrated" line of its own.
    Anything else is listed as not handled without a reason.
    """
    reasons = set()
    for line in first.splitlines():
        m = re.match(r"^([^:\s]+):(\d+):\d+-\d+: not migrated: ", line)
        if m:
            reasons.add((m.group(1), m.group(2)))
    out = {"sites": 0, "sites_migrated": 0, "sites_with_reason": 0,
           "sites_without_reason": []}
    seen = set()
    for line in first.splitlines():
        m = SITE_LINE.match(line)
        if not m or (m.group(1), m.group(2)) in seen:
            continue
        seen.add((m.group(1), m.group(2)))
        out["sites"] += 1
        where = f"{rel(m.group(1))}:{m.group(2)}"
        if m.group(3) == "migrated":
            if m.group(1) in changed:
                out["sites_migrated"] += 1
            else:
                out["sites_without_reason"].append(
                    where + ": said migrated, but the file is unchanged")
        elif (m.group(1), m.group(2)) in reasons:
            out["sites_with_reason"] += 1
        else:
            out["sites_without_reason"].append(where + ": left, no reason")
    return out


def object_for(tree_dir, rel):
    """The kbuild object that compiles ``rel``: its own, or, for a .c file
    that another one #includes (e.g. i915's selftests), the includer's."""
    d, base = os.path.split(rel)
    obj = base[:-2] + ".o"
    for mk in ("Makefile", "Kbuild"):
        path = os.path.join(tree_dir, d, mk)
        if os.path.exists(path) and re.search(rf"\b{re.escape(obj)}\b",
                                              _read(path)):
            return rel[:-2] + ".o"
    pat = re.compile(rf'#include\s+"([\w./-]*/)?{re.escape(base)}"')
    parent = d
    for _ in range(3):
        parent = os.path.dirname(parent)
        for dirpath, _, names in os.walk(os.path.join(tree_dir, parent)):
            for name in names:
                path = os.path.join(dirpath, name)
                if name.endswith(".c") and path != os.path.join(tree_dir, rel):
                    if pat.search(_read(path)):
                        return os.path.relpath(path, tree_dir)[:-2] + ".o"
    return rel[:-2] + ".o"


def _config(path):
    """{CONFIG_X: value} of a kernel .config."""
    out = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"(CONFIG_\w+)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _kbuild_lines(tree_dir, d):
    text = ""
    for mk in ("Makefile", "Kbuild"):
        path = os.path.join(tree_dir, d, mk)
        if os.path.exists(path):
            text += _read(path).replace("\\\n", " ")
    return text.splitlines()


def _left_out(tree_dir, obj, config, depth=0):
    """The first CONFIG_ symbol, on the way from the top Makefile to
    ``obj``, that the configuration leaves unset; None if kbuild builds
    it (or if the Makefiles do not say: then the build decides)."""
    if depth > 12:
        return None
    d, base = os.path.split(obj)
    target = base if base.endswith(".o") else base + "/"
    for line in _kbuild_lines(tree_dir, d):
        m = re.match(r"\s*([\w-]+?)-(\$\((CONFIG_\w+)\)|y|objs|m)\s*[:+]?=(.*)$",
                     line)
        if not m or not re.search(r"(^|\s)%s(\s|$)" % re.escape(target),
                                  m.group(4)):
            continue
        sym = m.group(3)
        if sym and config.get(sym) not in ("y", "m"):
            return f"{sym} is not set"
        if m.group(1) in ("obj", "lib"):
            break
        # A part of composite object <name>.o: follow that one.
        return _left_out(tree_dir, os.path.join(d, m.group(1) + ".o"),
                         config, depth + 1)
    if d:
        return _left_out(tree_dir, d, config, depth + 1)
    return None


def _grep_l(tree_dir, pattern, *flags, under=None, kinds=("c", "h")):
    """The files whose names end in one of ``kinds`` (.c and .h), under
    ``under`` or else in the whole tree (its documentation and tools/
    aside), relative to the tree, whose text matches extended regex
    ``pattern`` (a fixed string with flag -F; with a list, any of them);
    with flags -o -Z, each file's name, a NUL and a word it matched, once.
    grep reads a tree in a tenth of the time Python takes; a grep that
    fails stops the run."""
    patterns = [pattern] if isinstance(pattern, str) else pattern
    where = [under] if under else ["--exclude-dir=Documentation",
                                   "--exclude-dir=tools", "."]
    proc = subprocess.run(
        ["grep", "-ra" if "-o" in flags else "-rla",
         *([] if "-F" in flags else ["-E"]), *flags,
         *("--include=*." + k for k in kinds),
         *(x for p in patterns for x in ("-e", p)), *where],
        cwd=tree_dir, check=False, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    if proc.returncode > 1:
        raise SystemExit("migrate: grep failed in %s: %s" % (
            os.path.join(tree_dir, under or ""), proc.stderr.strip()))
    return sorted({os.path.normpath(x) for x in proc.stdout.splitlines()})


def includers(tree_dir, rel):
    """The .c files beside header ``rel`` that include it: a struct the
    migration extended there must still build in each of them.  For a
    header under include/, the .c files of the tree that include it, or
    include a local header that does."""
    if rel.startswith("include" + os.sep):
        name = re.escape(rel[len("include" + os.sep):])
        direct = _grep_l(tree_dir, r"^#include\s*<%s>" % name)
        out = {f for f in direct if f.endswith(".c")}
        for h in direct:
            if h.endswith(".h") and not h.startswith("include" + os.sep):
                d = os.path.dirname(h)
                pat = re.compile(r'#include\s+"%s"' % re.escape(
                    os.path.basename(h)))
                for n in os.listdir(os.path.join(tree_dir, d)):
                    if n.endswith(".c") and pat.search(
                            _read(os.path.join(tree_dir, d, n))):
                        out.add(os.path.join(d, n))
        return sorted(out)
    d = os.path.join(tree_dir, os.path.dirname(rel))
    pat = re.compile(rf'#include\s+"{re.escape(os.path.basename(rel))}"')
    return sorted(os.path.relpath(os.path.join(d, n), tree_dir)
                  for n in os.listdir(d)
                  if n.endswith(".c") and pat.search(_read(os.path.join(d, n))))


def _seers(tree_dir, rel):
    """Every file of the tree that can see what local header ``rel``
    declares: it, and the files that include it, or include one that
    does.  A file includes it if one of its #include "..." lines names
    it relative to the file's own directory, or names its file name from
    within the same subsystem (drivers/scsi/...: a Makefile's -I may
    reach it there).  Each header costs one grep of the tree."""
    seen, todo = {rel}, [rel]
    while todo:
        h = todo.pop()
        base = os.path.basename(h)
        top = os.sep.join(h.split(os.sep)[:2]) + os.sep
        for f in _grep_l(tree_dir, r'#\s*include\s*"([^"]*/)?%s"'
                         % re.escape(base)):
            if f in seen:
                continue
            names = re.findall(r'#\s*include\s*"([^"]*)"',
                               _read(os.path.join(tree_dir, f)))
            if any(os.path.normpath(os.path.join(os.path.dirname(f), n)) == h
                   or (f.startswith(top) and os.path.basename(n) == base)
                   for n in names):
                seen.add(f)
                if f.endswith(".h"):
                    todo.append(f)
    return sorted(seen)


def _block(text, at):
    """(start, end) of the brace block around offset ``at``: just after
    its '{' and at its '}'."""
    depth, i = 0, at
    while i > 0:
        i -= 1
        if text[i] == "}":
            depth += 1
        elif text[i] == "{":
            if depth == 0:
                break
            depth -= 1
    start, depth, j = i + 1, 0, at
    while j < len(text):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            if depth == 0:
                break
            depth -= 1
        j += 1
    return start, j


def drop_dead_members(tree_dir, files, accessor, obj_type, rel):
    """Where the migration moved a struct member of the raw object's type
    onto a handle, it writes the member back after each acquire
    (``X->F = ACCESSOR(X->H);``) so that code which hands it to the device
    is unchanged.  If nothing else names F in any file that can see the
    struct (a word search, comments included, so a name another struct
    shares keeps it), the member is dead: it goes, with its write-backs.
    ``files`` are the files the migration changed; returns the report
    lines, one per member dropped.  One member at a time: each drop moves
    the text of the files after it."""
    wb = re.compile(r"^[ \t]*(?P<x>\S[^\n]*?)->(?P<f>\w+) = %s\("
                    r"(?P=x)->(?P<h>\w+)\);[ \t]*\n" % re.escape(accessor),
                    re.M)
    def scan():
        sites = {}
        for path in files:
            for m in wb.finditer(_read_bytes(path)):
                sites.setdefault((m.group("f"), m.group("h")), []).append(
                    (path, m.start(), m.end()))
        return sites

    out, kept, sites = [], set(), scan()
    while True:
        todo = sorted(k for k in sites if k not in kept)
        if not todo:
            return out
        line = _drop_member(tree_dir, files, obj_type, *todo[0],
                            sites[todo[0]])
        if line is None:
            kept.add(todo[0])
        else:
            out.append(rel(line % accessor))
            sites = scan()


def _drop_member(tree_dir, files, obj_type, f, h, where):
    """Drop member ``f`` of the struct that holds handle ``h``, with its
    write-backs ``where`` ([(path, start, end)]), if nothing else can
    read it (see drop_dead_members); the report line, with "%s" for the
    accessor, or None."""
    decl = None
    for path in files:
        text = _read_bytes(path)
        if h not in text:
            continue
        for m in re.finditer(r"^[ \t]*struct\s+\w+\s+%s;[^\n]*\n"
                             % re.escape(h), text, re.M):
            start, end = _block(text, m.start())
            d = re.compile(r"^[ \t]*%s\s+%s;[ \t]*(?:/\*[^\n]*\*/[ \t]*)?"
                           r"\n" % (re.escape(obj_type), re.escape(f)),
                           re.M).search(text, start, end)
            if d and _block(text, d.start()) == (start, end):
                decl = (path, d.start(), d.end())
    if decl is None:
        return None
    drel = os.path.relpath(decl[0], tree_dir)
    if drel.startswith("include" + os.sep):
        return None
    word = re.compile(r"\b%s\b" % re.escape(f))

    def uses(paths):
        return sum(len(word.findall(_read_bytes(os.path.join(tree_dir, p))))
                   for p in paths)
    # Named again in the files at hand (most members are): no need to
    # look through the tree for the others that can see it.
    here = {drel} | {os.path.relpath(p, tree_dir) for p, _, _ in where}
    if uses(here) != 1 + len(where):
        return None
    seers = [drel] if drel.endswith(".c") else _seers(tree_dir, drel)
    if not here <= set(seers) or uses(seers) != 1 + len(where):
        return None
    at = _read_bytes(decl[0]).count("\n", 0, decl[1]) + 1
    cuts = {}
    for path, x, y in where + [decl]:
        cuts.setdefault(path, []).append((x, y))
    for path, spans in cuts.items():
        text = _read_bytes(path)
        for x, y in sorted(spans, reverse=True):
            text = text[:x] + text[y:]
        _write_bytes(path, text)
    return ("%s:%d: member '%s' dropped: nothing reads it once handle '%s' "
            "holds the object (%%s() gives it); its %d write-back%s went "
            "with it" % (decl[0], at, f, h, len(where),
                         "" if len(where) == 1 else "s"))


INCLUDE_LINE = re.compile(r"^#include <linux/typestate/[\w.]+>\n", re.M)


def _drop_include_only_change(path, old):
    """Undo a change that only added the typestate #include: spatch adds it
    to every file of a group in which some file was migrated."""
    new = _read(path)
    if new != old and INCLUDE_LINE.sub("", new) == INCLUDE_LINE.sub("", old):
        with open(path, "w", encoding="utf-8") as f:
            f.write(old)


def _retab(path, old):
    """Indent the lines the migration wrote as the kernel does: tabs, then
    fewer than 8 spaces to reach the same column.  spatch aligns a wrapped
    argument list with runs of spaces, which checkpatch refuses
    (CODE_INDENT); lines the migration did not touch are left alone."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        new = f.read()
    if new == old:
        return
    old_lines = old.splitlines(True)
    new_lines = new.splitlines(True)
    out = list(new_lines)
    for tag, _, _, j1, j2 in line_opcodes(old_lines, new_lines):
        if tag not in ("replace", "insert"):
            continue
        for j in range(j1, j2):
            out[j] = retab_line(new_lines[j])
    text = "".join(out)
    if text != new:
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)


def retab_line(line):
    """The line with its leading white space as tabs and at most 7 spaces,
    at the same display column."""
    body = line.lstrip(" \t")
    if not body.strip():
        return line
    col = 0
    for c in line[:len(line) - len(body)]:
        col = col + 8 - col % 8 if c == "\t" else col + 1
    return "\t" * (col // 8) + " " * (col % 8) + body


def _ensure_include(path, old, header):
    """A changed file gets ``#include <header>`` if spatch did not add it:
    its rule adds the include after a system include or, where a group
    has none, before a local one, and a local header whose struct was
    extended may have only local includes, or none.  The line goes after
    the last system include, else after the last local one, else after
    the include guard's #define, else after the leading comment."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        new = f.read()
    line = "#include <%s>\n" % header
    if new == old or line in new:
        return
    lines = new.splitlines(True)
    at = None
    for rx in (r"#include\s*<", r'#include\s*"'):
        hits = [i for i, ln in enumerate(lines) if re.match(rx, ln)]
        if hits:
            at = hits[-1] + 1
            break
    if at is None:
        guard = [i for i, ln in enumerate(lines[:-1])
                 if re.match(r"#ifndef\s+(\w+)", ln)
                 and re.match(r"#define\s+%s\b" %
                              re.match(r"#ifndef\s+(\w+)", ln).group(1),
                              lines[i + 1])]
        at = guard[0] + 2 if guard else 0
        if not guard:
            while at < len(lines) and re.match(r"\s*(//|/\*|\*)", lines[at]):
                at += 1
        lines.insert(at, "\n")
        at += 1
    lines.insert(at, line)
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("".join(lines))


def _children_cpu():
    """User and system CPU seconds of the child processes that ended so
    far (spatch waits for its workers, so theirs count too): on a shared
    machine the wall time says little, this does."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


FUNC_START = re.compile(r"^[A-Za-z_][^;=]*\b(\w+)\([^;]*$")


def _functions_changed(old, new):
    """Functions with a line the migration rewrote: each changed line of
    the new text is charged to the function definition above it, if it is
    inside one (a changed struct in a header counts for none)."""
    new_lines = new.splitlines()
    owner, fn, depth = [], None, 0
    for line in new_lines:
        m = FUNC_START.match(line)
        if depth == 0 and m:
            fn = m.group(1)
        owner.append(fn if depth > 0 or line.startswith("{") else None)
        depth += line.count("{") - line.count("}")
        if depth == 0 and line.startswith("}"):
            fn = None
    names = set()
    for tag, _, _, j1, j2 in line_opcodes(old.splitlines(), new_lines):
        if tag in ("replace", "insert"):
            names.update(owner[j] for j in range(j1, j2) if owner[j])
    return len(names)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
