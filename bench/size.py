# SPDX-License-Identifier: GPL-2.0
"""Object sizes before and after the migration: every object the
migration changed, built with the shipped and with the migrated sources
in one tree, configuration and compiler."""

import os
import re
import subprocess

from common import LEAN, built, insns, mnemonics, sh
from migration import pristine

# Drivers the lean config must build as modules to compile migrated files.
# Drivers the lean config must build as modules to compile migrated files.
LEAN_ENABLE = ["DRM", "DRM_VIRTIO_GPU", "VFIO", "VFIO_PCI_CORE",
               "PDS_VFIO_PCI", "PDS_CORE", "VIRTIO_MENU", "VIRTIO_PCI"]


def sizes(obj):
    out = {}
    for line in sh(["size", "-A", obj]).splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in (".text", ".data", ".bss"):
            out[parts[0]] = int(parts[1])
    return out


def functions(obj):
    """{function: [instruction mnemonics]} from objdump."""
    funcs, cur = {}, None
    for line in sh(["objdump", "-d", "--no-show-raw-insn", obj]).splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
        elif cur and re.match(r"^\s+[0-9a-f]+:\t", line):
            insn = line.split("\t", 1)[1].strip()
            funcs[cur].append(re.sub(r"\s+[0-9a-f]+ <.*>$", "", insn))
    return funcs


def prepare_build(tree, build, enable):
    """An x86_64 build directory for the bench's tree: allmodconfig when
    ``enable`` is None, else defconfig with those drivers enabled."""
    if os.path.exists(os.path.join(build, ".typestate-prepared")):
        return
    os.makedirs(build, exist_ok=True)
    make = ["make", "-s", "-C", tree, f"O={build}"]
    if enable is None:
        sh(make + ["allmodconfig"])
    else:
        sh(make + ["defconfig"])
        args = []
        for sym in enable:
            args += ["-m", sym] if sym not in ("DRM", "VFIO", "VIRTIO_MENU") \
                else ["-e", sym]
        sh([os.path.join(tree, "scripts", "config"), "--file",
            os.path.join(build, ".config"), *args])
        sh(make + ["olddefconfig"])
    sh(make + [f"-j{os.cpu_count()}", "prepare"])
    open(os.path.join(build, ".typestate-prepared"), "w").close()


