# SPDX-License-Identifier: GPL-2.0
"""The bad-spec corpus: each file in bad_specs/ has exactly one mistake.

Its first line pins the diagnostic::

    # expect: LINE:COL: <substring of the message>

and the generator must print exactly ``<path>:LINE:COL: error: ...`` (one
line, containing the substring) on stderr, exit with status 2, print no
Python traceback and write nothing.  A line ``# xfail: <reason>`` anywhere in
the file marks a known generator bug: the test is then a strict xfail, so it
starts failing (XPASS) the day the bug is fixed and the marker must go.

Files whose name starts with ``_valid`` are the valid bases the bad specs
are derived from; they must lint clean and generate a header.
"""

import glob
import os
import re

import pytest

from conftest import (CORPUS, KUNIT, MINIMAL, assert_no_traceback, error_re,
                      files_under, run_cli, run_gen)

EXPECT_RE = re.compile(r"^# expect: (\d+):(\d+): (.+)$")
XFAIL_RE = re.compile(r"^# xfail: (.+)$", re.M)

BAD = sorted(p for p in glob.glob(os.path.join(CORPUS, "*.yaml"))
             if not os.path.basename(p).startswith("_"))
VALID = sorted(glob.glob(os.path.join(CORPUS, "_valid*.yaml")))


def _expectation(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    first = text.split("\n", 1)[0]
    m = EXPECT_RE.match(first)
    assert m, f"{path}: first line must be '# expect: LINE:COL: message'"
    xfail = XFAIL_RE.search(text)
    return (int(m.group(1)), int(m.group(2)), m.group(3).strip(),
            xfail.group(1) if xfail else None)


def _params():
    out = []
    for path in BAD:
        reason = _expectation(path)[3]
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(path, id=os.path.basename(path)[:-5],
                                marks=marks))
    return out


def test_corpus_is_big_enough():
    assert len(BAD) >= 30
    assert MINIMAL in VALID and KUNIT in VALID


@pytest.mark.parametrize("path", _params())
def test_bad_spec(path, tmp_path):
    line, col, message, _ = _expectation(path)
    out = tmp_path / "out"
    out.mkdir()
    # --out before the command: `gen --out DIR SPEC` is broken, see
    # test_generator.py::test_out_option_between_command_and_specs.
    res = run_gen(["--out", str(out), "gen", path])
    assert_no_traceback(res)
    assert res.rc == 2, f"exit status {res.rc}, stderr: {res.err!r}"
    assert len(res.err_lines) == 1, f"want one line on stderr, got:\n{res.err}"
    m = error_re(path).match(res.err_lines[0])
    assert m, f"not 'path:line:col: error: ...': {res.err_lines[0]!r}"
    got = (int(m.group(1)), int(m.group(2)))
    assert got == (line, col), (f"error at {got[0]}:{got[1]}, expected "
                                f"{line}:{col}: {m.group(3)}")
    assert message in m.group(3)
    assert res.out == ""
    assert files_under(out) == [], "a bad spec must not write anything"
    lint = run_gen(["lint", path])
    assert (lint.rc, lint.err) == (res.rc, res.err), "lint and gen disagree"


@pytest.mark.parametrize("path", VALID, ids=lambda p: os.path.basename(p))
def test_valid_base_lints_and_generates(path, tmp_path):
    res = run_gen(["lint", path])
    assert_no_traceback(res)
    assert (res.rc, res.err) == (0, "")
    res = run_gen(["--out", str(tmp_path), "gen", path])
    assert_no_traceback(res)
    assert (res.rc, res.err) == (0, "")
    header = tmp_path / "include/linux/typestate/widget.h"
    text = header.read_text()
    assert text.startswith("/* SPDX-License-Identifier: GPL-2.0 */\n")
    for state in ("idle_slow", "running_slow", "running_fast"):
        assert text.count(f"\nstruct wdg_{state} {{\n") == 1
    assert "struct wdg_idle_fast {" not in text          # excluded
    assert "GEN" in res.out


def test_cli_agrees_with_in_process_run(tmp_path):
    """The real command line: exit 2, one line, no traceback, no output."""
    for name in ("yaml_syntax", "schema_unknown_key", "leak"):
        path = os.path.join(CORPUS, name + ".yaml")
        line, col, message, _ = _expectation(path)
        res = run_cli(["--out", str(tmp_path), "gen", path])
        assert res.rc == 2
        assert "Traceback" not in res.err
        assert res.err_lines == [res.err_lines[0]]
        assert res.err_lines[0].startswith(f"{path}:{line}:{col}: error: ")
        assert message in res.err_lines[0]
    assert files_under(tmp_path) == []
    res = run_cli(["lint", MINIMAL])
    assert (res.rc, res.err) == (0, "")


