# SPDX-License-Identifier: GPL-2.0
"""Issue 12: what 10,000 fuzzed specs broke, each class pinned.

The rejected classes are bad specs in bad_specs/ (test_bad_specs.py).  Here:
accepted specs whose output is checked, the all-or-nothing write, the
command line's own errors, and a seeded property-based fuzz run of
tests/fuzz.py's mutations (``make fuzz`` runs the long campaign).
"""

import errno
import gc
import os
import random
import re
import signal
import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz
from conftest import (KUNIT, MINIMAL, assert_no_traceback, error_re,
                      files_under, run_gen)
from generator import load, render

HEADER = "include/linux/typestate/widget.h"
KUNIT_C = "kunit/widget_gen_kunit.c"


def _spec(tmp_path, base, *edits, name="widget.yaml"):
    text = open(base, encoding="utf-8").read()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return str(p)


def _gen(tmp_path, path):
    out = tmp_path / "out"
    res = run_gen(["--out", str(out), "gen", path])
    assert_no_traceback(res)
    assert (res.rc, res.err) == (0, ""), res.err
    return {rel: (out / rel).read_text() for rel in files_under(out)}


def _clean(files):
    for rel, text in files.items():
        if rel.endswith(".h") or rel.startswith("kunit/") and \
                rel.endswith(".c"):
            assert fuzz.style_lite(text) is None, (rel, fuzz.style_lite(text))


# -- accepted specs, output checked ------------------------------------------------

def test_spec_path_with_comment_end(tmp_path):
    """A spec under a directory named 'x*' has '*/' in its path: the
    header comment that names it must not end there."""
    path = _spec(tmp_path, KUNIT, name="x*/widget.yaml")
    assert "*/" in path
    files = _gen(tmp_path, path)
    _clean(files)
    for text in files.values():
        assert "x*/" not in text


def test_dollar_dollar_is_a_dollar(tmp_path):
    """The error message says to write $$ for a '$': it must work."""
    path = _spec(tmp_path, MINIMAL, ("call: widget_turbo(${raw});",
                                     "call: widget_turbo(${raw}, \"$$5\");"))
    files = _gen(tmp_path, path)
    assert '"$5");' in files[HEADER]
    assert "$$" not in files[HEADER]


def test_fixture_with_blank_line(tmp_path):
    """Once a Jinja UndefinedError though lint accepted the spec."""
    path = _spec(tmp_path, KUNIT, ("    struct widget *w;\n    int i;\n",
                                   "    struct widget *w;\n\n    int i;\n"))
    files = _gen(tmp_path, path)
    _clean(files)
    assert " * @w: fixture state" in files[KUNIT_C]
    assert " * @i: fixture state" in files[KUNIT_C]


def test_warning_is_escaped_in_its_c_string(tmp_path):
    path = _spec(tmp_path, KUNIT, (
        "errno: ENOMEM}",
        "errno: ENOMEM, warning: 'say \"no\" \\ why?'}"))
    files = _gen(tmp_path, path)
    _clean(files)
    assert '"say \\"no\\" \\\\ why\\?"' in files[KUNIT_C]


def test_long_names_wrap_within_100_columns(tmp_path):
    """Names near the limits: every line of the header and the KUnit suite
    fits checkpatch's 100 columns (kernel-doc briefs, prototypes,
    DEFINE_FREE, _Generic associations and coverage calls wrap)."""
    edits = [("prefix: wdg\n", "prefix: wdgabcdefg\n")]
    for old, new in (("idle", "idle_waiting"),
                     ("running", "running_from_own_clock"),
                     ("for_each_part", "for_each_part_of_widget")):
        edits.append((old, new))
    text = open(KUNIT, encoding="utf-8").read()
    text = text.replace("prefix: wdg\n", "prefix: wdgabcdefg\n")
    for old, new in edits[1:]:
        text = text.replace(old, new)
    text = text.replace(" i,", " index_of_part,").replace(
        "name: i,", "name: index_of_part,").replace(
        "${raw}, i)", "${raw}, index_of_part)").replace(
        "i: f->i}", "index_of_part: f->i}")
    p = tmp_path / "widget.yaml"
    p.write_text(text)
    files = _gen(tmp_path, str(p))
    _clean(files)
    assert "wdgabcdefg_running_from_own_clock_slow" in files[HEADER]


