# SPDX-License-Identifier: GPL-2.0
"""What every part of make bench shares: running commands, and reading
instructions out of an object file in a form that diffs well."""

import difflib
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
sys.path.insert(0, os.path.join(ROOT, "kernel_tests"))
import tree as ktree  # noqa: E402,F401

LEAN = "defconfig + drivers"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw).stdout


def timed(cmd, **kw):
    t0 = time.monotonic()
    out = sh(cmd, **kw)
    return time.monotonic() - t0, out


def mnemonics(obj):
    """{function: [normalised instructions]} from objdump -dr, without the
    padding nops: the mnemonic alone, and for an instruction with a
    relocation (a call, a jump, or on UML the movabs that loads a callee's
    address) the symbol it names.
    Registers, offsets and addresses are dropped, so a diff shows what the
    code does differently, not how registers were allocated."""
    funcs, cur = {}, None
    out = sh(["objdump", "-dr", "--no-show-raw-insn", obj])
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
            continue
        if not cur:
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+R_X86_64_\w+\s+([^\s+-]+)", line)
        if m and funcs[cur] and len(funcs[cur][-1].split()) == 1:
            funcs[cur][-1] += f" {m.group(1)}"
            continue
        m = re.match(r"^\s+[0-9a-f]+:\t(\S+)\s*(\S*)", line)
        if not m or m.group(1).startswith(("nop", "data16", "cs")):
            continue            # alignment padding
        if m.group(1) in ("rep", "repz", "repnz", "lock"):
            funcs[cur].append(f"{m.group(1)}_{m.group(2)}")
        else:
            funcs[cur].append(m.group(1))
    return funcs


def ms(values):
    return f"{statistics.median(values) * 1000:.0f} ms"


DIFF_MAX_LINES = 60


def mnemonic_diff(before, after):
    """A unified diff of two normalised instruction lists, runs of equal
    lines collapsed, capped at DIFF_MAX_LINES lines."""
    lines = list(difflib.unified_diff(before, after, "before", "after",
                                      n=1, lineterm=""))
    if len(lines) > DIFF_MAX_LINES:
        rest = len(lines) - DIFF_MAX_LINES
        lines = lines[:DIFF_MAX_LINES] + [f"... ({rest} more diff lines)"]
    return lines


def histogram_delta(before, after):
    """How many more (or fewer) of each instruction, e.g. "mov +7, lea
    +2, call dma_max_mapping_size +1", largest changes first."""
    names = set(before) | set(after)
    d = {n: after.count(n) - before.count(n) for n in names}
    d = sorted(((n, c) for n, c in d.items() if c),
               key=lambda x: (-abs(x[1]), x[0]))
    return ", ".join(f"{n} {c:+d}" for n, c in d) or "none"


def calls(insns):
    return sorted(i.split()[1] for i in insns
                  if i.startswith(("call", "jmp")) and len(i.split()) > 1
                  and not i.split()[1].startswith("__x86_return_thunk"))


def insns(funcs):
    """Instructions in an object, padding excluded: unlike .text, not
    rounded up to the 16-byte alignment of each function."""
    return sum(len(v) for v in funcs.values())


def built(rows):
    """The rows whose object built both before and after."""
    return [r for r in rows if r[2]["before"] and r[2]["after"]]