def _two_specs(tmp_path, second):
    base = open(MINIMAL, encoding="utf-8").read()
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text(base)
    b.write_text(second(base))
    return str(a), str(b)


@pytest.mark.parametrize("key,second,pos", [
    ("prefix", lambda t: t.replace("name: widget\n", "name: gadget\n", 1),
     (3, 9)),
    ("name", lambda t: t.replace("prefix: wdg\n", "prefix: gdg\n", 1),
     (2, 7)),
])
def test_two_specs_with_the_same(tmp_path, key, second, pos):
    a, b = _two_specs(tmp_path, second)
    out = tmp_path / "out"
    out.mkdir()
    res = run_gen(["--out", str(out), "gen", a, b])
    assert_no_traceback(res)
    assert res.rc == 2
    assert len(res.err_lines) == 1, res.err
    m = error_re(b).match(res.err_lines[0])
    assert m, res.err
    assert (int(m.group(1)), int(m.group(2))) == pos
    value = "wdg" if key == "prefix" else "widget"
    assert f"{key} '{value}' is already used by {a}" in m.group(3)
    assert files_under(out) == []
    # Each alone is fine.
    assert run_gen(["lint", a]).rc == 0
    assert run_gen(["lint", b]).rc == 0


def test_missing_spec_file(tmp_path):
    path = str(tmp_path / "nope.yaml")
    res = run_gen(["lint", path])
    assert_no_traceback(res)
    assert res.rc == 2
    assert res.err_lines == [f"{path}:1:1: error: cannot read spec: "
                             "No such file or directory"]


def test_one_bad_spec_among_good_ones_writes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    bad = os.path.join(CORPUS, "leak.yaml")
    res = run_gen(["--out", str(out), "gen", MINIMAL, bad])
    assert res.rc == 2 and len(res.err_lines) == 1
    assert files_under(out) == []


# -- regressions the corpus format cannot express -----------------------------

def _write(tmp_path, text):
    p = tmp_path / "spec.yaml"
    p.write_text(text)
    return str(p)


def test_recursive_alias_is_a_spec_error(tmp_path):
    """Once a RecursionError traceback from load._build."""
    base = open(MINIMAL, encoding="utf-8").read()
    path = _write(tmp_path, base.replace(
        "summary: typestate handles for a widget", "summary: &s [*s]", 1))
    res = run_gen(["lint", path])
    assert_no_traceback(res)
    assert res.rc == 2
    assert len(res.err_lines) == 1
    m = error_re(path).match(res.err_lines[0])
    assert m and m.group(1) == "4", res.err


def test_raw_expr_using_raw_is_a_spec_error(tmp_path):
    """Once accepted by lint and a KeyError traceback in gen."""
    base = open(MINIMAL, encoding="utf-8").read()
    path = _write(tmp_path, base.replace("expr: ${body}->w",
                                         "expr: ${raw}->w", 1))
    out = tmp_path / "out"
    out.mkdir()
    res = run_gen(["--out", str(out), "gen", path])
    assert_no_traceback(res)
    assert res.rc == 2
    assert res.err_lines and error_re(path).match(res.err_lines[0])
    assert res.err_lines[0].startswith(f"{path}:11:9: error: ")
    assert files_under(out) == []


def test_first_schema_error_in_file_order(tmp_path):
    """Two schema errors in one mapping: the earlier one is reported (once
    the unknown key won, ranked by the position of its mapping)."""
    base = open(MINIMAL, encoding="utf-8").read()
    text = base.replace("    dimension: speed\n", "    dimension: 5\n", 1)
    text = text.replace("    summary: switch to turbo\n",
                        "    summary: switch to turbo\n    colour: blue\n", 1)
    path = _write(tmp_path, text)
    res = run_gen(["lint", path])
    assert res.rc == 2 and len(res.err_lines) == 1
    # Line 65 is 'dimension: 5'; 'colour' comes four lines later.
    assert res.err_lines[0].startswith(f"{path}:65:16: error: "), res.err
    assert "dimension must be a string" in res.err


