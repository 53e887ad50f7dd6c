# SPDX-License-Identifier: GPL-2.0
"""Generated names against the kernel's: the list and how it is made."""

import importlib.util
import os

from conftest import MINIMAL, ROOT, error_re, run_gen

from generator import check


def _script():
    path = os.path.join(ROOT, "scripts", "kernel-names.py")
    spec = importlib.util.spec_from_file_location("kernel_names", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_extraction_keeps_declarations_not_members_or_comments():
    tags, other = _script().names('''
/* struct in_comment; in_comment_fn(x) */
#define clkx_macro(a) (a)
struct clkx { int member; void (*hook)(int param); };
union clkx_u;
enum clkx_e { CLKX_A, clkx_lower = 2, clkx_last };
typedef struct { int y; } clkx_t;
typedef unsigned long clkx_word;
int clkx_prepare(struct clkx *c, int param);
DEFINE_FREE(clkx_put, struct clkx *, clkx_prepare(_T, 0))
DEFINE_CLASS(clkx_cls, struct clkx *, clkx_prepare(_T, 1), NULL, void)
const char *s = "not_a_call(x)";
''')
    assert {"clkx", "clkx_u", "clkx_e"} <= tags
    for name in ("clkx_macro", "clkx_prepare", "clkx_lower", "clkx_last",
                 "CLKX_A", "clkx_t", "clkx_word", "__free_clkx_put",
                 "class_clkx_cls_t", "class_clkx_cls_destructor"):
        assert name in other, name
    for name in ("member", "param", "y", "in_comment", "in_comment_fn",
                 "not_a_call"):
        assert name not in other and name not in tags, name


def test_checked_in_list_has_the_clk_api():
    """The list the check reads was made from a 6.12 tree (what the issue's
    clk spec collided with)."""
    names = check.kernel_names()
    assert {"struct clk", "clk_prepare", "clk_enable", "__free_kfree",
            "class_mutex_t", "struct sg_table"} <= names
    assert len(names) > 50000


def _variant(tmp_path, *edits):
    text = open(MINIMAL, encoding="utf-8").read().split("\n", 1)[1]
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "widget.yaml"
    path.write_text(text)
    return str(path)


def test_state_struct_clashing_with_a_kernel_tag_is_refused_at_prefix(
        tmp_path):
    # struct sg_page_iter is the kernel's; a state 'page_iter' of prefix
    # 'sg' (one dimension value per state name part) would define it.
    path = _variant(tmp_path, ("prefix: wdg", "prefix: sg"),
                    ("{name: slow, doc: the default speed}",
                     "{name: iter, doc: the default speed}"),
                    ("name: idle, doc", "name: page, doc"),
                    ("to: {power: idle, speed: slow}",
                     "to: {power: page, speed: iter}"),
                    ("{power: idle, speed: fast",
                     "{power: page, speed: fast"),
                    ("from: idle", "from: page"), ("to: idle", "to: page"),
                    ("speed: slow}", "speed: iter}"),
                    ("from: slow", "from: iter"))
    res = run_gen(["lint", path])
    assert res.rc == 2 and len(res.err_lines) == 1, res.err
    m = error_re(path).match(res.err_lines[0])
    assert m and (m.group(1), m.group(2)) == ("2", "9"), res.err
    assert "'struct sg_page_iter', which the header defines for state " \
        "page_iter" in res.err


def test_a_free_prefix_passes(tmp_path):
    """The check does not refuse everything: the same spec with a prefix
    the kernel does not use is accepted."""
    path = _variant(tmp_path, ("prefix: wdg", "prefix: wdgq"))
    assert run_gen(["lint", path]).rc == 0
