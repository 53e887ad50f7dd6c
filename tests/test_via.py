# SPDX-License-Identifier: GPL-2.0
"""Transitions that go 'via' others (specs/clk.yaml's clkh_prepare_enable()
and clkh_disable_unprepare()): what they take from their parts, the undo
generated for a failure after a part succeeded, and the refusals (the
located messages themselves are pinned in tests/bad_specs/via_*.yaml)."""

import os

from conftest import ROOT, error_re, run_gen

from generator.__main__ import build

CLK = os.path.join(ROOT, "specs", "clk.yaml")


def _spec():
    return build(CLK)


def test_parts_give_the_composite_its_declarations():
    spec = _spec()
    pe = next(t for t in spec.composites if t.name == "prepare_enable")
    du = next(t for t in spec.composites if t.name == "disable_unprepare")
    assert [t.name for t in pe.via] == ["prepare", "enable"]
    assert pe.acquires == ["prepare", "enable"] and pe.releases == []
    assert du.releases == ["enable", "prepare"] and du.acquires == []
    assert pe.fails and not du.fails
    assert [e["code"] for e in pe.errors] == ["any"]
    (step,) = pe.steps
    assert (step.src.name, step.dst.name) == ("unprepared_disabled",
                                              "prepared_enabled")
    # Nothing to undo if the prepare fails; the prepare if the enable does.
    assert step.undo[0] == []
    assert [v.holds for v in step.undo[1]] == ["prepare"]
    (step,) = du.steps
    assert (step.src.name, step.dst.name) == ("prepared_enabled",
                                              "unprepared_disabled")
    # The one-dimension transitions are not changed by them.
    assert [t.name for t in spec.transitions] == [
        "prepare", "enable", "disable", "unprepare"]


def test_header_undoes_the_prepare_when_the_enable_fails(tmp_path):
    res = run_gen(["gen", "--out", str(tmp_path), CLK])
    assert res.rc == 0, res.err
    text = (tmp_path / "include" / "linux" / "typestate" / "clk.h").read_text()
    fn = text[text.index("clkh_unprepared_disabled_prepare_enable(struct"):]
    fn = fn[:fn.index("\n}\n")]
    first, second = fn.split("s1 = ")
    # The prepare failing returns its error, with nothing to undo ...
    assert "clk_unprepare" not in first and "ACCESS_PRIVATE" not in first
    # ... the enable failing unprepares, then gives the source back.
    undo = second[:second.index("return (struct")]
    assert undo.index("clk_unprepare(body->clk);") < \
        undo.index("ACCESS_PRIVATE(src, body) = body;")
    assert "#define clkh_prepare_enable(h)" in text
    assert "#define clkh_disable_unprepare(h)" in text


def test_a_part_writing_the_storage_must_come_last(tmp_path):
    text = open(CLK, encoding="utf-8").read()
    old = "    call: ret = clk_prepare(${raw});\n"
    assert text.count(old) == 1
    path = tmp_path / "clk.yaml"
    path.write_text(text.replace(
        old, old + "    then: ${body}->clk = ${body}->clk;\n"))
    res = run_gen(["lint", str(path)])
    assert res.rc == 2 and len(res.err_lines) == 1, res.err
    m = error_re(str(path)).match(res.err_lines[0])
    assert m and "'prepare' writes the storage ('then') and is not the " \
        "last transition of 'via'" in m.group(3), res.err