def test_generated_names_collide_across_specs(tmp_path):
    """Spec b's storage struct, struct wdg_idle_slow, is also spec a's state
    type: each spec is fine alone, the two headers cannot be included
    together."""
    def second(t):
        t = t.replace("name: widget\n", "name: gadget\n", 1)
        return t.replace("prefix: wdg\n", "prefix: wdg_idle_slow\n", 1)
    a, b = _two_specs(tmp_path, second)
    assert run_gen(["lint", a]).rc == 0 and run_gen(["lint", b]).rc == 0
    out = tmp_path / "out"
    out.mkdir()
    res = run_gen(["--out", str(out), "gen", a, b])
    assert_no_traceback(res)
    assert res.rc == 2
    assert len(res.err_lines) == 1, res.err
    assert res.err_lines[0].startswith(f"{b}:3:9: error: "), res.err
    assert "'wdg_idle_slow'" in res.err and a in res.err
    assert files_under(out) == []


def test_message_escapes_control_characters(tmp_path):
    base = open(MINIMAL, encoding="utf-8").read()
    path = _write(tmp_path, base.replace("name: widget\n",
                                         'name: "wid\\e[2Jget"\n', 1))
    res = run_gen(["lint", path])
    assert res.rc == 2 and len(res.err_lines) == 1
    assert res.err_lines[0].startswith(f"{path}:2:7: error: character "
                                       "U+001B (ESC) in a value")
    assert "\x1b" not in res.err, repr(res.err)


def test_expect_lines_are_on_the_first_line_only():
    """Guard the corpus format itself."""
    for path in BAD:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").split("\n")
        assert EXPECT_RE.match(lines[0]), path
        assert not any(EXPECT_RE.match(x) for x in lines[1:]), path


# Mistakes in a shipped spec's migrate: section, as one edit each of that
# spec (a copy of a 500-line spec per mistake would drift from it): the
# edit, and where the error must point in the edited copy.
MAP = ("    - element: map\n      forms:\n        - call: dma_map_sgtable"
       "(${dev}, ${obj}, ${dir}, ${attrs})\n")
UNMAP = ("    - element: unmap\n      forms:\n        - call: "
         "dma_unmap_sgtable(${dev}, ${obj}, ${dir}, ${attrs})\n")
SHIPPED_EDITS = [
    ("migrate_chain_no_release", "sg_table",
     ("    - element: release\n      forms:\n        - call: "
      "sg_free_table(${obj})\n", ""),
     (484, 5, "a chain ends with 'release'")),
    ("migrate_chain_out_of_order", "sg_table", (MAP + UNMAP, UNMAP + MAP),
     (493, 16, "'unmap' does not apply to state 'owned_unmapped'")),
    ("migrate_iterator_as_member", "sg_table",
     ('forms: [{iterator: "for_each_sgtable_dma_sg(${obj}, ${sg}, ${i})"}]',
      'forms: [{member: "${obj}->sgl"}]'),
     (562, 24, "operation 'for_each_dma' is an iterator")),
    ("migrate_member_arg_expression", "sg_table",
     ("dma_map_sg(${dev}, ${obj}->sgl, ${count}, ${dir})",
      "dma_map_sg(${dev}, ${obj}->sgl + 1, ${count}, ${dir})"),
     (535, 15, "argument 2 of dma_map_sg() is '${obj}->sgl + 1'; each "
      "argume")),
    ("migrate_mismatch_not_passed", "sg_table",
     ("    mismatch: [dir]\n", "    mismatch: [gfp]\n"),
     (559, 16, "mismatch names 'gfp', which the acquire and the step "
      "undoing")),
    ("migrate_acquire_only_not_matched", "sg_table",
     ("acquire_only: {attrs: [DMA_ATTR_NO_WARN]}",
      "acquire_only: {dir: [DMA_ATTR_NO_WARN]}"),
     (524, 25, "acquire_only names 'dir', which is not under must_match")),
    ("migrate_given_back_same_callback", "sg_table",
     ("gives: map_dma_buf, takes: unmap_dma_buf",
      "gives: map_dma_buf, takes: map_dma_buf"),
     (529, 62, "gives and takes name two different callbacks")),
    ("migrate_given_back_ops_not_a_struct", "sg_table",
     ("ops: struct dma_buf_ops,", "ops: dma_buf_ops *,"),
     (529, 15, "ops is the callback table's type")),
    ("migrate_acquire_only_not_a_flag", "dma_single",
     ("acquire_only: {attrs: [DMA_ATTR_NO_WARN]}",
      "acquire_only: {attrs: [DMA_ATTR_NO_WARN | 1]}"),
     (306, 28, "acquire_only flag 'DMA_ATTR_NO_WARN | 1' is not an")),
]