def build_objs(tree, build, objs, make_args=()):
    """Build ``objs`` in one kbuild run (-k: past a broken one), each
    removed first so that a stale object cannot pass for a new one:
    ({obj: path}, kbuild's output) for those that built.  One run instead
    of one per object: kbuild reads its makefiles once."""
    for obj in objs:
        try:
            os.unlink(os.path.join(build, obj))
        except FileNotFoundError:
            pass
    proc = subprocess.run(["make", "-s", "-k", "-C", tree, f"O={build}",
                           f"-j{os.cpu_count()}", *make_args, *objs],
                          check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    return ({obj: os.path.join(build, obj) for obj in objs
             if os.path.exists(os.path.join(build, obj))}, proc.stdout)


def build_error(log, obj):
    """kbuild's error lines about ``obj``'s source in ``log``, the tail
    of the log when none name it."""
    src = obj[:-2] + ".c"
    lines = [l for l in log.splitlines() if src in l or obj in l]
    return "\n".join(lines[-12:]) or log[-1500:]


def compare(tree, build, files, objs):
    """Build each object with every changed file as shipped (before) and
    as migrated (after): rows of (object, {label: (sizes, functions,
    mnemonics)}), None for a build that failed (the config may not
    enable the driver, or the migration broke it); failures are
    printed."""
    migrated = {}
    for rel in files:
        with open(os.path.join(tree, rel), "rb") as f:
            migrated[rel] = f.read()
    res = {obj: {} for obj in objs}
    try:
        for label in ("before", "after"):
            for rel in files:
                with open(os.path.join(tree, rel), "wb") as f:
                    f.write(pristine(rel) if label == "before"
                            else migrated[rel])
            paths, log = build_objs(tree, build, objs)
            for obj in objs:
                path = paths.get(obj)
                if path is None:
                    print(f"bench: {obj} ({label}) did not build in "
                          f"{os.path.basename(build)}:\n"
                          f"{build_error(log, obj)}")
                    res[obj][label] = None
                    continue
                res[obj][label] = (sizes(path), functions(path),
                                   mnemonics(path))
    finally:
        for rel in files:
            with open(os.path.join(tree, rel), "wb") as f:
                f.write(migrated[rel])
    return [(obj[:-2] + ".c", obj, res[obj]) for obj in objs]


def objects_section(configs, chart):
    lines = ["## Object size, before and after the migration", "",
             "Same tree, same configuration, same compiler; only the "
             "files the migration changed differ. Every source it changed "
             "is measured, also those it changed only because a struct in "
             "a shared header gained a handle member.", ""]
    for cfg, rows in configs.items():
        lines += [f"### {cfg}", "",
                  "| object | .text before | .text after | Δ .text | "
                  ".data Δ | .bss Δ |", "|---|---:|---:|---:|---:|---:|"]
        total = [0, 0]
        for rel, obj, res in rows:
            if not (res["before"] and res["after"]):
                bad = [k for k in ("before", "after") if not res[k]]
                lines.append(f"| {obj} | did not build "
                             f"{' or '.join(bad)} the migration in this "
                             "configuration | | | | |")
                continue
            b, a = res["before"][0], res["after"][0]
            d = a[".text"] - b[".text"]
            total[0] += b[".text"]
            total[1] += a[".text"]
            chart.append((f"{os.path.basename(obj)} ({cfg.split()[0]})", d))
            lines.append(f"| {obj} | {b['.text']} | {a['.text']} | {d:+d} | "
                         f"{a.get('.data', 0) - b.get('.data', 0):+d} | "
                         f"{a.get('.bss', 0) - b.get('.bss', 0):+d} |")
        lines += [f"| **total** | {total[0]} | {total[1]} | "
                  f"{total[1] - total[0]:+d} | | |", ""]
        lines += ["Functions whose code differs (instructions before → "
                  "after):", ""]
        for rel, obj, res in built(rows):
            fb, fa = res["before"][1], res["after"][1]
            for fn in sorted(set(fb) | set(fa)):
                if fb.get(fn) != fa.get(fn):
                    lines.append(f"- `{fn}` in {obj}: "
                                 f"{len(fb.get(fn, []))} → "
                                 f"{len(fa.get(fn, []))}")
        lines.append("")
    return lines


def svg(bars):
    """A horizontal bar chart of .text deltas, as plain SVG."""
    width, row, left = 640, 28, 300
    scale = (width - left - 60) / max(1, max(abs(d) for _, d in bars))
    h = row * len(bars) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{h}" font-family="sans-serif" font-size="12">',
           '<text x="10" y="18" font-weight="bold">.text bytes added by '
           'the migration, per object</text>']
    for i, (label, d) in enumerate(bars):
        y = 30 + i * row
        w = max(1, abs(d) * scale)
        colour = "#c0392b" if d > 0 else "#27ae60"
        out.append(f'<text x="10" y="{y + 14}">{label}</text>')
        out.append(f'<rect x="{left}" y="{y + 3}" width="{w:.0f}" '
                   f'height="{row - 10}" fill="{colour}"/>')
        out.append(f'<text x="{left + w + 5:.0f}" y="{y + 14}">{d:+d}'
                   f'</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def reading(configs):
    """The closing section's lines on the .text difference."""
    lines = []
    rows = built(configs[LEAN])
    broken = [obj for _, obj, res in configs[LEAN]
              if not (res["before"] and res["after"])]
    added_b = sum(r["after"][0][".text"] - r["before"][0][".text"]
                  for _, _, r in rows)
    added_i = sum(insns(r["after"][2]) - insns(r["before"][2])
                  for _, _, r in rows)
    lines.append(
        f"- **Zero-byte `.text` difference: "
        f"{'met' if added_b == 0 else 'missed'}** under the lean "
        f"configuration: {added_b:+d} bytes, {added_i:+d} instructions, "
        f"over the {len(rows)} migrated objects that built."
        + (f" Not counted, because they did not build after the "
           f"migration: {', '.join(broken)}." if broken else ""))
    allmod = built(configs.get("allmodconfig", []))
    if allmod:
        d = sum(r["after"][0][".text"] - r["before"][0][".text"]
                for _, _, r in allmod)
        lines.append(
            f"  Under allmodconfig the same migration adds {d:+d} bytes: "
            "KASAN, UBSAN and the other instrumentation of that "
            "configuration work on every access to the handles' storage "
            "as well. Only the lean configuration is attributed below.")
    return lines
