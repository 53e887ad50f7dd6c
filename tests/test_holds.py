# SPDX-License-Identifier: GPL-2.0
"""Values that hold several resources (issue #11): the one-dimension clk
model of tests/style_specs/clk_one_dimension.yaml, where an enabled clock
holds [prepare, enable].  What the model makes of it, what the header does
on each path, and the refusals that keep a resource from being released
twice or never (the located messages are pinned in tests/bad_specs/:
clk_one_dimension*.yaml, holds_*.yaml)."""

import os

from conftest import ROOT, error_re, run_gen

from generator.__main__ import build

SPEC = os.path.join(ROOT, "tests", "style_specs", "clk_one_dimension.yaml")


def _header(tmp_path, path=SPEC):
    res = run_gen(["--out", str(tmp_path), "gen", str(path)])
    assert res.rc == 0, res.err
    return (tmp_path / "include/linux/typestate/clk_gate.h").read_text()


def _fn(text, name):
    body = text[text.index(f"{name}(struct"):]
    return body[:body.index("\n}\n")]


def test_model_of_a_value_holding_two_resources():
    spec = build(SPEC)
    gate = spec.dimensions[0]
    enabled = gate.by_name["enabled"]
    assert enabled.held == ["prepare", "enable"]
    st = {s.name: s for s in spec.states}
    assert st["enabled"].held == {"prepare", "enable"}
    # Released in the reverse of the order they are acquired.
    assert [h.holds for h in st["enabled"].releases] == ["enable", "prepare"]
    assert [h.release.text.strip() for h in st["enabled"].releases] == [
        "clk_disable(${raw});", "clk_unprepare(${raw});"]
    t = {x.name: x for x in spec.transitions}
    # disable keeps the prepare count: it reuses only the release of enable.
    assert t["disable"].releases == ["enable"]
    assert [h.holds for h in t["disable"].reused_releases] == ["enable"]
    assert t["enable"].acquires == ["enable"] and t["enable"].releases == []
    pe = next(c for c in spec.composites if c.name == "prepare_enable")
    (step,) = pe.steps
    assert (step.src.name, step.dst.name) == ("unprepared", "enabled")
    assert step.undo[0] == []
    assert [h.holds for h in step.undo[1]] == ["prepare"]


def test_header_moves_each_resource_once(tmp_path):
    text = _header(tmp_path)
    disable = _fn(text, "clkgate_enabled_disable")
    assert "clk_disable(body->clk);" in disable
    assert "clk_unprepare" not in disable          # the trap of issue #11
    release = _fn(text, "clkgate_enabled_release")
    assert release.count("clk_disable(body->clk);") == 1
    assert release.count("clk_unprepare(body->clk);") == 1
    assert release.index("clk_disable") < release.index("clk_unprepare")
    assert "clk_disable" not in _fn(text, "clkgate_prepared_release")
    pe = _fn(text, "clkgate_unprepared_prepare_enable")
    first, second = pe.split("s1 = ")
    assert "clk_unprepare" not in first
    undo = second[:second.index("return (struct")]
    assert undo.count("clk_unprepare(body->clk);") == 1
    assert "clk_disable" not in undo       # the enable failed: not held
    du = _fn(text, "clkgate_enabled_disable_unprepare")
    assert du.index("clkgate_enabled_disable(") < \
        du.index("clkgate_prepared_unprepare(")
    doc = (tmp_path / "docs/clk_gate.dot").read_text()
    assert "holds: enable, prepare" in doc


SWITCH_ON = """  - name: switch_on
    dimension: gate
    from: unprepared
    to: enabled
    acquires: [prepare, enable]
    summary: prepare, then enable the clock
    errors:
      - {code: any, when: the clock did not prepare or enable}
    call: |
      ret = clk_prepare(${raw});
      if (ret)
      	return ERR_PTR(ret);
      ret = clk_enable(${raw});
    undo: clk_unprepare(${raw});
"""


def _variant(tmp_path, old, new):
    text = open(SPEC, encoding="utf-8").read()
    assert text.count(old) == 1, old
    path = tmp_path / "clk_gate.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_one_transition_into_two_resources_undoes_the_first(tmp_path):
    """A transition of its own (not via) that acquires both resources of
    the value it enters: its undo gives back the first when the second
    fails; the header runs it before returning the error."""
    path = _variant(tmp_path, "operations:\n", SWITCH_ON + "operations:\n")
    spec = build(str(path))
    t = next(x for x in spec.transitions if x.name == "switch_on")
    assert t.acquires == ["prepare", "enable"]
    text = _header(tmp_path / "out", path)
    fn = _fn(text, "clkgate_unprepared_switch_on")
    assert fn.index("clk_prepare(") < fn.index("clk_enable(") < \
        fn.index("clk_unprepare(")
    # Without the undo, or undoing the wrong one, it is refused.
    for undo, words in (
            ("", "'prepare' is already acquired and nothing releases it"),
            ("    undo: |\n      clk_unprepare(${raw});\n"
             "      clk_disable(${raw});\n",
             "'undo' of 'switch_on' releases 'enable' (clk_disable()), but "
             "it is the acquisition that failed")):
        bad = _variant(tmp_path, "operations:\n", SWITCH_ON.replace(
            "    undo: clk_unprepare(${raw});\n", undo) + "operations:\n")
        res = run_gen(["lint", str(bad)])
        assert res.rc == 2 and len(res.err_lines) == 1, res.err
        m = error_re(str(bad)).match(res.err_lines[0])
        assert m and words in m.group(3), res.err


def test_two_dimensions_may_not_hold_one_resource(tmp_path):
    path = _variant(tmp_path, "release_order: [gate]\n", """  - name: extra
    doc: a second dimension
    values:
      - {name: none, doc: holds nothing}
      - name: again
        doc: holds a prepare count too
        holds: prepare
        release: clk_unprepare(${raw});
release_order: [extra, gate]
""")
    res = run_gen(["lint", str(path)])
    assert res.rc == 2 and len(res.err_lines) == 1, res.err
    m = error_re(str(path)).match(res.err_lines[0])
    assert m and "holds 'prepare' through both gate=prepared and " \
        "extra=again: its release would give it back twice" in m.group(3), \
        res.err


def test_single_resource_specs_are_unchanged():
    """A value that holds one resource reads as before: 'holds: name' and
    'release: code'."""
    spec = build(os.path.join(ROOT, "specs", "sg_table.yaml"))
    owned = spec.dimensions[0].by_name["owned"]
    assert owned.held == ["table"] and owned.holds == "table"
    assert [h.holds for h in owned.items] == ["table"]
