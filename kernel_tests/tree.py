# SPDX-License-Identifier: GPL-2.0
"""Install the generated headers and the KUnit suites into a kernel tree.

    tree.py SRC          headers + lib/typestate/ (KUnit) + Kconfig hooks
    tree.py SRC headers  headers only (what `make migrate` needs)

Copies only files whose content changed, so kbuild's incremental builds
stay incremental; running it twice changes nothing the second time.
"""

import filecmp
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "generated")
HERE = os.path.join(ROOT, "kernel_tests")

COCCI_FIXTURES = ("local_lifecycle.after.c", "pin_unpin.after.c",
                  "map_sg_field.after.c", "dma_single/kunit.after.c",
                  "dma_single/member.after.c")

KCONFIG_HOOK = 'source "lib/typestate/Kconfig"\n'
MAKEFILE_HOOK = "obj-$(CONFIG_TYPESTATE_KUNIT_TEST) += typestate/\n"


def _sync_dir(files, dest):
    """Make ``dest`` hold exactly ``files`` ({name: source path})."""
    os.makedirs(dest, exist_ok=True)
    changed = 0
    for name, path in files.items():
        target = os.path.join(dest, name)
        if os.path.exists(target) and filecmp.cmp(path, target, shallow=False):
            continue
        shutil.copyfile(path, target)
        changed += 1
    for name in os.listdir(dest):
        if name not in files and os.path.isfile(os.path.join(dest, name)) \
                and not name.startswith(".") and not name.endswith(
                    (".o", ".cmd", ".a", ".mod")):
            os.unlink(os.path.join(dest, name))
            changed += 1
    return changed


def _append_once(path, line):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if line in text:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)


def install_headers(src):
    hdr = os.path.join(GEN, "include", "linux", "typestate")
    files = {n: os.path.join(hdr, n) for n in os.listdir(hdr)}
    return _sync_dir(files, os.path.join(src, "include", "linux", "typestate"))


def install_kunit(src):
    files = {}
    for name in os.listdir(HERE):
        if name.endswith((".c", ".h")) or name in ("Kconfig", "Makefile"):
            files[name] = os.path.join(HERE, name)
    # The semantic patch's output for patterns b and d, run by
    # migrated_kunit.c; named .inc so kbuild does not build them alone.
    for name in COCCI_FIXTURES:
        files["cocci_" + name[:-2].replace("/", "_") + ".inc"] = os.path.join(
            ROOT, "tests", "cocci", name)
    kdir = os.path.join(GEN, "kunit")
    for name in os.listdir(kdir):
        if name.endswith(".c"):
            files[name] = os.path.join(kdir, name)
    changed = _sync_dir(files, os.path.join(src, "lib", "typestate"))
    _append_once(os.path.join(src, "lib", "Kconfig.debug"), KCONFIG_HOOK)
    _append_once(os.path.join(src, "lib", "Makefile"), MAKEFILE_HOOK)
    return changed


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = argv[1]
    install_headers(src)
    if len(argv) < 3 or argv[2] != "headers":
        install_kunit(src)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