def test_too_long_generated_line_is_a_located_error(tmp_path):
    """What still does not fit is refused at the spec text it comes from."""
    path = _spec(tmp_path, MINIMAL, (
        "summary: stop the widget",
        "summary: stop the widget " + "x" * 99))
    res = run_gen(["lint", path])
    assert res.rc == 2 and len(res.err_lines) == 1
    m = error_re(path).match(res.err_lines[0])
    assert m and (m.group(1), m.group(2)) == ("63", "14"), res.err
    assert "columns wide; the limit is 100" in res.err


# -- all or nothing ------------------------------------------------------------------

def _tree(d):
    return fuzz._snapshot(str(d))


def test_interrupted_write_is_all_old_or_all_new(tmp_path):
    """Ctrl-C at every point of a write: the tree is the old one or the new
    one, never a mixture, and no temporary tree is left beside it."""
    out = tmp_path / "generated"
    assert run_gen(["--out", str(out), "gen", MINIMAL]).rc == 0
    files = render.render([__import__("generator.__main__", fromlist=[
        "build"]).build(KUNIT)])
    n = len(files) + 3
    for stop in range(1, n + 1):
        shutil.rmtree(out)
        assert run_gen(["--out", str(out), "gen", MINIMAL]).rc == 0
        rng = random.Random()
        rng.randint = lambda a, b, stop=stop: stop
        assert fuzz._interrupted_write(files, str(out), rng) is None, stop


def test_write_error_leaves_the_tree(tmp_path, monkeypatch):
    out = tmp_path / "generated"
    assert run_gen(["--out", str(out), "gen", MINIMAL]).rc == 0
    before = _tree(out)
    real = open

    def full(path, *a, **k):
        if "w" in (a[0] if a else k.get("mode", "r")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, *a, **k)
    monkeypatch.setattr(render, "open", full, raising=False)
    res = run_gen(["--out", str(out), "gen", KUNIT])
    assert_no_traceback(res)
    assert res.rc == 2 and len(res.err_lines) == 1
    assert "No space left on device" in res.err
    assert _tree(out) == before
    assert fuzz._leftovers(str(out)) == []


def test_ctrl_c_is_a_clean_exit(tmp_path, monkeypatch):
    out = tmp_path / "generated"
    assert run_gen(["--out", str(out), "gen", MINIMAL]).rc == 0
    before = _tree(out)

    def interrupt(specs):
        raise KeyboardInterrupt
    monkeypatch.setattr(render, "render", interrupt)
    res = run_gen(["--out", str(out), "gen", KUNIT])
    assert res.exc is None and res.rc == 130
    assert res.err_lines == [f"typestate-gen: interrupted; {out} is as it "
                             "was"]
    assert _tree(out) == before


def test_out_pointing_at_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    res = run_gen(["--out", str(f), "gen", MINIMAL])
    assert_no_traceback(res)
    assert res.rc == 2
    assert res.err_lines == [f"typestate-gen: --out {f}: not a directory; "
                             "give the directory to write (or check) the "
                             "generated tree in"]
    assert f.read_text() == "x"


# -- smaller -------------------------------------------------------------------------

def test_huge_value_is_cut_in_the_error_line(tmp_path):
    path = _spec(tmp_path, MINIMAL, ("name: widget\n",
                                     "name: W" + "x" * 16000 + "\n"))
    res = run_gen(["lint", path])
    assert res.rc == 2 and len(res.err_lines) == 1
    assert len(res.err_lines[0]) < len(path) + 300, res.err_lines[0]
    assert "'W" + "x" * 59 + "...'" in res.err


def test_loader_keeps_no_yaml_node_alive():
    """Once every scalar node of every spec stayed in a module-level
    loader's cache."""
    def nodes():
        gc.collect()
        return sum(isinstance(o, yaml.Node) for o in gc.get_objects())
    before = nodes()
    for _ in range(3):
        for p in (MINIMAL, KUNIT):
            load.load(p)
    assert nodes() <= before


def test_wrong_type_alias_is_reported_at_its_use(tmp_path):
    path = _spec(tmp_path, MINIMAL,
                 ("  - {name: clock, doc:", "  - &clk {name: clock, doc:"),
                 ("    summary: stop the widget",
                  "    summary: *clk"))
    res = run_gen(["lint", path])
    assert res.err_lines and res.err_lines[0].startswith(
        f"{path}:63:14: error: transitions/1/summary must be a string")


# -- property: seeded fuzz, under a minute ---------------------------------------------

BASES = fuzz.bases()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    d = tmp_path_factory.mktemp("baseline") / "generated"
    assert run_gen(["--out", str(d), "gen", KUNIT]).rc == 0
    return str(d)


def _alarm(signum, frame):
    raise TimeoutError(f"a case ran over {fuzz.HANG_SECONDS} s")


