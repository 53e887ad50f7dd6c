# SPDX-License-Identifier: GPL-2.0
"""Pure helpers of `make patches` (scripts/patches.py): no git, no kernel
build, no spatch, so tests/test_series.py can pin each one.

- subject_prefix(): a driver path -> the subject prefix its subsystem uses
- group_files(): changed files -> one patch per driver, header users kept
  with the header
- find_negative_map_tests() / fix_negative_map_test(): the `< 0` test of a
  dma_map_sg() count, and its minimal stand-alone fix
- describe_members(): kernel-doc lines for struct members a migration added
- add_member_docs(): insert them into a struct's kernel-doc comment
- maintainers_entry(): the MAINTAINERS section of the infrastructure patches
- diff_facts(): what a driver patch moved and which behaviour it changes
- wrap(): commit-message paragraphs at 72 columns
"""

import os
import re
import textwrap

# -- subject prefixes ------------------------------------------------------

# (path regex, prefix template): the first match wins.  \1.. are the
# regex's groups; {stem} is the file name without .c/.h.  Each follows
# what that subsystem's maintainers take (see `git log --oneline -- dir`).
PREFIXES = [
    (r"drivers/gpu/drm/([\w-]+)/", r"drm/\1:"),
    (r"drivers/gpu/drm/[^/]+$", "drm:"),
    (r"drivers/accel/([\w-]+)/", r"accel/\1:"),
    (r"drivers/crypto/intel/qat/", "crypto: qat -"),
    (r"drivers/crypto/(?:[\w-]+/)*([\w-]+)/[^/]+$", r"crypto: \1 -"),
    (r"drivers/crypto/[^/]+$", "crypto: {stem} -"),
    (r"drivers/vfio/pci/([\w-]+)/", r"vfio/\1:"),
    (r"drivers/vfio/", "vfio:"),
    (r"drivers/vdpa/([\w-]+)/", r"vdpa/\1:"),
    (r"drivers/infiniband/(?:hw|sw|ulp)/([\w-]+)/", r"RDMA/\1:"),
    (r"drivers/infiniband/core/", "RDMA/core:"),
    (r"drivers/net/ethernet/mellanox/(mlx\d)/", r"net/\1:"),
    (r"drivers/net/ethernet/intel/([\w-]+)/", r"\1:"),
    (r"drivers/net/ethernet/[\w-]+/([\w-]+)/", r"net: \1:"),
    (r"drivers/net/ethernet/[\w-]+/[^/]+$", "net: {stem}:"),
    (r"drivers/net/wireless/(?:[\w-]+/)*?([\w-]+)/[^/]+$", r"wifi: \1:"),
    (r"drivers/media/(?:[\w-]+/)*([\w-]+)/[^/]+$", r"media: \1:"),
    (r"drivers/spi/spi-([\w-]+)\.c$", r"spi: \1:"),
    (r"drivers/i2c/busses/i2c-([\w-]+)\.c$", r"i2c: \1:"),
    (r"drivers/mmc/host/", "mmc: {stem}:"),
    (r"drivers/dma/([\w-]+)/", r"dmaengine: \1:"),
    (r"drivers/dma/", "dmaengine: {stem}:"),
    (r"drivers/tty/serial/", "serial: {stem}:"),
    (r"drivers/scsi/([\w-]+)/", r"scsi: \1:"),
    (r"drivers/scsi/", "scsi: {stem}:"),
    (r"drivers/usb/gadget/udc/", "usb: gadget: {stem}:"),
    (r"drivers/usb/([\w-]+)/", r"usb: \1:"),
    (r"drivers/mtd/nand/raw/([\w-]+)/", r"mtd: rawnand: \1:"),
    (r"drivers/mtd/nand/raw/", "mtd: rawnand: {stem}:"),
    (r"drivers/mtd/", "mtd: {stem}:"),
    (r"drivers/nvme/host/", "nvme-{stem}:"),
    (r"drivers/nvme/target/", "nvmet-{stem}:"),
    (r"drivers/hwtracing/intel_th/", "intel_th: {stem}:"),
    (r"drivers/staging/([\w-]+)/", r"staging: \1:"),
    (r"drivers/pci/endpoint/functions/", "PCI: endpoint: {stem}:"),
    (r"drivers/remoteproc/", "remoteproc: {stem}:"),
    (r"drivers/fpga/", "fpga: {stem}:"),
    (r"drivers/rapidio/devices/", "rapidio: {stem}:"),
    (r"drivers/misc/([\w-]+)/", r"misc: \1:"),
    (r"drivers/misc/", "misc: {stem}:"),
]


