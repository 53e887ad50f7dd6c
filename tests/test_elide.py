# SPDX-License-Identifier: GPL-2.0
"""scripts/elide.py: the functions hidden from spatch, and proof that
hiding them changes nothing migrate.py writes or reports."""

import glob
import os
import re
import subprocess
import sys

import pytest
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


CALLS = "\nstatic int calls(void)\n{\n\tdma_map_single(0);\n" \
        "\treturn unrelated(1);\n}\n"


def test_hidden_functions_keep_the_lines_and_come_back():
    keep = re.compile(r"\bdma_map_single\b")
    src = SOURCE + CALLS
    text, hidden = elide.hide(src, keep)
    # The body of unrelated() is hidden; its signature stays, as a
    # prototype that tells spatch what calls() gets from it.
    assert "static int unrelated(int a) /* a comment { */\n;/*@" in text
    assert any("s[0]" in h for h in hidden)
    assert "s[0]" not in text and "f->dma = dma_map_single" in text
    assert text.count("\n") == src.count("\n")
    assert text.splitlines().index("static void maps(struct device *d, "
                                   "struct foo *f, void *p)") == \
        src.splitlines().index("static void maps(struct device *d, "
                               "struct foo *f, void *p)")
    assert elide.restore(text, hidden) == src
    # spatch's changes elsewhere stay.
    changed = text.replace("DMA_TO_DEVICE", "DMA_FROM_DEVICE")
    assert elide.restore(changed, hidden) == \
        src.replace("DMA_TO_DEVICE", "DMA_FROM_DEVICE")


def test_a_function_nothing_names_goes_whole():
    keep = re.compile(r"\bdma_map_single\b")
    text, hidden = elide.hide(SOURCE, keep)
    # unrelated() is hidden and named nowhere spatch looks: it goes
    # signature and all.  The ops table that names foo_probe goes too.
    whole = SOURCE[SOURCE.index("static int unrelated"):
                   SOURCE.index("\n\nstatic void maps")]
    assert whole in hidden and "unrelated" not in text
    assert re.search(r"/\*@typestate-hidden-item:\d+@\*/\n{6}\nstatic void "
                     r"maps", text)
    assert text.count("\n") == SOURCE.count("\n")
    assert elide.restore(text, hidden) == SOURCE
    # Nor does its kernel-doc, or a string that spells its name.
    src = SOURCE.replace("static int unrelated",
                         "/**\n * unrelated() - not mapped\n */\n"
                         "static int unrelated").replace(
        "int array[]", "const char *name = \"unrelated\";\nint array[]")
    text, hidden = elide.hide(src, keep)
    assert "static int unrelated" not in text
    assert elide.restore(text, hidden) == src
    # A call from a function that is hidden itself does not count.
    src = SOURCE + "\nstatic int calls(void)\n{\n\treturn unrelated(1);\n}\n"
    text, hidden = elide.hide(src, keep)
    assert "unrelated" not in text and elide.restore(text, hidden) == src
    # A call from a kept function does, and so does a table that a kept
    # function names.
    for user in (CALLS, "\nstatic int (*const table[])(int) = { unrelated };"
                 "\nstatic void uses(void)\n{\n\tdma_map_single(table);\n}\n"):
        src = SOURCE + user
        text, hidden = elide.hide(src, keep)
        assert "static int unrelated(int a) /* a comment { */\n;/*@" in text
        assert elide.restore(text, hidden) == src


DECLARATIONS = """\
#include <linux/dma-mapping.h>
#define RING_SIZE 16
#define REG_UNUSED 0x40
#define REG_CTRL(n) (0x10 + (n) * STRIDE)
#define STRIDE 4
#define NOTE 1 /* a comment that goes
		 * on */
typedef u32 ring_word_t;
struct ring_entry { ring_word_t word; };
struct ring { struct ring_entry e[RING_SIZE]; dma_addr_t dma; };
struct unused { int a; };
enum ring_state { RING_IDLE, RING_BUSY };
enum other_state { OTHER_IDLE };
static int counter;
static DEFINE_MUTEX(ring_lock);
static int helper(struct unused *u);
int stays_x; int goes_y;
EXPORT_SYMBOL(helper);

static void map(struct device *d, struct ring *r)
{
	mutex_lock(&ring_lock);
	r->dma = dma_map_single(d, r->e, sizeof(r->e), DMA_TO_DEVICE);
	writel(RING_BUSY, REG_CTRL(0));
	mutex_unlock(&ring_lock);
}
"""


