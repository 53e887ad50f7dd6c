# SPDX-License-Identifier: GPL-2.0
"""The generator end to end: idempotent output, the check-gen contract, the
shape of a generated header, and a property test that no mutation of a
valid spec makes the tool crash or print anything but one located error."""

import copy
import itertools
import os
import re
import shutil
import tempfile

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import (KUNIT, MINIMAL, ROOT, assert_no_traceback, error_re,
                      files_under, run_cli, run_gen)

GENERATED = os.path.join(ROOT, "generated")
SG_TABLE = os.path.join(ROOT, "specs", "sg_table.yaml")


def _snapshot(d):
    """{relative path: (bytes, mtime_ns)} for every file under ``d``."""
    out = {}
    for rel in files_under(d):
        p = os.path.join(d, rel)
        with open(p, "rb") as f:
            out[rel] = (f.read(), os.stat(p).st_mtime_ns)
    return out


# -- (a) gen is deterministic and rewrites nothing the second time -----------

def test_gen_is_deterministic_and_idempotent(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    first = run_gen(["--out", str(a), "gen"])
    assert_no_traceback(first)
    assert (first.rc, first.err) == (0, ""), first.err
    assert "GEN" in first.out
    assert run_gen(["--out", str(b), "gen"]).rc == 0

    snap_a = _snapshot(a)
    assert snap_a, "gen wrote nothing"
    assert {k: v[0] for k, v in snap_a.items()} == \
        {k: v[0] for k, v in _snapshot(b).items()}, "two runs differ"

    # Age every file, so that any rewrite shows in its mtime.
    for rel in snap_a:
        os.utime(a / rel, ns=(10**18, 10**18))
    aged = _snapshot(a)
    again = run_gen(["--out", str(a), "gen"])
    assert (again.rc, again.err) == (0, "")
    assert "GEN" not in again.out, "second run rewrote:\n" + again.out
    assert _snapshot(a) == aged


def test_gen_removes_stale_files(tmp_path):
    assert run_gen(["--out", str(tmp_path), "gen", MINIMAL]).rc == 0
    stale = tmp_path / "include/linux/typestate/stale.h"
    stale.write_text("/* left over */\n")
    res = run_gen(["--out", str(tmp_path), "gen", MINIMAL])
    assert res.rc == 0
    assert not stale.exists()
    assert res.out.count("GEN") == 1 and "stale.h" in res.out


def test_out_option_between_command_and_specs(tmp_path):
    """`gen --out DIR SPEC...`, the order the usage text documents (once
    'unrecognized arguments' from argparse)."""
    res = run_gen(["gen", "--out", str(tmp_path), MINIMAL])
    assert res.rc == 0, res.err
    assert (tmp_path / "include/linux/typestate/widget.h").exists()


# -- (b) and (c) the `make check-gen` contract -------------------------------

def test_check_passes_on_checked_in_generated():
    res = run_cli(["check", "--out", "generated"])
    assert (res.rc, res.err) == (0, ""), res.err


@pytest.fixture
def generated_copy(tmp_path):
    """A temporary copy of generated/, brought up to date with the specs (so
    that this test checks `check`, not whether generated/ is committed)."""
    d = tmp_path / "generated"
    shutil.copytree(GENERATED, d)
    assert run_gen(["--out", str(d), "gen"]).rc == 0
    res = run_gen(["--out", str(d), "check"])
    assert (res.rc, res.err) == (0, ""), res.err
    return d


HEADER = "include/linux/typestate/sg_table.h"


def _edit(d):
    p = d / HEADER
    p.write_text(p.read_text().replace("Do not edit", "Do edit", 1))
    return "differs from what the specs and templates produce"


def _delete(d):
    (d / HEADER).unlink()
    return "missing"


def _add(d):
    (d / "include/linux/typestate/extra.h").write_text("/* mine */\n")
    return "not produced by any spec"


@pytest.mark.parametrize("change", [_edit, _delete, _add],
                         ids=["edited", "deleted", "added"])
def test_check_fails_when_generated_is_touched(generated_copy, change):
    before = _snapshot(generated_copy)
    why = change(generated_copy)
    touched = _snapshot(generated_copy)
    res = run_gen(["--out", str(generated_copy), "check"])
    assert_no_traceback(res)
    assert res.rc == 1
    assert why in res.err
    assert "out of date" in res.err_lines[-1]
    assert len(res.err_lines) == 2, res.err      # one file, one summary
    assert _snapshot(generated_copy) == touched, "check must not write"
    # gen repairs it.
    assert run_gen(["--out", str(generated_copy), "gen"]).rc == 0
    assert {k: v[0] for k, v in _snapshot(generated_copy).items()} == \
        {k: v[0] for k, v in before.items()}


# -- (e) the sg_table header ---------------------------------------------------

def _states(spec_path):
    """State names computed straight from the YAML, not by the generator."""
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    dims = spec["dimensions"]
    excluded = {tuple(ex[d["name"]] for d in dims)
                for ex in spec.get("exclude", [])}
    combos = itertools.product(*([v["name"] for v in d["values"]]
                                 for d in dims))
    return spec["prefix"], ["_".join(c) for c in combos if c not in excluded]


def test_sg_table_header(tmp_path):
    res = run_gen(["--out", str(tmp_path), "gen", SG_TABLE])
    assert (res.rc, res.err) == (0, ""), res.err
    text = (tmp_path / HEADER).read_text()
    lines = text.split("\n")
    assert lines[0] == "/* SPDX-License-Identifier: GPL-2.0 */"
    assert any("Do not edit" in x and "specs/sg_table.yaml" in x
               for x in lines), "no 'Do not edit' line naming the spec"
    prefix, states = _states(SG_TABLE)
    assert prefix == "sgt" and len(states) == 5
    for st_name in states:
        assert text.count(f"\nstruct {prefix}_{st_name} {{\n") == 1, st_name
    defined = set(re.findall(r"^struct (sgt_\w+) \{$", text, re.M))
    assert defined == {f"sgt_{s}" for s in states} | {"sgt_owned"}
    # Storage sized per state: a borrowed table's storage has no
    # struct sg_table; the owned one adds it after the common part.
    common = re.search(r"^struct sgt \{\n(.*?)^\};", text, re.M | re.S)
    owned = re.search(r"^struct sgt_owned \{\n(.*?)^\};", text, re.M | re.S)
    assert "struct sg_table table;" not in common.group(1)
    assert owned.group(1) == "\tstruct sgt common;\n\tstruct sg_table table;\n"
    for st_name in states:
        body = "sgt_owned" if st_name.startswith("owned") else "sgt"
        assert f"struct {body} *__private body;\n}};" in text.split(
            f"\nstruct sgt_{st_name} {{\n", 1)[1].split("\n}", 1)[0] + \
            "\n};", st_name
    assert "sgt_owned_mapped" not in text           # excluded
    # The checked-in copy says the same.
    with open(os.path.join(GENERATED, HEADER), encoding="utf-8") as f:
        assert f.read() == text


# -- (d) property: mutations never crash the tool ------------------------------

def _load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


BASES = {os.path.basename(p): _load(p) for p in (MINIMAL, KUNIT, SG_TABLE)}


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


IDENTS = sorted({v for base in BASES.values() for _, v in _walk(base)
                 if isinstance(v, str) and re.fullmatch(r"[a-z_]\w*", v)} |
                {"ret", "body", "h", "src", "release", "int", "for", "switch",
                 "Map-It", "_x", "why", "raw", "x"})

TEXT = st.characters(blacklist_categories=("Cs",))
NAMES = st.one_of(st.sampled_from(IDENTS),
                  st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
                  st.text(TEXT, max_size=12))
SCALARS = st.one_of(st.text(TEXT, max_size=20), st.integers(-3, 300),
                    st.lists(st.one_of(st.text(TEXT, max_size=6),
                                       st.integers(0, 9)), max_size=3),
                    st.booleans(), st.none(), st.floats(allow_nan=False),
                    st.sampled_from(["${body}", "${raw}", "$x", "${nope}",
                                     "ret = f();", "struct foo *", "EIO"]))


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[name])
    done = []
    for _ in range(draw(st.integers(1, 3))):
        nodes = [(p, v) for p, v in _walk(data) if p]
        if not nodes:
            break
        kind = draw(st.sampled_from(["delete", "replace", "rename",
                                     "rename_key"]))
        if kind == "delete":
            path = draw(st.sampled_from([p for p, _ in nodes]))
            del _get(data, path[:-1])[path[-1]]
        elif kind == "replace":
            path = draw(st.sampled_from(
                [p for p, v in nodes if not isinstance(v, (dict, list))]))
            new = draw(SCALARS)
            _get(data, path[:-1])[path[-1]] = new
        elif kind == "rename":
            cands = [p for p, v in nodes if isinstance(v, str) and len(v) < 40]
            path = draw(st.sampled_from(cands))
            new = draw(NAMES)
            _get(data, path[:-1])[path[-1]] = new
        else:
            cands = [p for p, _ in nodes if isinstance(p[-1], str)]
            path = draw(st.sampled_from(cands))
            parent = _get(data, path[:-1])
            new = draw(NAMES)
            if new in parent:
                continue
            items = [(new if k == path[-1] else k, v)
                     for k, v in parent.items()]
            parent.clear()
            parent.update(items)
        done.append((kind, path))
    return name, data, done


# Deterministic in CI; TYPESTATE_FUZZ_EXAMPLES=600 explores afresh each run.
@settings(max_examples=int(os.environ.get("TYPESTATE_FUZZ_EXAMPLES", 60)),
          deadline=None, database=None,
          derandomize="TYPESTATE_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_spec_never_crashes(mutation):
    name, data, done = mutation
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name)
        text = yaml.safe_dump(data, sort_keys=False, width=1000)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        res = run_gen(["--out", out, "gen", path])
        assert_no_traceback(res)
        assert res.rc in (0, 2), (res.rc, res.err, done)
        if res.rc == 0:
            assert res.err == ""
            assert any(f.startswith("include/linux/typestate/")
                       for f in files_under(out))
            return
        assert len(res.err_lines) == 1, (res.err, done)
        m = error_re(path).match(res.err_lines[0])
        assert m, (res.err, done)
        line, col = int(m.group(1)), int(m.group(2))
        lines = text.split("\n")
        assert 1 <= line <= len(lines), (res.err, done)
        assert 1 <= col <= len(lines[line - 1]) + 1, (res.err, done)
        assert files_under(out) == []