def subject_prefix(path):
    """The subject prefix for a patch touching ``path`` (relative to the
    tree), e.g. ``drivers/crypto/sa2ul.c`` -> ``crypto: sa2ul -``.

    Fallback for a path no rule knows: ``<subsystem>: <driver>:``, the
    driver being the first directory under the subsystem or the file.
    """
    stem = os.path.splitext(os.path.basename(path))[0]
    for pat, tmpl in PREFIXES:
        m = re.search(pat, path)
        if m:
            return m.expand(tmpl).replace("{stem}", stem)
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] == "drivers":
        sub = parts[1]
        drv = parts[2] if len(parts) > 3 else stem
        return f"{sub}: {drv}:" if drv != sub else f"{sub}:"
    return f"{parts[0]}:"


# -- grouping --------------------------------------------------------------

LOCAL_INCLUDE = re.compile(r'^#include\s+"([^"]+\.h)"', re.M)


def group_files(files, texts):
    """One group per driver patch: ``files`` (relative paths) grouped by
    subject prefix, and groups merged when a changed header is included
    (``#include "..."``, resolved beside the includer) by a file of
    another group, so no patch leaves the tree half-changed.

    ``texts`` maps a path to its new text.  Returns [(prefix, [files])],
    sorted by prefix.
    """
    parent = {f: f for f in files}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_prefix = {}
    for f in files:
        p = subject_prefix(f)
        if p in by_prefix:
            parent[find(f)] = find(by_prefix[p])
        else:
            by_prefix[p] = f
    changed = set(files)
    for f in files:
        for name in LOCAL_INCLUDE.findall(texts.get(f, "")):
            h = os.path.normpath(os.path.join(os.path.dirname(f), name))
            if h in changed:
                parent[find(f)] = find(h)
    groups = {}
    for f in sorted(files):
        groups.setdefault(find(f), []).append(f)
    out = []
    for members in groups.values():
        prefixes = sorted({subject_prefix(f) for f in members})
        out.append((prefixes[0], members))
    return sorted(out)


# -- the `< 0` test of a dma_map_sg() count --------------------------------

MAP_ASSIGN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<var>[\w.>\[\]-]+)\s*=\s*dma_map_sg(?:_attrs)?\(",
    re.M)
NEG_TEST = r"^(?P<ind>[ \t]*)if \((?P<var>{var}) < 0\)(?P<brace> \{{)?\n"


