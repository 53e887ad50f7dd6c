# SPDX-License-Identifier: GPL-2.0
"""generator/flow.py: what a spec's C does with its resources against what
it declares, on the success and the failure paths.  The one-dimension clk
trap of issue #11 is in the bad-spec corpus (clk_one_dimension*.yaml);
these are the failure paths, on the shipped sg_table spec, whose
new_mapped constructor acquires two resources one after the other."""

import os

import pytest

from conftest import ROOT, error_re, run_gen

SG = os.path.join(ROOT, "specs", "sg_table.yaml")
CLK = os.path.join(ROOT, "tests", "style_specs", "clk_long_names.yaml")
UNDO = """    undo: |
      sg_free_table(&${body}->table);
"""
RETURN = """      if (ret)
              return ERR_PTR(ret);
      ret = dma_map_sgtable(dev, &${body}->table, dir, attrs);"""
MAP_CALL = """    call: |
      ret = dma_map_sgtable(dev, ${raw}, dir, attrs);"""


def _lint(tmp_path, old, new, base=SG):
    text = open(base, encoding="utf-8").read()
    assert text.count(old) == 1, old
    path = tmp_path / os.path.basename(base)
    path.write_text(text.replace(old, new))
    res = run_gen(["lint", str(path)])
    return res, str(path)


def _error(res, path):
    assert res.rc == 2 and len(res.err_lines) == 1, res.err
    m = error_re(path).match(res.err_lines[0])
    assert m, res.err
    return m.group(3)


def test_shipped_specs_and_the_clk_model_pass():
    for path in (SG, os.path.join(ROOT, "specs", "dma_single.yaml"), CLK):
        res = run_gen(["lint", path])
        assert res.rc == 0, res.err


def test_missing_undo_is_a_leak_on_the_error_path(tmp_path):
    res, path = _lint(tmp_path, UNDO, "")
    assert "when the last acquisition of 'new_mapped' (dma_map_sgtable()) " \
        "fails, 'table' is already acquired and nothing releases it" \
        in _error(res, path)


def test_going_on_after_a_failed_acquisition_is_refused(tmp_path):
    res, path = _lint(tmp_path, RETURN, """      if (!ret)
              ret = dma_map_sgtable(dev, &${body}->table, dir, attrs);""")
    msg = _error(res, path)
    assert "'new_mapped' goes on to dma_map_sgtable() when " \
        "sg_alloc_table_from_pages_segment() fails" in msg
    assert "'undo' would release 'table', which was never acquired" in msg


@pytest.mark.parametrize("ret_test", ["if (ret)", "if (ret < 0)"])
def test_returning_after_a_failed_acquisition_passes(tmp_path, ret_test):
    res, _ = _lint(tmp_path, RETURN, RETURN.replace("if (ret)", ret_test))
    assert res.rc == 0, res.err


def test_undo_releasing_what_failed_is_refused(tmp_path):
    res, path = _lint(tmp_path, UNDO, """    undo: |
      dma_unmap_sgtable(${body}->dev, ${raw}, ${body}->dir,
                        ${body}->attrs);
      sg_free_table(&${body}->table);
""")
    assert "'undo' of 'new_mapped' releases 'dma_mapping' " \
        "(dma_unmap_sgtable()), but it is the acquisition that failed" \
        in _error(res, path)


def test_transition_releasing_what_it_does_not_declare(tmp_path):
    res, path = _lint(tmp_path, MAP_CALL, MAP_CALL + """
      sg_free_table(${raw});""")
    assert "transition 'map' releases 'table' in its code " \
        "(sg_free_table())" in _error(res, path)


def test_transition_acquiring_what_it_does_not_declare(tmp_path):
    res, path = _lint(tmp_path, """    releases: [dma_mapping]
    summary: undo the DMA mapping made by sgt_map()""", """    releases: [dma_mapping]
    summary: undo the DMA mapping made by sgt_map()
    call: |
      dma_unmap_sgtable(${body}->dev, ${raw}, ${body}->dir, ${body}->attrs);
      dma_map_sgtable(${body}->dev, ${raw}, ${body}->dir, ${body}->attrs);""")
    assert "transition 'unmap' acquires 'dma_mapping' in its code " \
        "(dma_map_sgtable()) but does not declare it" in _error(res, path)


def test_a_release_called_by_its_own_transition_passes(tmp_path):
    """The same release written out in a transition's call (a different
    spelling of the same call) is what 'releases' declares."""
    res, _ = _lint(tmp_path, """    releases: [dma_mapping]
    summary: undo the DMA mapping made by sgt_map()""", """    releases: [dma_mapping]
    summary: undo the DMA mapping made by sgt_map()
    call: |
      dma_unmap_sgtable(${body}->dev, ${body}->sgt, ${body}->dir,
                        ${body}->attrs);""")
    assert res.rc == 0, res.err


