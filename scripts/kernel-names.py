#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write generator/kernel_names.txt: the names the 6.12 headers declare,
which no name a generated header or KUnit suite defines may take; and
generator/kernel_errnos.txt: the errno macros a spec's errors may name;
generator/kernel_kconfig.txt: the Kconfig symbols a spec's kunit.config
may name.

    scripts/kernel-names.py "$(scripts/kernel-tree.sh src)"

Read once from a tree and checked in, so that `make gen` needs no kernel
tree (as generator/kernel_headers.txt).  Every header under include/ and
arch/x86/include/ is read, comments and strings removed, and these are
kept, lower-case only (a spec's names are lower-case, so are all the
names generated from them):

  - tags: every 'struct X', 'union X' and 'enum X' (written 'struct X':
    C has one namespace for the three), declared or only mentioned;
  - other names: every macro a '#define' defines, every name followed by
    '(' (functions declared or called, function-like macros used), every
    typedef name and every enum constant, and what cleanup.h's
    DEFINE_FREE(), DEFINE_CLASS() and guard macros define by pasting
    (__free_X, class_X_t, ...).

An over-approximation: a name the headers only call also counts, since it
is declared by a header of the tree or of a driver, and a function-like
macro of that name would break either.
"""

import os
import re
import sys

COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'")
ERRNO = re.compile(r"^#define\s+(E[A-Z0-9_]+)\s+(?:\d+|E[A-Z0-9_]+)\b",
                   re.M)
KCONFIG = re.compile(r"^[ \t]*(?:menu)?config[ \t]+([A-Za-z0-9_]+)[ \t]*$",
                     re.M)
LOWER = re.compile(r"[a-z_][a-z0-9_]*")
DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", re.M)
TAG = re.compile(r"\b(?:struct|union|enum)\s+([A-Za-z_]\w*)")
CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
TYPEDEF = re.compile(r"\btypedef\b[^;{}]*?\b([A-Za-z_]\w*)\s*(?:\[[^;]*)?;")
TYPEDEF_BODY = re.compile(r"\}\s*([A-Za-z_]\w*)\s*;")
ENUM_BODY = re.compile(r"\benum\b[^;{}()]*\{([^{}]*)\}")
ENUMERATOR = re.compile(r"(?:^|,)\s*([A-Za-z_]\w*)")
# cleanup.h's macros paste names together: DEFINE_FREE(name, ...) defines
# __free_name(), DEFINE_CLASS(name, ...) and the guards class_name_t and
# its helpers, EXTEND_CLASS(name, ext, ...) and DEFINE_GUARD_COND(name,
# ext, ...) the same for name##ext.
FREE = re.compile(r"\bDEFINE_FREE\(\s*(\w+)")
CLASS = re.compile(r"\b(?:DEFINE_CLASS|DEFINE_GUARD|DEFINE_LOCK_GUARD_\d)"
                   r"\(\s*(\w+)")
CLASS_EXT = re.compile(r"\b(?:EXTEND_CLASS|DEFINE_GUARD_COND|"
                       r"DEFINE_LOCK_GUARD_\d_COND)\(\s*(\w+)\s*,\s*(\w+)")
CLASS_PARTS = ("_t", "_destructor", "_constructor", "_lock_ptr")


def names(text):
    text = STRING.sub('""', COMMENT.sub(" ", text))
    tags = set(TAG.findall(text))
    other = set(DEFINE.findall(text)) | set(CALL.findall(text)) | \
        set(TYPEDEF.findall(text))
    for m in re.finditer(r"\btypedef\b", text):
        end = TYPEDEF_BODY.search(text, m.end())
        if end and "{" in text[m.end():end.start()]:
            other.add(end.group(1))
    other.update("__free_" + n for n in FREE.findall(text))
    classes = CLASS.findall(text) + [a + b for a, b in CLASS_EXT.findall(text)]
    other.update(f"class_{n}{part}" for n in classes for part in CLASS_PARTS)
    for body in ENUM_BODY.findall(text):
        other.update(ENUMERATOR.findall(re.sub(r"\([^()]*\)", "", body)))
    return tags, other


def main(src):
    tags, other = set(), set()
    for base in ("include", "arch/x86/include"):
        for dirpath, dirs, files in os.walk(os.path.join(src, base)):
            dirs.sort()
            for f in sorted(files):
                if not f.endswith(".h"):
                    continue
                with open(os.path.join(dirpath, f), encoding="utf-8",
                          errors="replace") as fh:
                    t, o = names(fh.read())
                tags |= t
                other |= o
    keep = sorted({n for n in other if LOWER.fullmatch(n)} |
                  {"struct " + n for n in tags if LOWER.fullmatch(n)})
    out = os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "generator", "kernel_names.txt")
    with open(out, "w", encoding="utf-8") as f:
        f.write("# The lower-case names the Linux 6.12 headers (include/, "
                "arch/x86/include/)\n# declare or use: 'struct X' for a "
                "struct, union or enum tag, X for a\n# macro, function, "
                "typedef or enum constant.  Written by\n# "
                "scripts/kernel-names.py; no generated name may be one of "
                "them.\n")
        for n in keep:
            f.write(n + "\n")

    errnos = set()
    for rel in ("include/uapi/asm-generic/errno-base.h",
                "include/uapi/asm-generic/errno.h", "include/linux/errno.h"):
        with open(os.path.join(src, rel), encoding="utf-8") as fh:
            errnos |= set(ERRNO.findall(fh.read()))
    out = os.path.join(os.path.dirname(out), "kernel_errnos.txt")
    with open(out, "w", encoding="utf-8") as f:
        f.write("# The errno macros of Linux 6.12 (include/uapi/asm-generic/"
                "errno-base.h,\n# errno.h, include/linux/errno.h; x86 uses "
                "the generic ones).  Written by\n# scripts/kernel-names.py; "
                "a spec's errors name one of them.\n")
        for n in sorted(errnos):
            f.write(n + "\n")

    symbols = set()
    for dirpath, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d != "Documentation" and
                         not d.startswith("."))
        for f in files:
            if f.startswith("Kconfig"):
                with open(os.path.join(dirpath, f), encoding="utf-8",
                          errors="replace") as fh:
                    symbols |= set(KCONFIG.findall(fh.read()))
    out = os.path.join(os.path.dirname(out), "kernel_kconfig.txt")
    with open(out, "w", encoding="utf-8") as f:
        f.write("# The Kconfig symbols of Linux 6.12 (every 'config' and "
                "'menuconfig' of its\n# Kconfig files, all architectures).  "
                "Written by scripts/kernel-names.py;\n# a spec's "
                "kunit.config names some of them.\n")
        for n in sorted(symbols):
            f.write(f"CONFIG_{n}\n")


if __name__ == "__main__":
    main(sys.argv[1])
