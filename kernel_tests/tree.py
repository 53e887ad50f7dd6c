# SPDX-License-Identifier: GPL-2.0
"""The generated headers and the KUnit suites, in a kernel tree of this
checkout's own.

The extracted tree in the cache (scripts/kernel-tree.sh src) is shared by
every checkout and read-only: nothing here writes into it.  Instead:

  - the compile suite builds its cases as an external module against the
    shared prepared build directory, with the headers in an include
    directory of this checkout (compile_include());
  - KUnit builds, with kunit.py, a copy-on-write view of the tree in this
    checkout's cache directory (overlay()): every directory is a real one,
    every file a hard link to the read-only tree's, and the few files that
    differ (lib/Kconfig.debug, lib/Makefile, lib/typestate/,
    include/linux/typestate/) are new files put in place by rename, never
    written through a link.

    tree.py TREE          headers + lib/typestate/ (KUnit) + Kconfig hooks
    tree.py TREE headers  headers only (what `make migrate` needs)

Copies only files whose content changed, so kbuild's incremental builds
stay incremental; running it twice changes nothing the second time.
"""

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "generated")
HERE = os.path.join(ROOT, "kernel_tests")
KERNEL_TREE = os.path.join(ROOT, "scripts", "kernel-tree.sh")

COCCI_FIXTURES = ("local_lifecycle.after.c", "pin_unpin.after.c",
                  "map_sg_field.after.c", "member_alias.after.c",
                  "return_map.after.c", "exporter.after.c",
                  "acquire_only_attrs.after.c", "param_map.after.c",
                  "nested_member.after.c",
                  "dma_single/kunit.after.c",
                  "dma_single/member.after.c",
                  "dma_single/cleanup.after.c")

KCONFIG_HOOK = 'source "lib/typestate/Kconfig"\n'
MAKEFILE_HOOK = "obj-$(CONFIG_TYPESTATE_KUNIT_TEST) += typestate/\n"
OVERLAY_STAMP = ".typestate-overlay"


def kernel_tree(what):
    """scripts/kernel-tree.sh WHAT: src, cache or checkout."""
    return subprocess.run([KERNEL_TREE, what], check=True,
                          stdout=subprocess.PIPE,
                          text=True).stdout.strip()


def is_cache_tree(path):
    """Whether ``path`` is the shared, read-only extracted tree of a cache
    (it has a fingerprint beside it)."""
    return os.path.isfile(os.path.normpath(os.path.abspath(path))
                          + ".fingerprint")


def _refuse_cache_tree(path):
    if is_cache_tree(path):
        raise SystemExit(f"tree.py: {path} is the shared read-only kernel "
                         "tree of the cache; install into an overlay "
                         "(tree.overlay()) or a copy of it")


def _replace(path, data):
    """Make ``path`` a new file holding ``data`` (bytes), by rename: a hard
    link that was there is replaced, never written through."""
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def sync_dir(files, dest):
    """Make ``dest`` hold exactly ``files`` ({name: source path})."""
    os.makedirs(dest, exist_ok=True)
    changed = 0
    for name, path in files.items():
        target = os.path.join(dest, name)
        if os.path.exists(target) and filecmp.cmp(path, target, shallow=False):
            continue
        with open(path, "rb") as f:
            _replace(target, f.read())
        changed += 1
    for name in os.listdir(dest):
        if name not in files and os.path.isfile(os.path.join(dest, name)) \
                and not name.startswith(".") and not name.endswith(
                    (".o", ".cmd", ".a", ".mod")):
            os.unlink(os.path.join(dest, name))
            changed += 1
    return changed


def hooked(path, line, base=None):
    """``path`` with ``line`` appended once, put in place by rename.  The
    text comes from ``base`` (the pristine file) when given."""
    with open(base or path, encoding="utf-8") as f:
        text = f.read()
    if line not in text:
        text += line
    with open(path, encoding="utf-8") as f:
        if f.read() == text:
            return
    _replace(path, text.encode("utf-8"))


def install_headers(src):
    _refuse_cache_tree(src)
    hdr = os.path.join(GEN, "include", "linux", "typestate")
    files = {n: os.path.join(hdr, n) for n in os.listdir(hdr)}
    return sync_dir(files, os.path.join(src, "include", "linux", "typestate"))


def install_kunit(src, pristine=None):
    """lib/typestate/ and its Kconfig and Makefile hooks in ``src``; the
    hooked files are made from ``pristine``'s (default: ``src``'s own)."""
    _refuse_cache_tree(src)
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
    changed = sync_dir(files, os.path.join(src, "lib", "typestate"))
    for name, hook in (("Kconfig.debug", KCONFIG_HOOK),
                       ("Makefile", MAKEFILE_HOOK)):
        hooked(os.path.join(src, "lib", name), hook,
                pristine and os.path.join(pristine, "lib", name))
    return changed


def overlay(name, src=None):
    """This checkout's copy-on-write view of the read-only tree, in its
    cache directory (scripts/kernel-tree.sh checkout)/``name``: made with
    cp -al on first use, and again when the tree was extracted anew."""
    src = src or kernel_tree("src")
    with open(src + ".fingerprint", encoding="utf-8") as f:
        want = f.read().strip()
    dest = os.path.join(kernel_tree("checkout"), name)
    stamp = os.path.join(dest, OVERLAY_STAMP)
    try:
        with open(stamp, encoding="utf-8") as f:
            if f.read().strip() == want:
                return dest
    except OSError:
        pass
    print(f"tree: making {dest}, a copy-on-write view (hard links) of "
          f"{src}", flush=True)
    tmp = dest + ".tmp"
    for old in (tmp, dest):
        remove_overlay(old)
    subprocess.run(["cp", "-al", src, tmp], check=True)
    # Its directories are its own (only files are links): make them
    # writable, so that new files can be put in place; the files stay the
    # read-only tree's.
    subprocess.run(["find", tmp, "-type", "d", "-exec", "chmod", "u+w",
                    "{}", "+"], check=True)
    with open(os.path.join(tmp, OVERLAY_STAMP), "w", encoding="utf-8") as f:
        f.write(want + "\n")
    os.rename(tmp, dest)
    return dest


def remove_overlay(path):
    """rm -rf an overlay, without chmod-ing a linked file (that would change
    the shared tree's modes)."""
    if not os.path.lexists(path):
        return
    subprocess.run(["find", path, "-type", "d", "-exec", "chmod", "u+w",
                    "{}", "+"], check=False)
    shutil.rmtree(path)


def compile_include():
    """This checkout's include directory for the compile suite: it holds
    linux/typestate/*.h, and is passed to kbuild as -I (ccflags-y)."""
    inc = os.path.join(kernel_tree("checkout"), "compile", "include")
    hdr = os.path.join(GEN, "include", "linux", "typestate")
    sync_dir({n: os.path.join(hdr, n) for n in os.listdir(hdr)},
              os.path.join(inc, "linux", "typestate"))
    return inc


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