@settings(max_examples=int(os.environ.get("TYPESTATE_FUZZ_EXAMPLES", 150)),
          deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=2**32))
def test_fuzzed_spec_is_accepted_clean_or_rejected_cleanly(
        baseline, tmp_path_factory, number):
    name, data = fuzz.make_case(20261126, number, BASES)
    d = tmp_path_factory.mktemp("case")
    path = os.path.join(str(d), name)
    with open(path, "wb") as f:
        f.write(data)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(fuzz.HANG_SECONDS)
    try:
        res = fuzz.run_case(path, str(d), baseline,
                            random.Random(number))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert res["class"] in ("accepted", "rejected"), \
        (res["class"], res.get("detail"), data[:3000])
    shutil.rmtree(str(d), ignore_errors=True)


# -- the shape of the C a spec writes (generator/cgrammar.py) -------------------

from generator import cgrammar  # noqa: E402

_C_OK = [
    ("statements", "if (!n)\n\tret = -EINVAL;\nelse\n\tret = f(&${body}->t,"
                   " min_t(size_t, a, UINT_MAX));"),
    ("statements", "for (i = 0; i < n; i++)\n\tp[i] = g(first + i * SZ);"),
    ("statements", "for_each_sg(${raw}, sg, n, i) {\n\tx++;\n}"),
    ("statements", "x = (unsigned long)y + (size_t)-1 + sizeof(struct a *);"),
    ("statements", "(void)f(container_of(p, struct b, c));"),
    ("statements", "do {\n\tx--;\n} while (x > 0);"),
    ("statements", "switch (x) {\ncase 1:\n\tbreak;\ndefault:\n\ty = 2;\n}"),
    ("expr", "r == (h->body.a ? h->body.b : f->c)"),
    ("expand", "for_each_sgtable_sg(${raw}, sg, i)"),
    ("expand", "for (i = 0; i < n; i++)"),
]

_C_BAD = [
    # English prose in a C field (make fuzz: it reached the header).
    ("statements", "calls foo() with the device, address and size", 6,
     "two names or values in a row"),
    ("expr", "the length of it", 4, "two names or values in a row"),
    ("statements", "1e999 f(x);", 6, "two names or values in a row"),
    # A declaration: the blank line checkpatch wants after it is not the
    # snippet's to place (make fuzz: checkpatch LINE_SPACING).
    ("statements", "int i;\nf(i);", 0, "a declaration"),
    ("statements", "dma_addr_t a = f();", 0, "a declaration"),
    ("statements", "struct page **p;", 0, "a declaration"),
    # Statements that do nothing, or are not statements.
    ("statements", "x == 1;", 0, "does nothing"),
    ("statements", "f(x)", 4, "the snippet ends where ';'"),
    ("statements", ";", 0, "an empty statement"),
    ("statements", "goto out;", 0, "'goto'"),
    ("statements", "else f();", 0, "'else' without an 'if'"),
    # Layout checkpatch refuses, seen only by a parser (make fuzz).
    ("statements", "widget_st*op(x);", 9, "spaces needed on both sides of"),
    ("statements", "x = a\n    && b;", 10, "starts a continuation line"),
    ("statements", "f (x);", 2, "space between a function and its '('"),
    ("statements", "x = (char*)p;", 9, "POINTER_LOCATION"),
    # make fuzz, seed 20261126: checkpatch USE_NEGATIVE_ERRNO, CAMELCASE,
    # and '${body}__x' compiled as the undeclared name body__x.
    ("statements", "return EIO;", 7, "write -EIO"),
    ("statements", "ret = EIO;", 6, "write -EIO"),
    ("statements", "widget_cAreate(x);", 0, "CAMELCASE"),
    ("statements", "${body}__x->attrs = attrs;", 0, "glued to a name"),
    ("expr", "(: f->addr)", 1, "':' where a value should be"),
    ("expand", "for each part", 4, "expected '(' after 'for'"),
    ("statements", "x = " + "(" * 40 + "1" + ")" * 40 + ";", 35,
     "nested over"),
]


def test_c_grammar_return_fits_the_function():
    assert cgrammar.problem("return ERR_PTR(-EINVAL);", "statements",
                            "value") is None
    assert "without a value" in cgrammar.problem("return;", "statements",
                                                 "value")[1]
    assert cgrammar.problem("return;", "statements", "void") is None
    assert "with a value" in cgrammar.problem("return f(x);", "statements",
                                              "void")[1]