def test_declarations_and_macros_nothing_names_go_whole():
    keep = re.compile(r"\bdma_map_single\b")
    text, hidden = elide.hide(DECLARATIONS, keep)
    assert text.count("\n") == DECLARATIONS.count("\n")
    assert elide.restore(text, hidden) == DECLARATIONS
    gone = {h.split("\n")[0] for h in hidden}
    # Named by nothing spatch sees: hidden, with its lines.
    assert gone == {"#define REG_UNUSED 0x40", "struct unused { int a; };",
                    "enum other_state { OTHER_IDLE };", "static int counter;",
                    "static int helper(struct unused *u);",
                    "EXPORT_SYMBOL(helper);", "int goes_y;"}
    # Named by map(), or by what map() names (ring names ring_entry and
    # RING_SIZE, ring_entry names ring_word_t, REG_CTRL names STRIDE): kept.
    for line in ("#define RING_SIZE 16", "#define STRIDE 4",
                 "typedef u32 ring_word_t;", "enum ring_state {",
                 "struct ring_entry {", "static DEFINE_MUTEX(ring_lock);",
                 "#define REG_CTRL(n)"):
        assert line in text, line
    # A macro whose comment goes on past its line stays (hiding its first
    # line would leave the comment open), and so does a declaration that
    # code follows on its line (hiding it would move that code's columns).
    assert "#define NOTE 1 /* a comment" in text
    assert "int stays_x; /*@typestate-hidden-item:" in text


@pytest.mark.parametrize("decl, names", [
    ("static int foo(struct device *dev);", {"foo"}),
    ("int foo(void) __attribute__((weak));", {"foo"}),
    ("static int __init foo_init(void);", {"foo_init"}),
    ("static struct foo bar __attribute__((aligned(4)));",
     {"bar", "__attribute__", "aligned"}),
    ("static const struct foo *(*fp)(void);", {"fp"}),
    ("int f(void), x;", {"f", "x"}),
    ("enum { A = 1, B };", {"A", "B"}),
    ("typedef struct foo foo_t;", {"foo_t"}),
    ("struct foo { int a; } bar;", {"foo", "bar"}),
    ("struct foo;", set()),
    ("static DEFINE_MUTEX(lock);", {"DEFINE_MUTEX", "lock"}),
    ("static const struct foo_ops ops = { .probe = foo_probe(1) };",
     {"ops"}),
    ("EXPORT_SYMBOL_GPL(foo);", {"EXPORT_SYMBOL_GPL", "foo"}),
])
def test_what_a_declaration_may_declare(decl, names):
    # At least what it declares; more only where the form is unclear.
    assert elide.declared(decl) == names


def test_a_whole_function_after_a_semicolon_comes_back_alone():
    src = "int x; static int f(void){return 1;}\n" \
          "static void g(void){dma_map_single(0);}\n"
    keep = re.compile(r"\bdma_map_single\b")
    text, hidden = elide.hide(src, keep)
    assert text.startswith("int x; /*@typestate-hidden-item:0@*/\n")
    assert elide.restore(text, hidden) == src


def test_a_lost_marker_is_an_error():
    src = SOURCE + CALLS
    text, hidden = elide.hide(src, re.compile(r"\bdma_map_single\b"))
    k = next(i for i, h in enumerate(hidden) if "s[0]" in h)
    lost = re.sub(r";/\*@typestate-hidden:%d@\*/" % k, "", text)
    try:
        elide.restore(lost, hidden)
    except ValueError as e:
        assert "%d of %d hidden bodies came back" % (
            len(hidden) - 1, len(hidden)) in str(e)
    else:
        raise AssertionError("a lost function went unnoticed")


def test_unbalanced_text_hides_nothing():
    assert elide.functions("int f(void)\n{\n") == []
    assert elide.functions("}\nint f(void)\n{\n}\n") == []
    assert elide.hide("int x;\nint f(void)\n{\n", re.compile("(?!)")) == (
        "int x;\nint f(void)\n{\n", [])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(sorted(
    glob.glob(os.path.join(FIXTURES, "**", "*.c"), recursive=True))),
    min_size=1, max_size=3), st.sets(st.sampled_from(
        ["dma_map_single", "sg_free_table", "return", "ret", "sgt", "dev",
         "nothing_matches_this"])))
