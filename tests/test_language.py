# SPDX-License-Identifier: GPL-2.0
"""Language additions of issue #11: operations whose 'call' returns a value
(point 5), exclude with a wildcard (point 1)."""

from conftest import KUNIT, MINIMAL, run_gen

EXPR = """    returns: {type: int, doc: the id}
    expr: ${raw}->id"""
CALL = """    returns: {type: int, doc: "the id, or -EIO when the widget cannot tell"}
    call: |
      if (!widget_ready(${raw}))
              return -EIO;
      return widget_read_id(${raw});"""


def _gen(tmp_path, base):
    text = open(base, encoding="utf-8").read().split("\n", 1)[1]
    assert EXPR in text
    path = tmp_path / "widget.yaml"
    path.write_text(text.replace(EXPR, CALL))
    out = tmp_path / "out"
    res = run_gen(["--out", str(out), "gen", str(path)])
    assert res.rc == 0, res.err
    return {p.relative_to(out).as_posix(): p.read_text()
            for p in out.rglob("*") if p.is_file()}


def test_call_with_returns_is_the_body_of_a_function_returning_it(tmp_path):
    files = _gen(tmp_path, MINIMAL)
    header = files["include/linux/typestate/widget.h"]
    assert ("static inline int __wdg_id(struct wdg *body)\n{\n"
            "\tif (!widget_ready(body->w))\n\t\treturn -EIO;\n"
            "\treturn widget_read_id(body->w);\n}\n") in header
    assert " * Return: the id, or -EIO when the widget cannot tell.\n" \
        in header
    # the compile cases use its value, as for an 'expr' operation
    uses = [t for rel, t in files.items()
            if rel.startswith("compile/") and "wdg_id(h)" in t]
    assert uses and all("return wdg_id(h);" in t for t in uses)


def test_kunit_checks_the_value_of_a_call_operation(tmp_path):
    files = _gen(tmp_path, KUNIT)
    suite = files["kunit/widget_gen_kunit.c"]
    assert "int r = wdg_id(" in suite


def test_exclude_wildcard_removes_every_value_of_a_dimension(tmp_path):
    """exclude: {power: broken, speed: '*'} removes broken_slow and
    broken_fast: no state type, no compile case, no diagram node."""
    text = open(MINIMAL, encoding="utf-8").read().split("\n", 1)[1]
    text = text.replace(
        "      - {name: idle, doc: stopped}\n",
        "      - {name: idle, doc: stopped}\n"
        "      - {name: broken, doc: out of order}\n").replace(
        "  - {power: idle, speed: fast, why: only a running widget can be "
        "fast}\n",
        "  - {power: idle, speed: fast, why: only a running widget can be "
        "fast}\n"
        "  - {power: broken, speed: \"*\", why: a broken widget gets no "
        "handle}\n")
    path = tmp_path / "widget.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    res = run_gen(["--out", str(out), "gen", str(path)])
    assert res.rc == 0, res.err
    header = (out / "include/linux/typestate/widget.h").read_text()
    assert "struct wdg_idle_slow {" in header
    assert "broken" not in header
    assert not [p for p in out.rglob("*broken*")]
