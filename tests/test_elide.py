# SPDX-License-Identifier: GPL-2.0
"""scripts/elide.py: the functions hidden from spatch, and proof that
hiding them changes nothing migrate.py writes or reports."""

import glob
import os
import re
import subprocess
import sys

from hypothesis import given, settings, strategies as st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import elide  # noqa: E402
import migrate  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "cocci")

SOURCE = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/dma-mapping.h>

static const struct foo_ops ops = {
	.probe = foo_probe,
};

struct foo { dma_addr_t dma; };

static int unrelated(int a) /* a comment { */
{
	const char *s = "}";

	return a + s[0] + '}';
}

static void maps(struct device *d, struct foo *f, void *p)
{
	f->dma = dma_map_single(d, p, 4, DMA_TO_DEVICE);
}

#ifdef CONFIG_FOO
static int guarded(void)
#else
static int guarded(int a)
#endif
{
	return 0;
}

static int with_directive(void)
{
#ifdef CONFIG_FOO
	return 1;
#endif
	return 0;
}

int array[] = { 1, 2 };
"""


def _names(text):
    return [re.search(r"(\w+)\s*\(", text[a:b]).group(1)
            for a, _, b in elide.functions(text)]


def test_functions_are_definitions_only():
    # Not the initializer, the struct or the array; not guarded(), whose
    # signature is split by a directive, nor with_directive(), which holds
    # one.
    assert _names(SOURCE) == ["unrelated", "maps"]
    (a, body, b), _ = elide.functions(SOURCE)
    assert SOURCE[a:b].startswith("static int unrelated(int a)")
    assert SOURCE[body:b].startswith("{\n\tconst char")
    assert SOURCE[a:b].endswith("'}';\n}")


def test_hidden_functions_keep_the_lines_and_come_back():
    keep = re.compile(r"\bdma_map_single\b")
    text, hidden = elide.hide(SOURCE, keep)
    # The body of unrelated() is hidden; its signature stays, as a
    # prototype that tells spatch what it returns.
    assert len(hidden) == 1 and "s[0]" in hidden[0]
    assert "static int unrelated(int a) /* a comment { */\n;/*@" in text
    assert "s[0]" not in text and "f->dma = dma_map_single" in text
    assert text.count("\n") == SOURCE.count("\n")
    assert text.splitlines().index("static void maps(struct device *d, "
                                   "struct foo *f, void *p)") == \
        SOURCE.splitlines().index("static void maps(struct device *d, "
                                  "struct foo *f, void *p)")
    assert elide.restore(text, hidden) == SOURCE
    # spatch's changes elsewhere stay.
    changed = text.replace("DMA_TO_DEVICE", "DMA_FROM_DEVICE")
    assert elide.restore(changed, hidden) == \
        SOURCE.replace("DMA_TO_DEVICE", "DMA_FROM_DEVICE")


def test_a_function_nothing_names_goes_whole():
    keep = re.compile(r"\bdma_map_single\b")
    used = elide.names_outside(SOURCE, keep)
    # unrelated() is hidden and named nowhere else: it goes signature and
    # all.  maps() is kept, and what it names counts.
    assert "unrelated" not in used and "dma_map_single" in used
    text, hidden = elide.hide(SOURCE, keep, used)
    assert hidden == [SOURCE[SOURCE.index("static int unrelated"):
                             SOURCE.index("\n\nstatic void maps")]]
    assert "unrelated" not in text
    assert "/*@typestate-hidden-function:0@*/" in text
    assert text.count("\n") == SOURCE.count("\n")
    assert elide.restore(text, hidden) == SOURCE
    # Named by code spatch still sees (a call, or a table outside any
    # function), it keeps its prototype.
    # Nor does its kernel-doc, or a string that spells its name.
    src = SOURCE.replace("static int unrelated",
                         "/**\n * unrelated() - not mapped\n */\n"
                         "static int unrelated").replace(
        "int array[]", "const char *name = \"unrelated\";\nint array[]")
    text, hidden = elide.hide(src, keep, elide.names_outside(src, keep))
    assert "/*@typestate-hidden-function:0@*/" in text
    assert elide.restore(text, hidden) == src
    # A call from a function that is hidden itself does not count.
    src = SOURCE + "\nstatic int calls(void)\n{\n\treturn unrelated(1);\n}\n"
    text, hidden = elide.hide(src, keep, elide.names_outside(src, keep))
    assert "unrelated" not in text and elide.restore(text, hidden) == src
    for user in ("\nstatic int calls(void)\n{\n\tdma_map_single(0);\n"
                 "\treturn unrelated(1);\n}\n",
                 "\nstatic int (*const table[])(int) = { unrelated };\n"):
        src = SOURCE + user
        text, hidden = elide.hide(src, keep, elide.names_outside(src, keep))
        assert "static int unrelated(int a) /* a comment { */\n;/*@" in text
        assert elide.restore(text, hidden) == src


def test_a_whole_function_after_a_semicolon_comes_back_alone():
    src = "int x;static int f(void){return 1;}\n" \
          "static void g(void){dma_map_single(0);}\n"
    keep = re.compile(r"\bdma_map_single\b")
    text, hidden = elide.hide(src, keep, elide.names_outside(src, keep))
    assert text.startswith("int x;/*@typestate-hidden-function:0@*/\n")
    assert elide.restore(text, hidden) == src


def test_a_lost_marker_is_an_error():
    text, hidden = elide.hide(SOURCE, re.compile(r"\bnothing\b"))
    assert len(hidden) == 2
    lost = re.sub(r"/\*@typestate-hidden:1@\*/", "", text)
    try:
        elide.restore(lost, hidden)
    except ValueError as e:
        assert "1 of 2 hidden bodies came back" in str(e)
    else:
        raise AssertionError("a lost function went unnoticed")


def test_unbalanced_text_hides_nothing():
    assert elide.functions("int f(void)\n{\n") == []
    assert elide.functions("}\nint f(void)\n{\n}\n") == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(sorted(
    glob.glob(os.path.join(FIXTURES, "**", "*.c"), recursive=True))),
    min_size=1, max_size=3), st.sets(st.sampled_from(
        ["dma_map_single", "sg_free_table", "return", "ret", "sgt", "dev",
         "nothing_matches_this"])))
def test_hide_then_restore_is_the_identity(paths, words):
    text = "\n".join(open(p, encoding="utf-8").read() for p in paths)
    keep = re.compile(r"\b(?:%s)\b" % "|".join(sorted(words)) if words
                      else r"(?!)")
    for used in (None, elide.names_outside(text, keep)):
        hidden_text, hidden = elide.hide(text, keep, used)
        assert hidden_text.count("\n") == text.count("\n")
        assert all(not keep.search(h) for h in hidden)
        assert len(hidden) == sum(not keep.search(text, a, b)
                                  for a, _, b in elide.functions(text))
        assert elide.restore(hidden_text, hidden) == text


def test_literal_words_are_the_calls_and_types_the_rules_match():
    words = elide.literal_words(open(os.path.join(
        ROOT, "generated", "coccinelle", "sg_table.cocci"),
        encoding="utf-8").read())
    assert {"dma_map_sgtable", "dma_unmap_sgtable", "sg_free_table",
            "for_each_sgtable_dma_sg", "sg_table", "orig_nents",
            "map_dma_buf"} <= words
    # Keywords, metavariables and the #include line are not words.
    assert not words & {"return", "if", "struct", "E", "X", "fn", "linux",
                        "h", "include"}


UNRELATED = """
static int typestate_unrelated_%d(int a)
{
	int sum = 0;

	while (a--)
		sum += a;
	return sum;
}
"""


def _tree(tmp_path):
    """A kernel tree whose drivers/ holds every before-fixture of both
    specs, each with functions no rule can match between its own."""
    tree = tmp_path / "tree"
    (tree / "include").mkdir(parents=True)
    (tree / "Makefile").write_text("# a kernel tree\n")
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.before.c"))
                       + glob.glob(os.path.join(FIXTURES, "dma_single",
                                                "*.c"))):
        if path.endswith(".after.c"):
            continue
        rel = os.path.relpath(path, FIXTURES).replace(os.sep, "_")
        text = open(path, encoding="utf-8").read()
        parts = text.split("\n}\n")
        text = "".join(p + "\n}\n" + UNRELATED % i
                       for i, p in enumerate(parts[:-1])) + parts[-1]
        dest = tree / "drivers" / rel[:-len(".c")] / "f.c"
        dest.parent.mkdir(parents=True)
        dest.write_text(text)
    return tree


def _migrate(tree, *args):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts",
                                                        "migrate.py"),
                           str(tree), "drivers", *args],
                          capture_output=True, text=True, check=False)
    files = {str(p.relative_to(tree)): p.read_text()
             for p in sorted((tree / "drivers").rglob("*"))
             if p.is_file()}
    return proc, files


def test_hiding_changes_nothing_migrate_writes_or_reports(tmp_path):
    hidden = _tree(tmp_path / "a")
    plain = _tree(tmp_path / "b")
    # The fixtures do give spatch functions to hide.
    keep = re.compile(r"\b(?:%s)\b" % "|".join(elide.literal_words(open(
        os.path.join(ROOT, "generated", "coccinelle", "dma_single.cocci"),
        encoding="utf-8").read())))
    assert all(len(elide.hide(p.read_text(), keep)[1]) >= 1
               for p in (hidden / "drivers").rglob("*.c"))
    proc_h, files_h = _migrate(hidden)
    proc_p, files_p = _migrate(plain, "--no-hide")
    assert proc_h.returncode == proc_p.returncode == 0, \
        proc_h.stderr[-2000:] + proc_p.stderr[-2000:]
    assert files_h == files_p
    drop = re.compile(r"took \d+ s|used \d+ s of CPU|slowest file groups.*")
    out_h = drop.sub("", proc_h.stdout).replace(str(hidden), "TREE")
    out_p = drop.sub("", proc_p.stdout).replace(str(plain), "TREE")
    assert out_h == out_p
    # Something was migrated and something reported: the comparison is of
    # real output.
    assert re.search(r"[1-9]\d* files and \d+ functions migrated", out_h)
    assert "not migrated" in out_h or "left with a reason" in out_h


def test_bytes_that_are_not_utf8_come_back_unchanged(tmp_path):
    path = tmp_path / "f.c"
    raw = SOURCE.encode().replace(b"/* a comment { */", b"/* Jos\xe9 { */")
    raw = raw.replace(b"\n", b"\r\n", 3)
    path.write_bytes(raw)
    text, hidden = elide.hide(migrate._read_bytes(str(path)),
                              re.compile(r"\bdma_map_single\b"))
    assert hidden
    migrate._put_back(str(path), text.replace("DMA_TO_DEVICE",
                                              "DMA_FROM_DEVICE"), hidden)
    assert path.read_bytes() == raw.replace(b"DMA_TO_DEVICE",
                                            b"DMA_FROM_DEVICE")