def test_hide_then_restore_is_the_identity(paths, words):
    texts = {p: open(p, encoding="utf-8").read() for p in paths}
    keep = re.compile(r"\b(?:%s)\b" % "|".join(sorted(words)) if words
                      else r"(?!)")
    spans = elide.plan(texts, keep)
    for p, text in texts.items():
        hidden_text, hidden = elide.hide_spans(text, spans[p])
        assert hidden_text.count("\n") == text.count("\n")
        assert all(not keep.search(h) for h in hidden)
        # Every function keep does not match loses at least its body.
        assert sum(1 for s, c, e in spans[p] if c != s) + sum(
            1 for a, _, b in elide.functions(text)
            if (a, a, b) in spans[p]) == sum(
            not keep.search(text, a, b) for a, _, b in elide.functions(text))
        assert elide.restore(hidden_text, hidden) == text
        # What spatch still sees keeps its line and its column: every
        # character of code left on a line (comments and markers masked)
        # is the one the original has at that column.
        for was, now in zip(text.split("\n"), hidden_text.split("\n")):
            assert not _code_moved(was, now), (p, was, now)


# A marker, the end of a comment begun on an earlier line, a comment, the
# start of one that goes on, a line comment.
_MASK = re.compile(r";?/\*@typestate-hidden[-a-z]*:\d+@\*/"
                   r"|^(?:(?!/\*).)*?\*/|/\*.*?\*/|/\*.*$|//.*$")


def _code_moved(was, now):
    """Whether a character of code on line ``now`` differs from the one at
    its column on line ``was``."""
    masked = _MASK.sub(lambda m: " " * len(m.group()), now)
    return any(ch not in " \t" and (i >= len(was) or was[i] != ch)
               for i, ch in enumerate(masked))


def test_the_column_check_sees_code_that_moved():
    assert not _code_moved("x = 1; /* c */", "x = 1; /* c */")
    assert not _code_moved("} /* end */", " /* end */")
    assert not _code_moved("int f(void) {",
                           "int f(void) ;/*@typestate-hidden:3@*/")
    assert _code_moved("int a; int b;", "/*@typestate-hidden-item:0@*/ int b;")
    assert _code_moved(" * foo */ int x;", " * foo */int x;")


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


RULES = r"""
@initialize:python@
@@
seen = set()

@acq@
expression E, D;
statement S1;
@@
 E = map_it(D, ...);
 if (\(map_failed(D, E)\|unlikely(map_failed(D, E))\)) S1
+ note_it(E);

@rel depends on acq@
expression acq.E;
@@
(
 unmap_it(E)
|
 unmap_it_attrs(E, ...)
)

@nest@
expression E;
iterator name for_each_it;
@@
 for_each_it(E) begin_it(E);
 <... touch_it(E) ...>
 <+... use_it(E) ...+>
 ... when != forbid_it(E)
? maybe_it(E);
 end_it(E);

@decl@
identifier S, F;
@@
struct S { ... handle_t F; ... };

@meta@
struct sg_thing *X;
@@
 X

@script:python@
E << acq.E;
@@
seen.add(E)
"""


def test_anchors_are_what_every_match_of_a_rule_holds():
    rules = elide.anchors(RULES, weak={"unlikely"})
    clauses = [sorted(sorted(c) for c in r) for r in rules]
    assert clauses == [
        # Both branches of the test name map_failed; unlikely is weak,
        # and note_it is only added.
        [["map_failed"], ["map_it"]],
        # One branch or the other.
        [["unmap_it", "unmap_it_attrs"]],
        # Not the optional nest, the 'when' or the optional line.
        [["begin_it"], ["end_it"], ["for_each_it"], ["use_it"]],
        # The struct rule matches no function; a rule of metavariables
        # only has its types.
        [["sg_thing"]]]
    # Without the isomorphism, unlikely() is one more word of a branch.
    assert sorted(map(sorted, elide.anchors(RULES)[0])) == [
        ["map_failed"], ["map_failed", "unlikely"], ["map_it"]]
    # The rarest clause stands for each rule.
    count = {"map_it": 5, "map_failed": 1, "begin_it": 1, "end_it": 1,
             "for_each_it": 3, "use_it": 0}.get
    assert elide.choose(rules, lambda w: count(w, 0)) == {
        "map_failed", "unmap_it", "unmap_it_attrs", "use_it", "sg_thing"}


def test_rules_without_a_name_are_read_too():
    assert elide.anchors("@@\nexpression E;\n@@\n foo(E);\n\n"
                         "@@\nexpression E;\n@@\n bar(E);\n") == [
        [frozenset({"foo"})], [frozenset({"bar"})]]


def test_anchors_of_a_rule_it_cannot_read_are_all_its_words():
    rules = elide.anchors("@r@\nexpression E;\n@@\n foo(E)\n|\n bar(E)\n")
    assert sorted(map(sorted, rules[0])) == [["bar", "foo"]]


