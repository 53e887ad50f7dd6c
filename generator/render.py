# SPDX-License-Identifier: GPL-2.0
"""Render a checked model through templates/ into files.

Rendering is pure: ``render(specs)`` returns {relative path: text}.  Writing
is separate (``write``) and happens only after every spec rendered, so a bad
spec leaves generated/ untouched.
"""

import json
import os
import re
import string
import tempfile
import textwrap

import jinja2

from . import cases
from .model import c_decl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(ROOT, "templates")
WIDTH = 100          # checkpatch's line limit
DOC_WIDTH = 80       # kernel-doc prose


def _cols(text):
    """Display width of ``text`` with 8-column tabs."""
    col = 0
    for ch in text:
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return col


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
        lines.append(f"{tabs}{head.rstrip()}")
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
    lines = [f"\t{before}_Generic((typeof({ctrl}))NULL,"]
    for i, (ctype, fn) in enumerate(assoc):
        end = ")" if i == len(assoc) - 1 else ","
        lines.append(f"\t\t{ctype} : {fn}{end}")
    call = "(" + ", ".join(args) + ")" + after
    if _cols(lines[-1] + call) <= WIDTH - 8:
        lines[-1] += call
    else:
        lines.append("\t\t" + call)
    return macro(head, lines)


def code(snippet, body="body", indent=1):
    """A spec's C snippet, placeholders filled, re-indented with tabs."""
    return code_plain(snippet.render(body), indent)


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
                       code=code, doc=doc, c_decl=c_decl, call=call,
                       code_plain=code_plain)
    env.filters.update(
        format_error=lambda e: f"-{e['code']} if {e['when']}",
        append=lambda s, suffix: s + suffix,
        prepend=lambda s, head: head + s,
        paren=lambda s: f"({s})",
        step_assoc=lambda st: (st.src.ctype + " *", st.cname),
        release_assoc=lambda st: (st.ctype + " *", st.cname + "_release"),
        body_assoc=lambda st: (st.ctype + " *", f"__{st.cname}_body"),
        release_word=lambda v: f"the {v.holds} of {v.dim.name}={v.name}",
        uses_body=lambda c: "body" in c.render("body"),
        names=lambda params: [a.name for a in params],
        fill=lambda text, op: _fill(op.spec, text, "body"),
        expand_iter=lambda text, op: _fill(op.spec, text, f"{op.impl}(h)"),
        kunit_arg=lambda name, plan, op: plan.arg(op, name),
        star=_star,
        cstr=lambda s: s.replace("\\", "\\\\").replace('"', '\\"'),
    )
    return env


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


def _fill(spec, text, body):
    raw = string.Template(spec.raw_expr).substitute(body=body)
    return string.Template(text).substitute(body=body, raw=raw)


def header_path(spec):
    return f"include/linux/typestate/{spec.name}.h"


def kernel_doc_paths(spec):
    """Where the Documentation page and its state diagram go in a kernel
    tree: (page, diagram), relative to the tree."""
    base = f"Documentation/core-api/typestate-{spec.name}"
    return base + ".rst", base + ".dot"


def render(specs):
    """{path relative to generated/: text} for every checked spec."""
    env = _env()
    files = {}
    for spec in specs:
        source = _rel(spec.file)
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
        if spec.coccinelle is not None:
            files[f"coccinelle/{spec.name}.cocci"] = env.get_template(
                "cocci.j2").render(spec=spec, source=source)
        elif getattr(spec, "migration", None) is not None:
            files[f"coccinelle/{spec.name}.cocci"] = env.get_template(
                "migrate.cocci.j2").render(spec=spec, m=spec.migration,
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
    return files


def _rel(path):
    try:
        rel = os.path.relpath(os.path.abspath(path), ROOT)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def write(files, outdir):
    """Make ``outdir`` hold exactly ``files``; touch only what changed.

    Returns the list of paths written or removed.
    """
    changed = []
    for rel, text in sorted(files.items()):
        path = os.path.join(outdir, rel)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        changed.append(rel)
    for rel in sorted(existing(outdir)):
        if rel not in files:
            os.unlink(os.path.join(outdir, rel))
            changed.append(rel)
    return changed


def existing(outdir):
    """Files currently under ``outdir``, relative to it."""
    out = set()
    for dirpath, _, names in os.walk(outdir):
        for name in names:
            out.add(os.path.relpath(os.path.join(dirpath, name), outdir))
    return out