@pytest.mark.parametrize("shape,text", _C_OK)
def test_c_grammar_accepts(shape, text):
    assert cgrammar.problem(text, shape) is None


@pytest.mark.parametrize("shape,text,at,problem", _C_BAD)
def test_c_grammar_refuses(shape, text, at, problem):
    got = cgrammar.problem(text, shape)
    assert got is not None and got[0] == at and problem in got[1], got


def test_shipped_c_passes_the_grammar():
    from generator.schema import string_kinds
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in ("dma_single.yaml", "sg_table.yaml"):
        with open(os.path.join(root, "specs", name), encoding="utf-8") as f:
            data = yaml.safe_load(f)
        n = 0
        for path, kind, value in string_kinds(data):
            if kind == "code" and path[0] in ("constructors", "transitions",
                                              "operations", "dimensions") \
                    or path[:2] in (("kunit", "init"), ("kunit", "exit")):
                assert cgrammar.problem(value, "statements") is None, path
                n += 1
        assert n >= 10


def test_tag_only_a_parameter_names_is_declared_first(tmp_path):
    # make fuzz: 'struct devicen *dev' as a parameter only: gcc scopes the
    # tag to that one function ('declared inside parameter list'), an
    # error under CONFIG_WERROR, in a line the template wrote.
    path = _spec(tmp_path, MINIMAL, (
        "    summary: switch to turbo\n",
        "    summary: switch to turbo\n    params:\n"
        "      - {name: g, type: struct gadget *, doc: the gadget to "
        "use}\n"))
    header = _gen(tmp_path, path)[HEADER]
    decl = header.index("\nstruct gadget;\n")
    assert decl < header.index("struct gadget *g")
    assert "\nstruct widget;\n" not in header     # a field's tag: declared
    _clean({HEADER: header})


def test_regex_warning_is_the_one_error_line(tmp_path):
    # make fuzz, case 3654: re.compile() printed "FutureWarning: Possible
    # nested set" on stderr before the error, two lines instead of one.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text = open(os.path.join(root, "specs", "dma_single.yaml"),
                encoding="utf-8").read()
    old = "  raw_api: dma_(map|unmap|sync)_"
    assert old in text
    path = tmp_path / "dma_single.yaml"
    path.write_text(text.replace(old, "  raw_api: dma_[[a-z]_x|"),
                    encoding="utf-8")
    res = run_gen(["--out", str(tmp_path / "out"), "gen", str(path)])
    assert_no_traceback(res)
    assert res.rc == 2 and len(res.err_lines) == 1, res.err
    assert error_re(str(path)).match(res.err_lines[0]), res.err
    assert "Possible nested set" in res.err_lines[0]


# -- tests/style_specs: at the limit, and one step over it --------------------------

STYLE_SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "style_specs")


@pytest.mark.parametrize("name", ["clk_long_names", "widget_long_names"])
def test_style_spec_is_accepted_near_100_columns(tmp_path, name):
    """`make style` runs checkpatch on these; here: they are accepted, their
    output passes the generator's own width and style checks, and it
    reaches close to the 100 columns, so they test the wrapping."""
    files = _gen(tmp_path, os.path.join(STYLE_SPECS, name + ".yaml"))
    _clean(files)
    widest = max(len(line.expandtabs(8)) for rel, text in files.items()
                 if rel.endswith(".h") or rel.startswith("kunit/") and
                 rel.endswith(".c") for line in text.split("\n"))
    assert 95 <= widest <= 100, widest


def test_state_names_one_over_the_limit_are_refused_with_the_reason(
        tmp_path):
    """The clk style spec's state names made longer one character at a
    time: accepted up to the last length whose output fits in 100 columns,
    and the next one refused at gen time at the spec, saying which line
    and why."""
    src = os.path.join(STYLE_SPECS, "clk_long_names.yaml")
    text = open(src, encoding="utf-8").read()
    assert text.count("disabled") >= 4
    path = tmp_path / "clk_gate.yaml"
    for k in range(1, 9):
        path.write_text(re.sub(r"\bdisabled\b", "disabled" + "x" * k, text))
        res = run_gen(["lint", str(path)])
        assert_no_traceback(res)
        if res.rc:
            break
    else:
        pytest.fail("8 more characters per state name still fit: the "
                    "style spec is no longer near the limit")
    assert res.rc == 2 and len(res.err_lines) == 1, res.err
    m = error_re(str(path)).match(res.err_lines[0])
    assert m, res.err
    assert re.search(r"is 10[1-8] columns wide; the limit is 100", res.err)
    assert "shorten the names" in res.err