def _statement_end(text, start):
    """Index just past the ';' that ends the statement starting at start."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == ";" and depth == 0:
            return i + 1
    return len(text)


def find_negative_map_tests(text):
    """[(line, var, start, end)] of each ``if (var < 0)`` that directly
    follows ``var = dma_map_sg(...)`` (blank lines allowed between):
    dma_map_sg() returns 0 on failure, never a negative errno, so that
    test never fires.  start/end delimit the whole if statement."""
    out = []
    for m in MAP_ASSIGN.finditer(text):
        end = _statement_end(text, m.end() - 1)
        rest = text[end:]
        nl = rest.find("\n")
        rest_start = end + nl + 1
        while text[rest_start:rest_start + 1] == "\n":
            rest_start += 1
        t = re.compile(NEG_TEST.format(var=re.escape(m.group("var"))),
                       re.M).match(text, rest_start)
        if not t:
            continue
        if t.group("brace"):
            close = text.find("\n" + t.group("ind") + "}\n", t.end() - 1)
            if close < 0:
                continue
            stmt_end = close + len(t.group("ind")) + 3
        else:
            stmt_end = text.find("\n", _statement_end(text, t.end())) + 1
        line = text.count("\n", 0, t.start()) + 1
        out.append((line, m.group("var"), t.start(), stmt_end))
    return out


def _errno_used(text, before):
    """The errno a function already returns for a failed dma_map_sg()
    (``if (!x) { ret = -EIO; ...``), or -ENOMEM, the most common one."""
    start = text.rfind("\n{\n", 0, before)
    m = re.search(r"if \(!\w+\) \{\n\s*\w+ = (-E[A-Z]+);",
                  text[max(start, 0):before])
    return m.group(1) if m else "-ENOMEM"


def fix_negative_map_test(text, start, end, var):
    """The text with the ``if (var < 0)`` statement at [start, end) made to
    see the failure: the test becomes ``!var``, and a path that reports the
    count (``ret = var;``, or ``var`` itself when it is the function's
    error value) reports an errno instead.  Returns (text, errno) or
    (None, reason) when the shape is not one this knows."""
    stmt = text[start:end]
    lines = stmt.split("\n")
    ind = re.match(r"[ \t]*", lines[0]).group(0)
    errno = _errno_used(text, start)
    head = f"{ind}if (!{var})"
    body = lines[1:-1] if stmt.endswith("\n") else lines[1:]
    braced = lines[0].endswith("{")
    if braced:
        body = body[:-1]                # drop the closing brace
    if not body:
        return None, "an empty branch"
    inner = ind + "\t"
    assigns_count = [i for i, b in enumerate(body)
                     if re.fullmatch(rf"\s*\w+ = {re.escape(var)};", b)]
    if assigns_count:
        i = assigns_count[0]
        lhs = body[i].split("=")[0].strip()
        body[i] = f"{inner}{lhs} = {errno};"
    elif any(re.search(rf"\breturn {re.escape(var)};", b) for b in body):
        body = [re.sub(rf"\breturn {re.escape(var)};", f"return {errno};", b)
                for b in body]
    elif re.fullmatch(r"\w+", var) and _returned_later(text, end, var):
        body = [f"{inner}{var} = {errno};"] + body
    if len(body) == 1:
        new = f"{head}\n{body[0]}\n"
    else:
        new = f"{head} {{\n" + "\n".join(body) + f"\n{ind}}}\n"
    return text[:start] + new + text[end:], errno


def function_span(text, pos):
    """(start, end, name) of the function definition around ``pos``: from
    its head line to its closing brace at column 0."""
    body = text.rfind("\n{\n", 0, pos)
    if body < 0:
        return None
    head = text.rfind("\n\n", 0, body) + 2
    close = text.find("\n}\n", pos)
    m = re.search(r"(\w+)\s*\(", text[head:body + 1])
    return head, close + 3, m.group(1) if m else None


SPLIT_PAGE = re.compile(r"\bsplit_page\((\w+), (\w+)\);")


def fix_split_page_free(text, name):
    """In function ``name``: a block that split_page() made into single
    pages must be freed page by page.  An error path that frees it with
    ``__free_pages(page, order)`` becomes
    ``free_pages_exact(page_address(page), PAGE_SIZE << order)``, which
    does.  Returns the new text, or None when there is nothing to fix."""
    m = re.search(rf"^\w[^;{{]*\b{re.escape(name)}\([^;{{]*\)\n\{{\n",
                  text, re.M)
    if not m:
        return None
    start, end, _ = function_span(text, m.end())
    fn = text[start:end]
    sp = SPLIT_PAGE.search(fn)
    if not sp:
        return None
    page, order = sp.groups()
    bad = f"__free_pages({page}, {order});"
    at = fn.find(bad, sp.end())
    if at < 0:
        return None
    good = f"free_pages_exact(page_address({page}), PAGE_SIZE << {order});"
    fn = fn[:at] + good + fn[at + len(bad):]
    return text[:start] + fn + text[end:]


def _returned_later(text, pos, var):
    """Whether ``var`` is what the function returns after ``pos`` (to the
    closing brace at column 0): then the failure path must set it."""
    close = text.find("\n}\n", pos)
    return re.search(rf"\breturn {re.escape(var)};", text[pos:close]) \
        is not None


# -- kernel-doc for struct members the migration added ---------------------

MISSING_MEMBER = re.compile(
    r"warning: Function parameter or struct member '(\w+)' not described "
    r"in '(\w+)'")


def describe_members(text, struct, members, specs):
    """{member: description} for members of ``struct`` whose type is a
    spec's storage (``struct <prefix>``) or one of its state types, said
    from the spec model; members of other types are left out."""
    body = _struct_body(text, struct)
    out = {}
    for member in members:
        m = re.search(rf"struct (\w+)\s*(\*?)\s*{re.escape(member)}\s*;", body
                      or "")
        if not m:
            continue
        ctype, ptr = m.group(1), m.group(2)
        base = _documented_base(text, struct, member)
        of = f" of @{base}" if base else ""
        for spec in specs:
            if ctype == spec.prefix and not ptr:
                out[member] = (f"storage behind the typed {spec.name} "
                               f"handle{of}")
            for st in spec.states:
                if ctype == st.cname and not ptr:
                    out[member] = (f"typed {spec.name} handle{of}, in "
                                   f"state {st.name}")
    return out


def _comment_of(text, struct):
    """(start, end) of the kernel-doc comment of ``struct``, or None."""
    m = re.search(rf"/\*\*\s*\n\s*\*\s*struct {re.escape(struct)}\b.*?\*/",
                  text, re.S)
    return (m.start(), m.end()) if m else None


def _struct_body(text, struct):
    m = re.search(rf"\bstruct {re.escape(struct)}\s*\{{(.*?)\n\}};", text,
                  re.S)
    return m.group(1) if m else None


def _documented_base(text, struct, member):
    """The longest member documented in the comment whose name starts
    ``member`` (``sg`` for ``sg_dma``), or None."""
    span = _comment_of(text, struct)
    if not span:
        return None
    names = re.findall(r"^\s*\*\s*@(\w+):", text[span[0]:span[1]], re.M)
    best = [n for n in names if member.startswith(n + "_") and n != member]
    return max(best, key=len) if best else None


def add_member_docs(text, struct, docs):
    """``text`` with an ``@member: description`` line for each of ``docs``
    in the kernel-doc comment of ``struct``: after the description of the
    member it derives from (in the order given), else after the last
    member line; the separator after the colon copies that line's."""
    span = _comment_of(text, struct)
    if not span or not docs:
        return text
    lines = text[span[0]:span[1]].split("\n")
    placed = {}
    for member, desc in docs.items():
        if any(re.match(rf"\s*\*\s*@{re.escape(member)}:", ln)
               for ln in lines):
            continue
        base = _documented_base(text, struct, member)
        member_lines = [i for i, ln in enumerate(lines)
                        if re.match(r"\s*\*\s*@\w+:", ln)]
        if not member_lines:
            at, ref = 1, " * @x: "
        else:
            start = member_lines[-1]
            if base:
                start = next(i for i in member_lines
                             if re.match(rf"\s*\*\s*@{re.escape(base)}:",
                                         lines[i]))
            ref = lines[start]
            at = start + 1
            while at < len(lines) - 1 and re.match(r"\s*\*\s+\S",
                                                   lines[at]) \
                    and not re.match(r"\s*\*\s*@", lines[at]):
                at += 1
            at = max(at, placed.get(base, 0))
        m = re.match(r"(\s*\*\s*)@\w+:(\s*)", ref)
        lead, sep = m.group(1), m.group(2) or " "
        head = f"{lead}@{member}:"
        cont = lead.rstrip() + "\t"
        if "\t" in sep:
            # Align the description with the reference line's, by tabs.
            col = len((ref[:m.end()]).expandtabs(8))
            w, sep = len(head.expandtabs(8)), ""
            while w < col or not sep:
                w = (w // 8 + 1) * 8
                sep += "\t"
            while len(cont.expandtabs(8)) < col:
                cont += "\t"
        else:
            sep = " "
        words = desc.split()
        out, cur = [], head + sep + words[0]
        for w in words[1:]:
            if len(cur.expandtabs(8)) + 1 + len(w) <= 80:
                cur += " " + w
            else:
                out.append(cur)
                cur = cont + w
        out.append(cur)
        lines[at:at] = out
        placed[base] = at + len(out)
    return text[:span[0]] + "\n".join(lines) + text[span[1]:]


# -- MAINTAINERS -----------------------------------------------------------

SECTION = "TYPESTATE HANDLES (GENERATED BY TYPESTATE-GEN)"


def maintainers_entry(text, who, files):
    """MAINTAINERS with the typestate section holding exactly ``files``
    (added to any it already has): created in alphabetical place the
    first time.  ``who`` is "Name <email>"."""
    lines = text.split("\n")
    try:
        start = lines.index(SECTION)
        end = start + 1
        while end < len(lines) and lines[end]:
            end += 1
        old = [ln[3:] for ln in lines[start:end] if ln.startswith("F:\t")]
        del lines[start:end]
    except ValueError:
        old = []
        start = None
    # Sections are a title line followed by tagged lines, in sorted order.
    if start is None:
        start = len(lines)
        for i in range(1, len(lines) - 1):
            if re.match(r"^[A-Z0-9][^\t]*$", lines[i]) and \
                    re.match(r"^[A-Z]:\t", lines[i + 1]) and \
                    lines[i - 1] == "" and lines[i] > SECTION:
                if lines.index("Maintainers List") < i if \
                        "Maintainers List" in lines else True:
                    start = i
                    break
        lines[start:start] = [""]
        start += 0
    entry = [SECTION, f"M:\t{who}", "L:\tlinux-kernel@vger.kernel.org",
             "S:\tMaintained"]
    entry += [f"F:\t{f}" for f in sorted(set(old) | set(files))]
    lines[start:start] = entry
    out = "\n".join(lines)
    return out.replace("\n\n\n", "\n\n")


# -- what a driver patch does ----------------------------------------------

CALL = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")


def diff_facts(diff, prefixes):
    """Facts about a unified diff for the commit message: functions
    touched (from hunk headers), raw calls that went away, typed calls
    that came in (names starting with a spec prefix + '_'), members added
    to structs, and `< 0` tests of a map count that the change removes.
    """
    funcs, removed, added, members, negative = [], set(), set(), [], []
    minus, plus = [], []
    in_struct = False
    for line in diff.split("\n"):
        m = re.match(r"^@@ [^@]+ @@ ?(.*)$", line)
        if m:
            in_struct = re.match(r"struct (\w+) \{", m.group(1))
            f = re.search(r"(\w+)\s*\(", m.group(1))
            if f and f.group(1) not in funcs:
                funcs.append(f.group(1))
            continue
        if line.startswith("-") and not line.startswith("---"):
            minus.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            plus.append(line[1:])
            m = re.match(r"^\+\s+struct (\w+) \*?(\w+);", line)
            if in_struct and m and m.group(1).startswith(tuple(prefixes)):
                members.append(f"{in_struct.group(1)}.{m.group(2)}")
    typed = tuple(p + "_" for p in prefixes)
    for ln in minus:
        removed.update(CALL.findall(ln))
        m = re.search(r"if \(([\w.>\[\]-]+) < 0\)", ln)
        if m:
            negative.append(m.group(1))
    for ln in plus:
        added.update(c for c in CALL.findall(ln) if c.startswith(typed))
    plus_calls = {c for ln in plus for c in CALL.findall(ln)}
    removed = {c for c in removed if c not in plus_calls
               and not c.startswith(typed) and c not in ("if", "for",
                                                         "while", "sizeof",
                                                         "return")}
    return {"functions": funcs, "removed": sorted(removed),
            "added": sorted(added), "members": members,
            "negative_tests": negative}


def message(subject, body, width=72):
    """A commit message: the subject line as it is, the body wrapped."""
    return subject.strip() + "\n\n" + wrap(body, width)


def wrap(text, width=72):
    """Paragraphs (blank-line separated) wrapped at ``width``; lines that
    start with '-' or a space are list items or code and stay as they are
    (a long item is wrapped with a two-space hanging indent)."""
    out = []
    for para in text.strip("\n").split("\n\n"):
        lines = para.split("\n")
        if any(ln.startswith(("- ", "  ")) for ln in lines):
            for ln in lines:
                item = re.match(r"( *)- ", ln)
                if item and len(ln) > width:
                    out.extend(textwrap.wrap(
                        ln, width, subsequent_indent=item.group(1) + "  ",
                        break_long_words=False, break_on_hyphens=False))
                else:
                    out.append(ln)
        else:
            out.extend(textwrap.wrap(" ".join(lines), width,
                                     break_long_words=False,
                                     break_on_hyphens=False))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
