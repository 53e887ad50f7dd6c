# SPDX-License-Identifier: GPL-2.0
"""The kernel-tree cache is shared and read-only: the overlays a checkout
builds in never write through to it, `scripts/kernel-tree.sh verify`
notices any change, and the long steps say what they are doing."""

import os
import stat
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "kernel_tests"))
import progress  # noqa: E402
import tree  # noqa: E402

KERNEL_TREE = os.path.join(ROOT, "scripts", "kernel-tree.sh")


def _sh(*args, env=None):
    return subprocess.run(args, capture_output=True, text=True, env=env,
                          check=False)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache with a small read-only 'extracted tree' and its
    fingerprint, as scripts/kernel-tree.sh leaves them."""
    src = tmp_path / "linux-source-6.12"
    (src / "lib").mkdir(parents=True)
    (src / "include" / "linux").mkdir(parents=True)
    (src / "lib" / "Kconfig.debug").write_text("menu \"Kernel hacking\"\n")
    (src / "lib" / "Makefile").write_text("obj-y += string.o\n")
    (src / "include" / "linux" / "kernel.h").write_text("/* kernel.h */\n")
    subprocess.run(["chmod", "-R", "a-w", str(src)], check=True)
    monkeypatch.setenv("TYPESTATE_CACHE", str(tmp_path))
    fp = _sh(KERNEL_TREE, "fingerprint", str(src)).stdout.strip()
    (tmp_path / "linux-source-6.12.fingerprint").write_text(fp + "\n")
    yield tmp_path, src
    subprocess.run(["chmod", "-R", "u+w", str(tmp_path)], check=False)


def test_verify_notices_a_write(cache):
    tmp, src = cache
    ok = _sh(KERNEL_TREE, "verify")
    assert ok.returncode == 0, ok.stderr
    assert "unchanged since its extraction" in ok.stdout
    path = src / "lib" / "Makefile"
    os.chmod(path, 0o644)
    os.chmod(path, 0o444)              # a chmod alone is a change
    bad = _sh(KERNEL_TREE, "verify")
    assert bad.returncode == 0         # ... back to the same mode: none
    os.chmod(src / "lib", 0o755)
    with open(path, "a", encoding="utf-8") as f:
        f.write("obj-y += typestate/\n")
    bad = _sh(KERNEL_TREE, "verify")
    assert bad.returncode == 1
    assert "was modified after its" in bad.stderr


def test_overlay_never_writes_through(cache):
    tmp, src = cache
    before = _sh(KERNEL_TREE, "fingerprint", str(src)).stdout
    texts = {p: open(p, encoding="utf-8").read()
             for p in (src / "lib" / "Makefile", src / "lib" / "Kconfig.debug")}
    ov = tree.overlay("kunit-tree", str(src))
    assert ov.startswith(str(tmp / "checkouts"))
    assert os.path.basename(os.path.dirname(ov)).startswith(
        os.path.basename(ROOT) + "-")
    # Linked, not copied: the same inode until something replaces it.
    assert os.stat(os.path.join(ov, "lib", "Makefile")).st_ino == \
        os.stat(src / "lib" / "Makefile").st_ino
    for _ in range(2):                 # twice: the second changes nothing
        tree.install_headers(ov)
        tree.install_kunit(ov, str(src))
    for name, hook in (("Makefile", tree.MAKEFILE_HOOK),
                       ("Kconfig.debug", tree.KCONFIG_HOOK)):
        path = os.path.join(ov, "lib", name)
        assert os.stat(path).st_nlink == 1
        assert open(path, encoding="utf-8").read().count(hook) == 1
    assert os.path.isdir(os.path.join(ov, "lib", "typestate"))
    assert os.listdir(os.path.join(ov, "include", "linux", "typestate"))
    assert os.stat(os.path.join(ov, "include", "linux",
                                "kernel.h")).st_nlink == 2
    for p, text in texts.items():
        assert open(p, encoding="utf-8").read() == text
    assert not os.path.exists(src / "lib" / "typestate")
    assert not os.path.exists(src / "include" / "linux" / "typestate")
    assert _sh(KERNEL_TREE, "fingerprint", str(src)).stdout == before
    assert not stat.S_IMODE(os.stat(src / "lib").st_mode) & 0o222
    # The same overlay is kept while the tree is the same one.
    assert tree.overlay("kunit-tree", str(src)) == ov
    assert os.stat(os.path.join(ov, "lib", "Makefile")).st_nlink == 1


def test_install_refuses_the_cache_tree(cache):
    _, src = cache
    with pytest.raises(SystemExit, match="read-only"):
        tree.install_headers(str(src))
    with pytest.raises(SystemExit, match="read-only"):
        tree.install_kunit(str(src))


def test_checkout_dir_is_keyed_by_path(cache):
    tmp, _ = cache
    out = _sh(KERNEL_TREE, "checkout").stdout.strip()
    assert os.path.dirname(out) == str(tmp / "checkouts")
    with open(os.path.join(out, "path"), encoding="utf-8") as f:
        assert f.read().strip() == os.path.realpath(ROOT)


def test_heartbeat_python(monkeypatch, capsys):
    monkeypatch.setattr(progress, "BEAT", 0.5)
    rc, out = progress.run(["sh", "-c", "echo Building it; sleep 1.8; "
                            "echo done; exit 3"], "step")
    assert rc == 3 and out == "Building it\ndone\n"
    beats = [l for l in capsys.readouterr().out.splitlines()
             if l.startswith("  ... step: Building it, ")]
    assert len(beats) >= 2


def test_heartbeat_when_output_is_not_echoed(monkeypatch, capsys):
    """A command that writes all the time but is not echoed still gets its
    heartbeat."""
    monkeypatch.setattr(progress, "BEAT", 0.5)
    rc, out = progress.run(["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 "
                            "12; do echo line $i; sleep 0.2; done"],
                           "busy", echo=False)
    assert rc == 0 and out.count("line") == 12
    beats = [l for l in capsys.readouterr().out.splitlines()
             if l.startswith("  ... busy: ") and "line" not in l]
    assert len(beats) >= 2


def test_heartbeat_shell():
    script = (f". {ROOT}/scripts/progress.sh; "
              "progress 'long step' sh -c 'sleep 3; exit 4'; echo rc=$?")
    r = _sh("sh", "-c", script, env=dict(os.environ, PROGRESS_BEAT="1"))
    assert "rc=4" in r.stdout
    assert r.stderr.count("  ... long step: ") >= 2


def test_no_heartbeat_is_sent_to_a_log():
    """progress prints its heartbeat on stderr: a 'progress ... 2>&1'
    into a log hid it (migrate-check's build of 150 objects ran for
    minutes without a line)."""
    import glob
    import re
    bad = []
    for path in glob.glob(os.path.join(ROOT, "scripts", "*.sh")):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if re.search(r"\bprogress\s+[\"']", line) and \
                        re.search(r"2>\s*(&1|[^&\s])", line):
                    bad.append(f"{os.path.basename(path)}:{n}")
    assert not bad, bad


def test_real_cache_unchanged():
    """The cache `make test` uses, when it has been extracted: its tree is
    what was extracted."""
    cache = os.environ.get("TYPESTATE_CACHE",
                           os.path.expanduser("~/.cache/typestate-gen"))
    if not os.path.exists(os.path.join(cache,
                                       "linux-source-6.12.fingerprint")):
        pytest.skip("no extracted tree in the cache yet")
    r = _sh(KERNEL_TREE, "verify")
    assert r.returncode == 0, r.stderr