# Misuse of a report-only migrate: section (patch: false), as one edit
# each of the spec that proves the form, tests/migrate_specs/clk_reports.yaml.
REPORTS = "tests/migrate_specs/clk_reports"
PREP = '      forms: [{call: "clk_prepare(${obj})"}]\n'
RELEASES = ('    - element: disable\n      forms: [{call: "clk_disable(${obj})'
            '"}]\n    - element: unprepare\n      forms: [{call: '
            '"clk_unprepare(${obj})"}]\n    - element: disable_unprepare\n'
            '      forms: [{call: "clk_disable_unprepare(${obj})"}]\n')
with open(os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), REPORTS + ".yaml"),
        encoding="utf-8") as _f:
    _t = _f.read()
    ELEMENTS = _t[_t.index("  elements:\n"):]      # to the end of the spec
SHIPPED_EDITS += [
    ("report_only_with_chain", REPORTS,
     ("  patch: false\n", "  patch: false\n  result: errno\n"),
     (162, 3, "'result' is for a section that patches; a report-only "
      "section (patch: false) lists only 'elements', whose reports come "
      "from the spec: remove 'result', or 'patch: false'")),
    ("report_only_without_elements", REPORTS, (ELEMENTS, ""),
     (161, 3, "a report-only section (patch: false) needs 'elements': "
      "the raw forms of the elements")),
    ("report_only_elements_without_patch_false", REPORTS,
     ("  patch: false\n", ""),
     (161, 3, "'elements' is for a report-only section: add 'patch: "
      "false', or write a section that patches")),
    ("report_only_patch_true", REPORTS,
     ("  patch: false\n", "  patch: true\n"),
     (162, 3, "'elements' is for a report-only section: add 'patch: "
      "false'")),
    ("report_only_unknown_element", REPORTS,
     ("    - element: prepare\n", "    - element: prepar\n"),
     (163, 16, "unknown element 'prepar'; known (constructors and "
      "transitions): wrap, prepare, enable")),
    ("report_only_element_moves_nothing", REPORTS,
     ("    - element: prepare\n" + PREP, "    - element: wrap\n      forms: "
      '[{call: "clk_get_rate(${obj})"}]\n    - element: prepare\n' + PREP),
     (163, 16, "'wrap' acquires and releases nothing; a report follows "
      "only the raw calls that acquire or give back a resource")),
    ("report_only_iterator_form", REPORTS,
     (PREP, '      forms: [{iterator: "for_each_clk(${obj})"}]\n'),
     (164, 26, "a report-only form is a call, 'function(${obj}, ...)'")),
    ("report_only_function_twice", REPORTS,
     ('forms: [{call: "clk_unprepare(${obj})"}]',
      'forms: [{call: "clk_prepare(${obj})"}]'),
     (172, 22, "clk_prepare() is also a form of 'prepare'; a raw function "
      "is the form of one element")),
    ("report_only_nothing_to_follow", REPORTS, (RELEASES, ""),
     (163, 5, "the elements give the reports nothing to follow: list the "
      "forms of an element that gives back a resource and of one that "
      "acquires it")),
    ("report_only_placeholder_not_a_parameter", REPORTS,
     (PREP, '      forms: [{call: "clk_prepare(${obj}, ${rate})"}]\n'),
     (164, 22, "unknown placeholder '${rate}' in clk_prepare(); known: "
      "obj")),
]


@pytest.mark.parametrize("name, spec, edit, want", SHIPPED_EDITS,
                         ids=[e[0] for e in SHIPPED_EDITS])
def test_bad_edit_of_a_shipped_spec(name, spec, edit, want, tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = os.path.join(root, spec + ".yaml") if "/" in spec else \
        os.path.join(root, "specs", spec + ".yaml")
    with open(src, encoding="utf-8") as f:
        text = f.read()
    assert text.count(edit[0]) == 1, f"{name}: the edit must match once"
    path = tmp_path / (os.path.basename(spec) + ".yaml")
    path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    res = run_gen(["--out", str(out), "gen", str(path)])
    assert_no_traceback(res)
    assert res.rc == 2, f"exit status {res.rc}, stderr: {res.err!r}"
    assert len(res.err_lines) == 1, f"want one line on stderr, got:\n{res.err}"
    m = error_re(path).match(res.err_lines[0])
    assert m, f"not 'path:line:col: error: ...': {res.err_lines[0]!r}"
    assert (int(m.group(1)), int(m.group(2))) == want[:2], res.err_lines[0]
    assert want[2] in m.group(3)
    assert files_under(out) == [], "a bad spec must not write anything"