def test_the_generated_rules_need_the_raw_calls_not_the_hints():
    iso = migrate.ISO
    if not os.path.exists(iso):
        pytest.skip("no standard.iso: " + iso)
    words = elide.iso_words(iso)
    assert "unlikely" in words
    text = open(os.path.join(ROOT, "generated", "coccinelle",
                             "dma_single.cocci"), encoding="utf-8").read()
    chosen = elide.choose(elide.anchors(text, words), lambda w: 0)
    assert chosen == {"dma_map_single", "dma_map_single_attrs",
                      "dma_unmap_single", "dma_unmap_single_attrs",
                      "dma_mapping_error", "dma_sync_single_for_cpu",
                      "dma_sync_single_for_device"}


MEMBERS = """\
struct ring { dma_addr_t dma; dma_addr_t other; };

static void maps(struct device *d, struct ring *r, void *p)
{
	r->dma = dma_map_single(d, p, 4, DMA_TO_DEVICE);
}

static void clears(struct ring *r)
{
	r->dma = 0;
}

static void reads_other(struct ring *r)
{
	writel(r->other, REG);
}
"""


def test_a_member_is_followed_from_a_function_a_rule_matches():
    keep = re.compile(r"\bdma_map_single\b")
    text, hidden = elide.hide_spans(MEMBERS, elide.plan(
        {None: MEMBERS}, keep, members={"dma", "other"})[None])
    # clears() writes the member maps() acquires: spatch sees it.  Nothing
    # a rule matches names the other member.
    assert "r->dma = 0;" in text and "r->other" not in text
    assert elide.restore(text, hidden) == MEMBERS
    # Without maps(), nothing follows the member.
    src = MEMBERS.replace("dma_map_single", "kmalloc")
    text, _ = elide.hide_spans(src, elide.plan({None: src}, keep,
                                               members={"dma"})[None])
    assert "r->dma = 0;" not in text and "kmalloc" not in text


OPS = """\
static struct sg_table *give(struct dma_buf_attachment *a)
{
	return &to_priv(a)->sgt;
}

static struct sg_table *other(struct dma_buf_attachment *a)
{
	return &to_priv(a)->sgt;
}

static const struct dma_buf_ops ops = {
	.map_dma_buf = give,
};
"""


def test_a_function_a_kept_declaration_names_is_seen():
    # A rule binds .map_dma_buf's function from the ops table, and
    # matches it by that name alone.
    keep = re.compile(r"\bdma_buf_ops\b")
    text, hidden = elide.hide_spans(OPS, elide.plan({None: OPS}, keep)[None])
    assert "give(struct dma_buf_attachment *a)\n{\n\treturn" in text
    assert "other(" not in text and "dma_buf_ops ops" in text
    assert elide.restore(text, hidden) == OPS


FORMS = r"""
@name@
expression X;
identifier F;
@@
 X->F = map_it(...)

@written@
identifier name.F;
expression X, V;
position w;
@@
\( X->F@w = V \| X->F@w += V \| X->F@w++ \| &X->F@w \)

@passed@
identifier name.F;
identifier R =~ "^(raw_[a-z]+)$";
expression X;
position p;
@@
 R@p(..., <+... X->F ...+>, ...)

@owner@
identifier name.F;
position written.w;
expression X;
@@
 X->F@w

@named@
expression X;
@@
 map_it(X)
"""


def test_member_forms_are_the_uses_a_rule_may_match():
    assert elide.member_forms(FORMS) == {
        ("after", "="), ("after", "+="), ("after", "++"), ("before", "&"),
        ("call", "^(raw_[a-z]+)$")}
    # A rule that may match any use of the member: every use counts.
    assert elide.member_forms(FORMS + "\n@any@\nidentifier name.F;\n"
                              "expression X;\n@@\n(\n foo(X->F)\n|\n X->F\n)\n"
                              ) is None


@pytest.mark.parametrize("code, seen", [
    ("r->dma = 0;", True),
    ("r->dma += 4;", True),
    ("(r->dma) /* c */ = 0;", True),
    ("r->dma++;", True),
    ("p = &r->ring[1].dma;", True),
    ("raw_unmap(d, r->dma, 4);", True),
    ("if (r->dma == 0) return;", False),
    ("writel(r->dma, REG);", False),
    ("r->other = 0;", False),
    ("raw_unmap(d, r->other, 4);", False),
    ("xraw_unmap(d, r->dma, 4);", False),
])
def test_follow_finds_the_uses_of_the_forms(code, seen):
    uses = elide.follow(elide.member_forms(FORMS), {"dma"})
    text = "static void f(struct ring *r)\n{\n\t%s\n}\n" % code
    assert any(a.search(text) and (b is None or b.search(text))
               for a, b in uses) is seen
