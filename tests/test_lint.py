# SPDX-License-Identifier: GPL-2.0
"""The generated lints (generated/lint/*.cocci), with real spatch.

Each spec's lint must report exactly the lines marked "expect:" in
tests/lint/<spec>/misuse.c, with the marked words in the message (at its
end, when they end in "$"), in report
and org mode; and report nothing on legal code: tests/lint/*/legal.c, every
migration fixture's .after.c, the generated KUnit suites and the
hand-written kernel tests.  The test-only kbuf spec, which is not about
DMA, gets its lint rendered here, to show the lint comes from the spec.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import expected_marks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "lint")
OPTS = ["--no-includes", "--include-headers"]
SHIPPED = sorted(os.path.basename(p)[:-5]
                 for p in glob.glob(os.path.join(ROOT, "specs", "*.yaml")))
EXTRA = {"kbuf": os.path.join(ROOT, "tests", "migrate_specs", "kbuf.yaml")}
LEGAL = sorted(
    glob.glob(os.path.join(FIXTURES, "*", "legal.c"))
    + glob.glob(os.path.join(ROOT, "tests", "cocci", "*.after.c"))
    + glob.glob(os.path.join(ROOT, "tests", "cocci", "*", "*.after.c"))
    + glob.glob(os.path.join(ROOT, "generated", "kunit", "*.c"))
    + glob.glob(os.path.join(ROOT, "kernel_tests", "*.c"))
    + glob.glob(os.path.join(ROOT, "kernel_tests", "bench", "*.c")))

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import lint as lint_script  # noqa: E402
from generator.lint import object_calls  # noqa: E402


@pytest.fixture(scope="session")
def lints(tmp_path_factory):
    """{spec name: lint}: the shipped ones from generated/, kbuf's rendered
    into a temporary tree."""
    out = {n: os.path.join(ROOT, "generated", "lint", n + ".cocci")
           for n in SHIPPED}
    tmp = tmp_path_factory.mktemp("gen")
    proc = subprocess.run([sys.executable, "-m", "generator", "gen",
                           "--out", str(tmp), *EXTRA.values()],
                          cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    for n in EXTRA:
        out[n] = str(tmp / "lint" / (n + ".cocci"))
    return out


def spatch(cocci, mode, *files, tmp=None):
    """spatch over ``files``; with ``tmp``, each file its own group."""
    args = list(files)
    if tmp is not None:
        groups = os.path.join(tmp, "groups")
        with open(groups, "w", encoding="utf-8") as f:
            f.write("\n\n".join(files) + "\n")
        args = ["--file-groups", groups]
    return subprocess.run(
        ["spatch", "--very-quiet", "-D", mode, "--cocci-file", cocci, *OPTS,
         *args], capture_output=True, text=True, check=False)


expected = expected_marks


@pytest.mark.parametrize("name", SHIPPED + sorted(EXTRA))
def test_report_exactly_the_marked_misuses(lints, name):
    path = os.path.join(FIXTURES, name, "misuse.c")
    want = expected(path)
    assert want, f"{path} marks no misuse"
    proc = spatch(lints[name], "report", path)
    assert proc.returncode == 0, proc.stderr
    got = {}
    for line in proc.stdout.splitlines():
        m = re.match(r".*misuse\.c:(\d+):\d+-\d+: (.*)$", line)
        assert m, f"unexpected output: {line}"
        got.setdefault(int(m.group(1)), []).append(m.group(2))
    assert sorted(got) == sorted(want), proc.stdout
    for n, words in want.items():
        # "words$": the message ends with them.
        if words.endswith("$"):
            assert any(msg.endswith(words[:-1]) for msg in got[n]), \
                (n, words, got[n])
        else:
            assert any(words in msg for msg in got[n]), (n, words, got[n])
        assert len(got[n]) == 1, (n, got[n])


@pytest.mark.parametrize("name", SHIPPED)
def test_org_mode_lists_the_same_misuses(lints, name):
    path = os.path.join(FIXTURES, name, "misuse.c")
    proc = spatch(lints[name], "org", path)
    assert proc.returncode == 0, proc.stderr
    lines = sorted(int(n) for n in re.findall(
        r"^\* TODO \[\[view:[^:]*misuse\.c::face=ovl-face1::linb=(\d+)",
        proc.stdout, re.M))
    assert lines == sorted(expected(path)), proc.stdout


@pytest.mark.parametrize("name", SHIPPED + sorted(EXTRA))
def test_nothing_reported_on_legal_code(lints, name, tmp_path):
    assert len(LEGAL) > 10
    proc = spatch(lints[name], "report", *LEGAL, tmp=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "", proc.stdout


@pytest.mark.parametrize("name", SHIPPED + sorted(EXTRA))
def test_coccicheck_form(lints, name):
    text = open(lints[name], encoding="utf-8").read()
    lines = text.splitlines()
    assert lines[0] == "// SPDX-License-Identifier: GPL-2.0-only"
    assert lines[1].startswith("/// ") and lines[2] == "///"
    assert re.search(r"^// Confidence: (High|Moderate|Low)$", text, re.M)
    assert re.search(r"^// Options: --no-includes --include-headers$",
                     text, re.M)
    assert re.search(r"^// Keywords: ", text, re.M)
    assert "virtual report\nvirtual org\n" in text
    assert "virtual patch" not in text
    # Every rule that finds something prints in both modes.
    rules = re.findall(r"^@(\w+) depends on report \|\| org exists@$|"
                       r"^@(\w+) depends on report \|\| org@$", text, re.M)
    finders = {a or b for a, b in rules} - {"looks", "rel", "handed",
                                             "rets", "tests"} - {
        r for r in (a or b for a, b in rules) if r.startswith("handoff_")}
    for r in finders:
        for mode in ("report", "org"):
            assert re.search(rf"@script:python depends on {mode}@\n"
                             rf"(\w+ << {r}\.\w+;\n)+", text), (r, mode)


def test_raw_functions_come_from_the_snippets():
    text = ("addr = map_it(dev, ${body}->cpu_addr, min_t(size_t, n, 4));\n"
            "ret = check_it(dev, addr);\n"
            "if (ret)\n        undo_it(&${body}->table, sizeof(*p));\n"
            "other(${raw});\n")
    assert object_calls(text) == ["map_it", "undo_it", "other"]


def tree_with(tmp_path, files):
    for rel, src in files.items():
        dst = tmp_path / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dst)
    return str(tmp_path)


def run_lint(*args):
    return subprocess.run([sys.executable,
                           os.path.join(ROOT, "scripts", "lint.py"), *args],
                          capture_output=True, text=True, check=False)


def test_make_lint_reports_and_fails(tmp_path):
    tree = tree_with(tmp_path, {
        "drivers/a/misuse.c": os.path.join(FIXTURES, "sg_table", "misuse.c"),
        "drivers/b/legal.c": os.path.join(FIXTURES, "dma_single", "legal.c"),
        "drivers/b/unrelated.c": os.path.join(ROOT, "tests", "cocci",
                                              "bugs.c")})
    proc = run_lint(tree)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.splitlines()
    want = expected(os.path.join(FIXTURES, "sg_table", "misuse.c"))
    assert len(out) == len(want) + 1
    assert all(line.startswith("drivers/a/misuse.c:") for line in out[:-1])
    assert out[-1].startswith(f"lint: {len(want)} findings in 1 files; ")
    proc = run_lint(tree, "drivers/b")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("lint: 0 findings"), proc.stdout
    # SPEC=<name>: that spec's lint alone, which finds nothing of sg_table.
    proc = run_lint(tree, "--spec", "dma_single")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("lint: 0 findings"), proc.stdout
    proc = run_lint(tree, "--spec", "sg_table")
    assert proc.returncode == 1 and len(proc.stdout.splitlines()) == \
        len(want) + 1


@pytest.mark.parametrize("args, message", [
    ([], "usage: make lint TREE="),
    (["/nonexistent/tree"], "TREE /nonexistent/tree: no such directory"),
    (["TREE", "../.."], "not inside TREE"),
    (["TREE", "drivers/none"], "DIR drivers/none: not found under"),
    (["TREE", "--spec", "nope"], "no lint for spec 'nope'; known: clk, "
     "dma_single, sg_table"),
    (["TREE", "--spec"], "--spec needs a spec name"),
])
def test_make_lint_usage_errors(tmp_path, args, message):
    args = [str(tmp_path) if a == "TREE" else a for a in args]
    proc = run_lint(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_lint_script_reads_the_header():
    for name in SHIPPED:
        pattern, opts = lint_script.header(
            os.path.join(ROOT, "generated", "lint", name + ".cocci"))
        assert pattern and re.compile(pattern)
        assert opts == OPTS
