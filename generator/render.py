# SPDX-License-Identifier: GPL-2.0
"""Render a checked model through templates/ into files.

Rendering is pure: ``render(specs)`` returns {relative path: text}.  Writing
is separate (``write``) and happens only after every spec rendered, so a bad
spec leaves generated/ untouched; the write itself is all or nothing.
"""

import json
import os
import re
import shutil
import tempfile
import textwrap

import jinja2

from . import cases, lint
from .model import c_decl, display_cols as _cols

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(ROOT, "templates")
WIDTH = 100          # checkpatch's line limit
DOC_WIDTH = 80       # kernel-doc prose


def _indent_to(col):
    return "\t" * (col // 8) + " " * (col % 8)


def _wrap_args(start, args, end):
    """Lines of ``start`` + ``args`` joined by commas + ``end``, continuing
    under the character after the open parenthesis that ends ``start``."""
    lines = []
    line = start
    align = _cols(start)
    for i, a in enumerate(args):
        piece = a + (end if i == len(args) - 1 else ",")
        if line.endswith("(") or _cols(line + " " + piece) <= WIDTH:
            line += ("" if line.endswith("(") else " ") + piece
        else:
            lines.append(line)
            line = _indent_to(align) + piece
    lines.append(line)
    return lines


def proto(ret, name, params, prefix="static inline "):
    """A function head wrapped the kernel way, aligned to the open paren."""
    params = params or ["void"]
    sep = "" if ret.endswith("*") else " "
    head = f"{prefix}{ret}{sep}{name}("
    first_line = head + params[0] + ("," if len(params) > 1 else ")")
    lines = []
    if _cols(first_line) > WIDTH:
        lines.append(f"{prefix}{ret}")
        head = f"{name}("
    return "\n".join(lines + _wrap_args(head, params, ")"))


def call(head, fn, args, end=";", indent=1):
    """``head fn(args)end`` as statement lines, wrapped the kernel way.

    Arguments continue aligned to the open parenthesis; when ``head`` (an
    assignment's left side) leaves too little room, the call moves to the
    next line, one tab deeper.
    """
    tabs = "\t" * indent
    one = f"{tabs}{head}{fn}({', '.join(args)}){end}"
    if _cols(one) <= WIDTH:
        return one
    lines = []
    start = f"{tabs}{head}{fn}("
    if head and _cols(start) > 56:
        head = head.rstrip()
        if _cols(tabs + head) > WIDTH and " __free(" in head:
            decl, free = head.split(" __free(", 1)
            lines += [tabs + decl, f"{tabs}\t__free({free}"]
        else:
            lines.append(tabs + head)
        start = f"{tabs}\t{fn}("
    return "\n".join(lines + _wrap_args(start, args, f"){end}"))


def macro(head, lines):
    """A multi-line #define with its backslashes aligned on a tab stop.

    ``lines`` are the body lines, already indented.
    """
    lines = [f"#define {head}"] + list(lines)
    width = max(_cols(line) for line in lines[:-1])
    col = (width // 8 + 1) * 8
    out = []
    for line in lines[:-1]:
        if col + 1 > WIDTH:           # no tab stop left: one space
            out.append(line + " \\")
            continue
        pad = col - _cols(line)
        out.append(line + "\t" * ((pad + 7) // 8) + "\\")
    out.append(lines[-1])
    return "\n".join(out)


def generic_macro(head, ctrl, assoc, args, before="", after=""):
    """A #define whose body selects a function by the type of ``ctrl``.

    ``assoc`` is a list of (type, function) pairs; the selected function is
    called with ``args``.  Any other type is a compile error naming the
    type, which is what makes a state illegal.
    """
    lines = [f"\t{before}_Generic((typeof({ctrl})){{}},"]
    for i, (ctype, fn) in enumerate(assoc):
        end = ")" if i == len(assoc) - 1 else ","
        line = f"\t\t{ctype} : {fn}{end}"
        if _cols(line) + 2 > WIDTH:
            lines += [f"\t\t{ctype} :", f"\t\t\t{fn}{end}"]
        else:
            lines.append(line)
    call = "(" + ", ".join(args) + ")" + after
    if _cols(lines[-1] + call) <= WIDTH - 8:
        lines[-1] += call
    else:
        lines.append("\t\t" + call)
    return macro(head, lines)


def code(snippet, body="body", indent=1, extended=False):
    """A spec's C snippet, placeholders filled, re-indented with tabs;
    ``extended``: ``body`` points to the extended storage."""
    return code_plain(snippet.render(body, extended), indent)


def code_plain(text, indent=1):
    """Plain C from a spec (no placeholders), re-indented with tabs."""
    out = []
    for raw in text.rstrip("\n").split("\n"):
        stripped = raw.lstrip(" \t")
        if not stripped:
            out.append("")
            continue
        col = _cols(raw[:len(raw) - len(stripped)])
        out.append("\t" * indent + _indent_to(col) + stripped.rstrip())
    return "\n".join(out)


def doc(text, first="", lead=" * ", width=DOC_WIDTH):
    """Wrap prose into kernel-doc comment lines.

    Paragraphs (separated by blank lines) are kept; ``first`` prefixes the
    first line (e.g. ``@dev: ``).
    """
    paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = []
    for n, para in enumerate(paras):
        words = " ".join(para.split())
        init = lead + (first if n == 0 else "")
        wrapped = textwrap.wrap(words, width=width, initial_indent=init,
                                subsequent_indent=lead,
                                break_long_words=False,
                                break_on_hyphens=False)
        if n:
            out.append(lead.rstrip())
        out.extend(wrapped or [init.rstrip()])
    return "\n".join(out)


def fit(text):
    """One comment line `` * text``, or the text wrapped as kernel-doc
    prose when the line would be wider than checkpatch allows."""
    line = " * " + text
    if _cols(line) <= WIDTH:
        return line
    return doc(text)


def comment(text):
    """A one-line ``/* text */``, or a block comment when that is too wide."""
    line = f"/* {text} */"
    if _cols(line) <= WIDTH:
        return line
    return "/*\n" + doc(text) + "\n */"


def _bytecode_cache():
    """Compiled templates, cached outside the repository (a speed-up only:
    a cache that cannot be made is simply not used)."""
    base = os.environ.get("TYPESTATE_CACHE",
                          os.path.join(os.path.expanduser("~"), ".cache",
                                       "typestate-gen"))
    path = os.path.join(base, "jinja")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(path)


def _env():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        autoescape=False)
    env.globals.update(proto=proto, macro=macro, generic_macro=generic_macro,
                       code=code, doc=doc, fit=fit, comment=comment,
                       c_decl=c_decl, call=call, code_plain=code_plain)
    env.filters.update(
        format_error=lambda e: (f"-{e['code']}" if e["code"] != "any"
                                else "the called function's -errno")
        + f" if {e['when']}",
        append=lambda s, suffix: s + suffix,
        mv_of=lambda name: ("E" if name == "obj" else "P_" + name),
        inherit=lambda name, rule: f"{rule}.{name}",
        prepend=lambda s, head: head + s,
        paren=lambda s: f"({s})",
        step_assoc=lambda st: (st.src.ctype, st.cname),
        release_assoc=lambda st: (st.ctype, st.cname + "_release"),
        body_assoc=lambda st: (st.ctype, f"__{st.cname}_body"),
        op_assoc=lambda st, op: (st.ctype, f"__{st.cname}_"
                                 + ("common" if st.storage_type
                                    != op.storage_type else "body")),
        take_assoc=lambda st: (st.ctype, f"__{st.cname}_take"),
        err_return=_err_return,
        release_word=lambda v: f"the {v.holds} of {v.dim.name}={v.name}",
        uses_body=lambda c: "body" in c.render("body"),
        names=lambda params: [a.name for a in params],
        fill=lambda text, op: op.spec.fill(text, "body", op.extended),
        expand_iter=lambda text, op: op.spec.fill(text, f"{op.impl}(h)",
                                                  op.extended),
        kunit_arg=lambda name, plan, op: plan.arg(op, name),
        star=_star,
        cstr=cstr,
    )
    return env


_RETURN_ERR = re.compile(r"^(\s*)return ERR_PTR\((.*)\);$", re.M)


def _err_return(text, ctype):
    """A snippet's ``return ERR_PTR(e);`` returns a handle that holds the
    error: handles are values, not pointers."""
    return _RETURN_ERR.sub(
        lambda m: f"{m.group(1)}return ({ctype}){{ .body = ERR_PTR({m.group(2)}) }};",
        text)


def cstr(text):
    """``text`` as the inside of a C string literal."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "?":
            out.append("\\?")         # never part of a trigraph
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    return "".join(out)


def _star(rule, pos):
    """The context-mode copy of a report rule: lines that bind the
    reported position are starred."""
    out = []
    for line in rule.rstrip("\n").split("\n"):
        if re.search(rf"@{re.escape(pos)}\b", line):
            out.append("*" + line[1:] if line.startswith(" ") else "*" + line)
        else:
            out.append(line)
    return "\n".join(out)


def header_path(spec):
    return f"include/linux/typestate/{spec.name}.h"


def kernel_doc_paths(spec):
    """Where the Documentation page and its state diagram go in a kernel
    tree: (page, diagram), relative to the tree."""
    base = f"Documentation/core-api/typestate-{spec.name}"
    return base + ".rst", base + ".dot"


MAX_FILES = 5000                # files in generated/, all specs together
MAX_BYTES = 64 << 20            # bytes in generated/


def render(specs):
    """{path relative to generated/: text} for every checked spec."""
    env = _env()
    files = {}
    total = 0
    for spec in specs:
        before = set(files)
        _render_spec(env, spec, files)
        for rel in set(files) - before:
            total += len(files[rel])
            if rel.endswith(".h") or rel.startswith("kunit/") and \
                    rel.endswith(".c"):
                lint_c(spec, rel, files[rel])
        if len(files) > MAX_FILES or total > MAX_BYTES:
            raise spec.loc.error((), f"the specs would generate "
                                 f"{len(files)} files, {total} bytes; the "
                                 f"limit is {MAX_FILES} files and "
                                 f"{MAX_BYTES} bytes")
    return files


def _render_spec(env, spec, files):
    source = source_name(spec.file)
    files[header_path(spec)] = env.get_template("header.h.j2").render(
        spec=spec, source=source)
    case_tmpl = env.get_template("compile_case.c.j2")
    manifest = []
    for case in cases.cases(spec):
        files[f"compile/{spec.name}/{case.file}"] = case_tmpl.render(
            spec=spec, case=case, source=source)
        manifest.append(case.manifest())
    files[f"compile/{spec.name}/cases.json"] = json.dumps(
        {"spec": source, "cases": manifest}, indent=1) + "\n"
    m = getattr(spec, "migration", None)
    if m is not None:
        tmpl = {"chain": "migrate_chain.cocci.j2",
                "reports": "migrate_reports.cocci.j2"}.get(
                    m.kind, "migrate.cocci.j2")
        files[f"coccinelle/{spec.name}.cocci"] = env.get_template(
            tmpl).render(spec=spec, m=m, source=source)
    files[f"lint/{spec.name}.cocci"] = env.get_template(
        "lint.cocci.j2").render(spec=spec, L=lint.resolve(spec),
                                source=source)
    page, figure = kernel_doc_paths(spec)
    files[f"docs/{spec.name}.dot"] = env.get_template(
        "states.dot.j2").render(spec=spec, source=source)
    files[f"docs/{spec.name}.rst"] = env.get_template(
        "docs.rst.j2").render(spec=spec, source=source,
                              header=header_path(spec),
                              figure=os.path.basename(figure))
    if spec.plan is not None:
        files[f"kunit/{spec.name}_gen_kunit.c"] = env.get_template(
            "kunit.c.j2").render(spec=spec, plan=spec.plan, source=source)
        files[f"kunit/{spec.name}.coverage.json"] = json.dumps(
            spec.plan.coverage(), indent=1) + "\n"
        files[f"kunit/{spec.name}.kunitconfig"] = (
            f"# The kernel configuration the {spec.name} KUnit suite needs "
            "(kunit.config\n# of its spec); run_kunit.py adds it to "
            "kernel_tests/.kunitconfig.\n"
            + "".join(f"{sym}=y\n" for sym in spec.kunit.get("config", [])))


def source_name(path):
    """The spec's path as generated files name it, in a C comment: only
    characters that cannot end the comment or form a trigraph, and short
    enough for the line it is on."""
    rel = _rel(path)
    safe = re.sub(r"[^A-Za-z0-9_./+-]", "_", rel)
    if len(safe) > 48:
        safe = ".../" + safe.rsplit("/", 1)[-1][-44:]
    return safe


_TRAILING = re.compile(r"[ \t]$")


def lint_c(spec, rel, text):
    """What checkpatch would say about any line of generated C, as a spec
    error at the spec value the line comes from: no line over 100 columns,
    no trailing white space, no trigraph, no word twice in a row."""
    prev = ""
    for n, line in enumerate(text.split("\n"), 1):
        if _cols(line) > WIDTH:
            why = f"is {_cols(line)} columns wide; the limit is {WIDTH}"
        elif _TRAILING.search(line):
            why = "ends in white space"
        elif "??" in line and re.search(r"\?\?[=/'()!<>-]", line):
            why = "has a trigraph"
        elif _repeated_word(line, prev):
            why = (f"repeats the word '{_repeated_word(line, prev)}' "
                   "(checkpatch: REPEATED_WORD)")
        else:
            prev = line
            continue
        hint = "rename it or reword the text it comes from" \
            if "REPEATED_WORD" in why else \
            "shorten the names or the text it comes from"
        raise _blame(spec, line, _repeated_word(line, prev)).error(
            f"line {n} of generated/{rel} {why}: '{line.strip()}'; {hint}")


_WORD_PAIR = re.compile(r"\b([A-Z]?[a-z]{2,}) (?=([A-Z]?[a-z]{2,})\b)")
_HEX_WORDS_ALLOWED = frozenset({"add", "added", "bad", "be"})


def _repeated_word(line, prev):
    """The word checkpatch's REPEATED_WORD would flag in ``line`` (after
    ``prev``), or None: 'x x' on one line, or a comment line that starts
    with the word the comment line before it ended with."""
    pos = 0
    while True:
        m = _WORD_PAIR.search(line, pos)
        if not m:
            break
        first, second = m.group(1), m.group(2)
        pos = m.end(1)
        if first in ("struct", "union", "enum"):
            pos = m.end(1) + 1 + len(second)
            continue
        if first.lower() != second.lower() or first == "long":
            continue
        end = m.end(1) + 1 + len(second)
        if m.start(1) > 0 and not line[m.start(1) - 1].isspace():
            continue
        if end < len(line) and line[end] not in " \t.,;?!":
            continue
        if re.fullmatch(r"[0-9a-f]{2,}", first, re.I) and \
                first.lower() not in _HEX_WORDS_ALLOWED:
            continue
        return first
    m = re.search(r"([A-Z]?[a-z]{2,})\s*$", prev)
    if m and re.match(r"\s*\*\s", prev) and \
            re.match(rf"\s*\*\s*{m.group(1)} ", line):
        return m.group(1)
    return None


def _blame(spec, line, word=None):
    """The spec node whose text most likely made ``line``: the first name
    that is ``word``, if given, else the value sharing most with it."""
    from .model import Node
    from .schema import string_kinds
    best = (0, ())
    for path, _, value in string_kinds(spec.data):
        if word is not None and value.lower() == word.lower():
            return Node(spec, path)
        score = max((len(w) for w in value.split() if w in line), default=0)
        if value in line:
            score = max(score, len(value) + 1)
        if score > best[0]:
            best = (score, path)
    return Node(spec, best[1])


def _rel(path):
    try:
        rel = os.path.relpath(os.path.abspath(path), ROOT)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def write(files, outdir):
    """Make ``outdir`` hold exactly ``files``, all or nothing.

    The new tree is built next to ``outdir`` (unchanged files hard-linked,
    so they keep their inode and time) and swapped in with one atomic
    rename.  An error, a crash or Ctrl-C before the swap leaves ``outdir``
    exactly as it was; after it, ``outdir`` is complete.  Nothing is
    touched when nothing changed.  Returns the paths written or removed.
    """
    outdir = os.path.realpath(outdir)    # a symlink: swap its target
    have = existing(outdir)
    changed = []
    same = set()
    for rel, text in sorted(files.items()):
        try:
            with open(os.path.join(outdir, rel), encoding="utf-8") as f:
                if f.read() == text:
                    same.add(rel)
                    continue
        except (OSError, UnicodeDecodeError):
            pass
        changed.append(rel)
    changed += sorted(rel for rel in have if rel not in files)
    if not changed:
        return []
    parent = os.path.dirname(outdir)
    os.makedirs(parent, exist_ok=True)
    base = os.path.basename(outdir)
    _clean_leftovers(parent, base)
    tmp = tempfile.mkdtemp(dir=parent, prefix=f".{base}.new.{os.getpid()}.")
    try:
        for rel, text in sorted(files.items()):
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if rel in same:
                try:
                    os.link(os.path.join(outdir, rel), path)
                    continue
                except OSError:
                    pass
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(path, 0o644)
        os.chmod(tmp, 0o755)
        if os.path.isdir(outdir):
            _exchange(tmp, outdir)       # tmp now holds the old tree
        else:
            os.rename(tmp, outdir)
            tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return changed


def _clean_leftovers(parent, base):
    """Trees a killed run left behind (never ``outdir`` itself, nor the
    tree of a run still going)."""
    for name in os.listdir(parent):
        m = re.match(rf"\.{re.escape(base)}\.new\.(\d+)\.", name)
        if not m:
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue                      # its run is alive
        except ProcessLookupError:
            pass
        except OSError:
            continue
        shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _exchange(a, b):
    """Swap two directories atomically (renameat2 RENAME_EXCHANGE); where
    the kernel or libc lacks it, two renames."""
    libc = _libc()
    if libc is not None:
        rc = libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), 2)
        if rc == 0:
            return
    old = a + ".old"
    os.rename(b, old)
    try:
        os.rename(a, b)
    except BaseException:
        os.rename(old, b)
        raise
    os.rename(old, a)


_LIBC = []


def _libc():
    if not _LIBC:
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p,
                                       ctypes.c_int, ctypes.c_char_p,
                                       ctypes.c_uint]
            _LIBC.append(libc)
        except (OSError, AttributeError):
            _LIBC.append(None)
    return _LIBC[0]


def existing(outdir):
    """Files currently under ``outdir``, relative to it."""
    out = set()
    for dirpath, _, names in os.walk(outdir):
        for name in names:
            out.add(os.path.relpath(os.path.join(dirpath, name), outdir))
    return out