def test_operation_releasing_a_resource_is_refused(tmp_path):
    res, path = _lint(tmp_path, "    expr: ${raw}->orig_nents", """    expr: ${raw}->orig_nents

  - name: drop
    summary: free the table
    call: sg_free_table(${raw});""")
    assert "operation 'drop' releases 'table' (sg_free_table())" \
        in _error(res, path)


def test_the_hint_points_at_a_model_that_is_accepted():
    """The clk errors' hint names tests/style_specs/clk_one_dimension.yaml
    and the README's 'Values that hold several resources': both exist, the
    spec is the one-dimension model whose enabled value holds [prepare,
    enable], the form the hint shows, and it is accepted."""
    path = os.path.join(ROOT, "tests", "style_specs",
                        "clk_one_dimension.yaml")
    text = open(path, encoding="utf-8").read()
    assert "holds: [prepare, enable]" in text
    res = run_gen(["lint", path])
    assert (res.rc, res.err) == (0, "")
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        assert "### Values that hold several resources" in f.read()
    for name in ("clk_one_dimension", "clk_one_dimension_disable_without_call",
                 "clk_one_dimension_enable_keeps_prepare"):
        bad = os.path.join(ROOT, "tests", "bad_specs", name + ".yaml")
        res = run_gen(["lint", bad])
        assert "'holds: [prepare, enable]'" in res.err
        assert "tests/style_specs/clk_one_dimension.yaml" in res.err


MINIMAL = os.path.join(ROOT, "tests", "bad_specs", "_valid_minimal.yaml")
CREATE = """    errors:
      - {code: ENOMEM, when: no memory}
    call: ret = widget_create(&${body}->w);"""
NO_FAIL_CREATE = """    call: |
      widget_log(${body}->w);
      ${body}->w = widget_hold();"""


def test_acquisition_without_ret_is_told_from_helpers(tmp_path):
    """A constructor that cannot fail has no 'ret = f()' to say which call
    acquires: the call whose result it stores does (widget_hold), a helper
    called for its effect (widget_log) does not."""
    text = open(MINIMAL, encoding="utf-8").read().split("\n", 1)[1]
    text = text.replace(CREATE, NO_FAIL_CREATE)
    ok = text.replace("    call: widget_turbo(${raw});",
                      "    call: widget_log(${raw});")
    path = tmp_path / "widget.yaml"
    path.write_text(ok)
    res = run_gen(["lint", str(path)])
    assert res.rc == 0, res.err
    bad = ok.replace("    call: widget_log(${raw});",
                     "    call: widget_hold(${raw});")
    path.write_text(bad)
    res = run_gen(["lint", str(path)])
    assert "transition 'speed_up' acquires 'clock' in its code " \
        "(widget_hold()) but does not declare it" in _error(res, str(path))


# -- errors: any errno macro of the kernel, or the provider's ---------------------

def _minimal(tmp_path, *edits, base=MINIMAL):
    text = open(base, encoding="utf-8").read().split("\n", 1)[1]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "widget.yaml"
    path.write_text(text)
    return str(path)


def _header(tmp_path, path):
    out = tmp_path / "out"
    res = run_gen(["--out", str(out), "gen", path])
    assert res.rc == 0, res.err
    return (out / "include/linux/typestate/widget.h").read_text()


def test_any_kernel_errno_macro_is_an_error_code(tmp_path):
    path = _minimal(tmp_path, ("{code: EIO, when: the widget did not start}",
                               "{code: EPROBE_DEFER, when: its clock is not "
                               "there yet}"))
    assert "-EPROBE_DEFER if its clock is not there yet" in \
        _header(tmp_path, path)


def test_code_any_passes_on_the_provider_errno(tmp_path):
    """'code: any' is documented as the called function's errno, and a
    KUnit failure may provoke any kernel errno through it."""
    path = _minimal(tmp_path, ("{code: EIO, when: the widget did not start}",
                               "{code: any, when: widget_start() failed}"))
    header = _header(tmp_path, path)
    assert "the called function's -errno if widget_start() failed" in \
        " ".join(header.replace(" * ", " ").split())
    kunit = os.path.join(ROOT, "tests", "bad_specs", "_valid_kunit.yaml")
    path = _minimal(tmp_path, ("{code: ENOMEM, when: no memory}",
                               "{code: any, when: widget_create() failed}"),
                    ("errno: ENOMEM}", "errno: ETIMEDOUT}"), base=kunit)
    out = tmp_path / "k"
    res = run_gen(["--out", str(out), "gen", path])
    assert res.rc == 0, res.err
    assert "ETIMEDOUT" in (out / "kunit/widget_gen_kunit.c").read_text()


def test_a_release_named_in_a_comment_is_no_call(tmp_path):
    res, _ = _lint(tmp_path, MAP_CALL, MAP_CALL + """
      /* the release, sg_free_table(&${body}->table), runs later */""")
    assert res.rc == 0, res.err
