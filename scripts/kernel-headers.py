#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write generator/kernel_headers.txt: the header names <...> can include
in the 6.12 tree on x86_64, which a spec's includes must be one of.

    scripts/kernel-headers.py "$(scripts/kernel-tree.sh src)" \
        "$(scripts/kernel-build.sh)"
"""

import os
import re
import sys

INCLUDE_RE = re.compile(r"[a-z0-9_][a-z0-9_.-]*(/[a-z0-9_][a-z0-9_.-]*)*\.h")


def main(src, build):
    names = set()

    def walk(base, prefix):
        for dirpath, _, files in os.walk(base):
            for f in files:
                if f.endswith(".h"):
                    names.add(prefix + os.path.relpath(
                        os.path.join(dirpath, f), base))

    inc = os.path.join(src, "include")
    for d in os.listdir(inc):
        if d not in ("uapi", "generated", "asm-generic") and \
                os.path.isdir(os.path.join(inc, d)):
            walk(os.path.join(inc, d), d + "/")
    walk(os.path.join(inc, "uapi"), "")
    walk(os.path.join(inc, "asm-generic"), "asm-generic/")
    for d in ("arch/x86/include/asm", "arch/x86/include/uapi/asm"):
        walk(os.path.join(src, d), "asm/")
    # the asm-generic wrappers an x86_64 build generates (generic-y)
    gen = os.path.join(build, "arch/x86/include/generated")
    walk(os.path.join(gen, "asm"), "asm/")
    walk(os.path.join(gen, "uapi/asm"), "asm/")
    out = os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "generator", "kernel_headers.txt")
    with open(out, "w", encoding="utf-8") as f:
        f.write("# The headers <...> can name in Linux 6.12 on x86_64: "
                "include/,\n# include/uapi/, arch/x86/include/{,uapi/}asm "
                "and the asm-generic\n# wrappers an x86_64 build generates.  "
                "An include: must be one of them.\n")
        for n in sorted(names):
            if INCLUDE_RE.fullmatch(n):
                f.write(n + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
