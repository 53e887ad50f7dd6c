# SPDX-License-Identifier: GPL-2.0
"""A spec may have report rules without a patch (issue #11, point 5): a
migrate: section with patch: false names the raw forms of its elements,
and the generator derives from the spec (what each element acquires and
releases, and the order the states give their resources back) a
Coccinelle script in coccicheck form with report and org modes and no
patch mode.  tests/migrate_specs/clk_reports.yaml proves it: run
with Debian's spatch on tests/cocci/clk_reports/reports.c it reports
exactly the marked lines, on clean.c nothing; scripts/lint.py (make lint)
and scripts/migrate.py (make migrate) run it and print the findings with
file:line.  The one-line errors for misuse of the form are in
test_bad_specs.py (report_only_*)."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import assert_marked_reports, expected_marks
from generator.__main__ import build

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "tests", "migrate_specs", "clk_reports.yaml")
FIXTURES = os.path.join(ROOT, "tests", "cocci", "clk_reports")
OPTS = ["--no-includes", "--include-headers"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    proc = subprocess.run([sys.executable, "-m", "generator", "--out",
                           str(out), "gen", SPEC], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def cocci(generated):
    return str(generated / "coccinelle" / "clk_reports.cocci")


def spatch(cocci_file, mode, path):
    return subprocess.run(["spatch", "--very-quiet", "-D", mode,
                           "--cocci-file", cocci_file, *OPTS, path],
                          capture_output=True, text=True, check=False)


marked = expected_marks


def test_rules_come_from_the_spec():
    """One double-release rule per resource with forms that acquire and
    release it; one order rule for each pair a state gives back in order
    (enabled: enable, then prepare) where a form gives back the later one
    alone (clk_unprepare())."""
    m = build(SPEC).migration
    assert m.kind == "reports"
    names = [r["name"] for r in m.rules()]
    assert names == ["twice_prepare", "twice_prepare_local", "twice_enable",
                     "twice_enable_local", "order_prepare_enable",
                     "order_prepare_enable_local"]
    order = m.rules()[4]["rule"]
    assert " a@p1(X->F);" in order and "     when != X = E\n" in order
    assert " a@p1(T);" in m.rules()[5]["rule"]
    assert "identifier a = {clk_enable, clk_prepare_enable};" in order
    assert "identifier b = {clk_unprepare};" in order
    assert "when != \\(clk_disable(X->F)\\|clk_disable_unprepare(X->F)\\)" \
        in order
    assert m.candidates() == ["clk_disable", "clk_enable", "clk_prepare",
                              "clk_unprepare"]


def test_coccicheck_form_without_patch_mode(cocci):
    text = open(cocci, encoding="utf-8").read()
    lines = text.splitlines()
    assert lines[0] == "// SPDX-License-Identifier: GPL-2.0-only"
    assert lines[1].startswith("/// Report raw clk calls")
    assert re.search(r"^// Confidence: Low$", text, re.M)
    assert re.search(r"^// Options: --no-includes --include-headers$",
                     text, re.M)
    assert "from tests/migrate_specs/clk_reports.yaml." in text
    for mode in ("org", "report"):
        assert f"virtual {mode}\n" in text
    assert "virtual patch" not in text and "virtual context" not in text
    for word in ("\n-", "\n+", "\n*"):     # nothing removed, added, starred
        assert word not in text


def test_report_fires_on_exactly_the_marked_lines(cocci):
    path = os.path.join(FIXTURES, "reports.c")
    assert len(marked(path)) == 7
    proc = spatch(cocci, "report", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""            # no warning about the rules either
    got = assert_marked_reports(path, proc.stdout)
    assert all(msg.startswith("BUG? ") for msg in got.values()), got


def test_clean_code_is_not_reported(cocci):
    """Failure paths (the enable failed: only the prepare is given back),
    two clocks, a loop over clocks, a clock enabled again, and the right
    order give no report."""
    for mode in ("report", "org"):
        proc = spatch(cocci, mode, os.path.join(FIXTURES, "clean.c"))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "", (mode, proc.stdout)


def test_org_mode_names_the_same_lines(cocci):
    path = os.path.join(FIXTURES, "reports.c")
    proc = spatch(cocci, "org", path)
    assert proc.returncode == 0, proc.stderr
    lines = [int(n) for n in re.findall(r"::linb=(\d+)::", proc.stdout)]
    assert sorted(lines) == sorted(marked(path))


def test_no_patch_mode(cocci):
    """spatch refuses patch mode: the script cannot rewrite anything."""
    proc = spatch(cocci, "patch", os.path.join(FIXTURES, "reports.c"))
    assert proc.stdout == ""
    assert "virtual rule patch not supported" in proc.stderr


def test_forms_with_more_arguments(tmp_path):
    """A form whose object is not its only argument: the rules match its
    argument list, the object at its place and any expression elsewhere,
    so another argument equal to the object is not taken for it."""
    text = open(SPEC, encoding="utf-8").read()
    old = "    summary: enable a prepared clock\n"
    assert text.count(old) == 1
    text = text.replace(old, old + "    params:\n      - {name: flags, type: "
                        "unsigned int, doc: flags}\n")
    old = 'forms: [{call: "clk_enable(${obj})"}]'
    assert text.count(old) == 1
    text = text.replace(old, 'forms: [{call: "clk_enable(${obj})"}, '
                        '{call: "clk_enable_flags(${flags}, ${obj})"}]')
    spec = tmp_path / "clk_reports.yaml"
    spec.write_text(text)
    proc = subprocess.run([sys.executable, "-m", "generator", "--out",
                           str(tmp_path / "out"), "gen", str(spec)],
                          cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    c = tmp_path / "flags.c"
    c.write_text("""#include <linux/clk.h>

static int a(struct clk *c, struct clk *d)
{
\tif (clk_enable_flags(0, c))
\t\treturn -EIO;
\tclk_unprepare(c);
\treturn 0;
}

static int b(struct clk *c, struct clk *d)
{
\tif (clk_enable_flags(d, c))
\t\treturn -EIO;
\tclk_unprepare(d);
\treturn 0;
}
""")
    proc = spatch(str(tmp_path / "out" / "coccinelle" / "clk_reports.cocci"),
                  "report", str(c))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout.splitlines() == [
        f"{c}:7:1-14: BUG? clk_unprepare() gives back the prepare while the "
        "enable that clk_enable_flags() took at line 5 is still held: give "
        "the enable back first"]
    # Two forms with as many arguments, the object at two places: one
    # argument list could not tell them apart; a one-line error.
    spec.write_text(text.replace(
        '{call: "clk_enable_flags(${flags}, ${obj})"}',
        '{call: "clk_enable_flags(${flags}, ${obj})"}, '
        '{call: "clk_enable_rev(${obj}, ${flags})"}'))
    proc = subprocess.run([sys.executable, "-m", "generator", "lint",
                           str(spec)], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert re.match(re.escape(str(spec)) + r":\d+:\d+: error: clk_enable_rev"
                    r"\(\) takes the object as argument 1 of 2, and "
                    r"clk_enable_flags\(\) as argument 2: ", line), line


def _tree(tmp_path):
    tree = tmp_path / "linux"
    (tree / "drivers" / "clk").mkdir(parents=True)
    (tree / "Makefile").write_text("# a kernel tree\n")
    for name in ("reports.c", "clean.c"):
        shutil.copy(os.path.join(FIXTURES, name), tree / "drivers" / "clk")
    return tree


def _run(script, generated, *args):
    env = dict(os.environ, TYPESTATE_GENERATED=str(generated))
    return subprocess.run([sys.executable,
                           os.path.join(ROOT, "scripts", script), *args],
                          capture_output=True, text=True, check=False,
                          env=env)


def test_make_lint_prints_the_findings(generated, tmp_path):
    tree = _tree(tmp_path)
    proc = _run("lint.py", generated, str(tree))
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.splitlines()
    want = marked(os.path.join(FIXTURES, "reports.c"))
    found = [line for line in out if "[clk_reports reports]" in line]
    assert sorted(int(line.split(":")[1]) for line in found) == sorted(want)
    assert all(line.startswith("drivers/clk/reports.c:") for line in found)
    assert out[-1].startswith(f"lint: {len(want)} findings in 1 files; ")
    assert "2 call a raw API that a report-only script follows" in out[-1]
    os.remove(tree / "drivers" / "clk" / "reports.c")
    proc = _run("lint.py", generated, str(tree))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("lint: 0 findings"), proc.stdout


def test_make_migrate_reports_and_changes_nothing(generated, tmp_path):
    tree = _tree(tmp_path)
    before = {n: (tree / "drivers" / "clk" / n).read_text()
              for n in ("reports.c", "clean.c")}
    proc = _run("migrate.py", generated, str(tree), "drivers")
    assert proc.returncode == 0, proc.stderr
    want = marked(os.path.join(FIXTURES, "reports.c"))
    bugs = re.findall(r"^  drivers/clk/reports\.c:(\d+):\d+-\d+: BUG\? ",
                      proc.stdout, re.M)
    assert sorted(int(n) for n in bugs) == sorted(want), proc.stdout
    assert "clean.c" not in proc.stdout
    assert f"{len(want)} possible bugs reported" in proc.stdout
    assert "0 files and 0 functions migrated" in proc.stdout
    for n, text in before.items():
        assert (tree / "drivers" / "clk" / n).read_text() == text
