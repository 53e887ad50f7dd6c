# SPDX-License-Identifier: GPL-2.0
"""scripts/migrate.py's file selection: candidates, the spatch groups built
around shared local headers, and the undo of include-only changes."""

import os

import pytest
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import migrate  # noqa: E402


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def test_candidates_sharing_a_header_form_one_group(tmp_path):
    d = tmp_path / "drivers" / "foo"
    _write(str(d / "foo.h"), "struct foo { struct sg_table *sgt; };\n")
    _write(str(d / "plain.h"), "int plain(void);\n")
    _write(str(d / "a.c"), '#include "foo.h"\n'
           "struct sg_table *x(struct foo *f) { return f->sgt; }\n")
    _write(str(d / "b.c"), '#include "foo.h"\n#include "plain.h"\n'
           "int f(struct foo *f)\n"
           "{ return dma_map_sgtable(0, f->sgt, 0, 0); }\n")
    _write(str(d / "c.c"), '#include "plain.h"\nstruct sg_table *y;\n')
    _write(str(d / "d.c"), "int nothing_here;\n")
    # e.c includes foo.h but never names its sg_table member: it cannot
    # take part in moving that member onto a handle.
    _write(str(d / "e.c"), '#include "foo.h"\nstruct sg_table *z;\n'
           "int g(struct foo *f) { return f->other; }\n")
    cands = migrate.candidates(str(tmp_path), "drivers",
                               r"struct sg_table|dma_map_sgtable")
    assert sorted(os.path.basename(c) for c in cands) == \
        ["a.c", "b.c", "c.c", "e.c"]
    groups = sorted(sorted(os.path.basename(f) for f in g)
                    for g in migrate.group_by_header(list(cands), cands,
                                                     "struct sg_table"))
    # plain.h declares no sg_table: it groups nothing and is not scanned.
    assert groups == [["a.c", "b.c", "foo.h"], ["c.c"], ["e.c"]]


def test_headers_are_followed_through_nested_local_includes(tmp_path):
    d = tmp_path / "drivers" / "bar"
    _write(str(d / "bar.h"), '#include "hw/regs.h"\nint bar(void);\n')
    _write(str(d / "hw" / "regs.h"),
           "struct bar_ring {\n\tdma_addr_t dma[4];\n\tvoid *buf;\n};\n")
    _write(str(d / "a.c"), '#include "bar.h"\n'
           "int a(struct bar_ring *r) { return r->dma[0] != 0; }\n")
    _write(str(d / "b.c"), '#include "hw/regs.h"\n'
           "int b(struct bar_ring r) { return r.dma[1] != 0; }\n")
    cands = {str(d / n): open(str(d / n), encoding="utf-8").read()
             for n in ("a.c", "b.c")}
    groups = migrate.group_by_header(list(cands), cands, "dma_addr_t")
    assert [sorted(os.path.relpath(f, str(d)) for f in g) for g in groups] \
        == [["a.c", "b.c", "hw/regs.h"]]
    # Without a member type, no header is scanned.
    assert sorted(map(len, migrate.group_by_header(list(cands), cands))) \
        == [1, 1]


def test_a_group_whose_files_define_one_name_twice_is_split(tmp_path):
    # caamhash.c and caamalg_qi2.c share a header and both define a static
    # hash_digest_key(): spatch binds a rule's identifiers across the
    # files of a group, so the two would be judged as one function.
    d = tmp_path / "drivers" / "caam"
    _write(str(d / "regs.h"), "struct ring {\n\tint n;\n"
           "\tdma_addr_t src, *dst;\n};\n")
    _write(str(d / "a.c"), '#include "regs.h"\n'
           "static int digest(int x)\n{\n\treturn x;\n}\n"
           "int ua(struct ring *r) { return r->src; }\n")
    _write(str(d / "b.c"), '#include "regs.h"\nstatic int digest(int x,\n'
           "\t\t  int y)\n{\n\treturn y;\n}\n"
           "int ub(struct ring *r) { return *r->dst; }\n")
    _write(str(d / "c.c"), '#include "regs.h"\nstruct ring *r;\n'
           "int uc(void) { return r->src; }\n")
    cands = {str(d / n): open(str(d / n), encoding="utf-8").read()
             for n in ("a.c", "b.c", "c.c")}
    groups, split = migrate.group_by_header(list(cands), cands, "dma_addr_t",
                                            True)
    assert sorted(os.path.basename(g[0]) for g in groups) == \
        ["a.c", "b.c", "c.c"]
    assert all(len(g) == 1 for g in groups)
    assert [(sorted(map(os.path.basename, cs)), why.endswith(" digest()"))
            for cs, why in split] == [(["a.c", "b.c", "c.c"], True)]
    # A declaration of the same function is no clash, nor is a statement
    # after a label at the start of a line, in both files.
    _write(str(d / "a.c"), '#include "regs.h"\n'
           "static int digest(int x)\n{\n\tif (x) {\n\t\tx++;\n"
           "\t}\nout:\n\twhile (x) {\n\t\tx--;\n\t}\n\treturn x;\n}\n"
           "int ua(struct ring *r) { return r->src; }\n")
    cands[str(d / "a.c")] = open(str(d / "a.c"), encoding="utf-8").read()
    _write(str(d / "b.c"), '#include "regs.h"\nint digest(int x);\n'
           "static int g(int y)\n{\nout:\n\twhile (y) {\n\t\ty--;\n"
           "\t}\n\treturn y;\n}\n"
           "int ub(struct ring *r) { return *r->dst; }\n")
    cands[str(d / "b.c")] = open(str(d / "b.c"), encoding="utf-8").read()
    groups, split = migrate.group_by_header(list(cands), cands, "dma_addr_t",
                                            True)
    assert split == [] and len(groups) == 1 and len(groups[0]) == 4


def test_a_second_run_rescans_only_the_groups_the_first_changed(tmp_path):
    t = str(tmp_path)
    groups = [[t + "/drivers/a/x.c", t + "/drivers/a/x.h"],
              [t + "/drivers/b/y.c"], [t + "/drivers/c/z.c"]]
    # A changed header brings its whole group; an unchanged group stays out.
    assert migrate.changed_groups(groups, t, {"drivers/a/x.h",
                                              "drivers/c/z.c"}) == \
        [groups[0], groups[2]]
    assert migrate.changed_groups(groups, t, set()) == []


def test_migrated_lines_are_indented_with_tabs():
    assert migrate.retab_line("\t\t\t\t               x,\n") == \
        "\t\t\t\t\t       x,\n"
    assert migrate.retab_line("    y;\n") == "    y;\n"
    assert migrate.retab_line("   \n") == "   \n"


def test_include_only_change_is_undone(tmp_path):
    path = str(tmp_path / "x.c")
    old = "#include <linux/dma-mapping.h>\nint x;\n"
    _write(path, "#include <linux/dma-mapping.h>\n"
           "#include <linux/typestate/sg_table.h>\nint x;\n")
    migrate._drop_include_only_change(path, old)
    assert open(path, encoding="utf-8").read() == old
    real = ("#include <linux/dma-mapping.h>\n"
            "#include <linux/typestate/sg_table.h>\nint y;\n")
    _write(path, real)
    migrate._drop_include_only_change(path, old)
    assert open(path, encoding="utf-8").read() == real


def test_functions_are_counted_from_the_diff():
    old = ("struct s {\n\tint a;\n};\n\nint f(void)\n{\n\treturn 0;\n}\n\n"
           "int g(void)\n{\n\treturn 1;\n}\n")
    new = old.replace("\tint a;\n", "\tint a;\n\tint b;\n").replace(
        "return 1;", "return 2;")
    assert migrate._functions_changed(old, new) == 1
    assert migrate._functions_changed(old, new.replace("return 0;",
                                                       "return 3;")) == 2


@pytest.mark.parametrize("old, want", [
    # A local header with only local includes: after the last of them.
    ('#ifndef A_H\n#define A_H\n#include "b.h"\nstruct a { int x; };\n#endif\n',
     '#ifndef A_H\n#define A_H\n#include "b.h"\n#include <linux/typestate/t.h>\n'
     'struct a { int x; int y; };\n#endif\n'),
    # System includes win over local ones.
    ('#include <linux/io.h>\n#include "b.h"\nint x;\n',
     '#include <linux/io.h>\n#include <linux/typestate/t.h>\n'
     '#include "b.h"\nint x; int y;\n'),
    # No include at all: after the include guard.
    ('/* c */\n#ifndef A_H\n#define A_H\nstruct a { int x; };\n#endif\n',
     '/* c */\n#ifndef A_H\n#define A_H\n\n#include <linux/typestate/t.h>\n'
     'struct a { int x; int y; };\n#endif\n'),
])
def test_a_changed_file_gets_the_header(tmp_path, old, want):
    path = str(tmp_path / "a.h")
    changed = old.replace("int x;", "int x; int y;")
    _write(path, changed)
    migrate._ensure_include(path, old, "linux/typestate/t.h")
    assert open(path, encoding="utf-8").read() == want
    # Unchanged files and files that have it are left alone.
    _write(path, old)
    migrate._ensure_include(path, old, "linux/typestate/t.h")
    assert open(path, encoding="utf-8").read() == old


def test_findings_follow_their_lines_into_the_migrated_file():
    old = "a\nb\nc\nd\ne\n"
    new = "#include <x.h>\na\nb\nC2\nC3\nd\ne\n"
    report = ("f.c:2:1-2: not migrated: g(): line 5 frees it\n"
              "f.c:3:4-5: BUG? h(): raw\n"
              "f.c:3:4-5: not migrated: h(): moved as a member after all\n"
              "f.c:5:1-3: BUG? k(): raw\n"
              "other.c:3:1-2: BUG? m(): raw\n"
              "f.c:9: acquire site: left\n")
    out = migrate.moved_findings(report, {"f.c": (old, new)}).splitlines()
    # Lines the migration kept move with the insertions before them; a
    # rewritten line keeps its number and says so; other files and lines
    # past the end are left as they are.
    # The lines a message names move too; a "not migrated" finding on a
    # line the migration rewrote is stale, and goes.
    assert out[0] == "f.c:3:1-2: not migrated: g(): line 7 frees it"
    assert out[1].startswith("f.c:3:4-5: BUG? h(): raw (said of the code "
                             "before the migration")
    assert out[2] == "f.c:7:1-3: BUG? k(): raw"
    assert out[3] == "other.c:3:1-2: BUG? m(): raw"
    assert len(out) == 4


def test_the_slowest_file_groups_are_named():
    err = ("HANDLING: /t/drivers/a.c /t/drivers/a.h\n"
           "Note: processing took    12.5s: /t/drivers/a.c /t/drivers/a.h\n"
           "Note: processing took    30.0s: /t/drivers/b.c\n")
    assert migrate.slow_groups(err, "/t") == [
        "30 s: drivers/b.c", "12 s: drivers/a.c (+1 files)"]
    assert migrate.slow_groups("", "/t") == []


def test_files_spatch_gave_up_on_are_named():
    """A timeout reads "timeout (we abort): FILE" on one file but "EXN:
    ...Timeout in FILE" in a file group (spatch 1.1.1): both count, or a
    group that timed out would vanish from the summary without a word."""
    stderr = ("init_defs_builtins: /usr/lib/coccinelle/standard.h\n"
              "HANDLING: /t/drivers/a/x.c\n"
              "EXN: Coccinelle_modules.Common.Timeout in /t/drivers/a/x.c\n"
              "Note: processing took    44.9s: /t/drivers/a/x.c\n"
              "timeout (we abort): /t/drivers/b/y.c\n")
    assert migrate.spatch_gave_up(stderr) == ["/t/drivers/a/x.c",
                                              "/t/drivers/b/y.c"]
    assert migrate.spatch_gave_up("Note: processing took 3.0s: /t/z.c\n") \
        == []


def _shared_tree(tmp_path, outside=False, extra=0):
    _write(str(tmp_path / "include" / "linux" / "pin.h"),
           "struct pin_map {\n\tstruct device *dev;\n"
           "\tstruct sg_table *sgt;\n};\n"
           "struct pin_append {\n\tstruct sg_table sgt;\n\tint n;\n};\n")
    d = tmp_path / "drivers" / "pin"
    _write(str(d / "a.c"), "#include <linux/pin.h>\n"
           "int a(struct pin_map *m)\n"
           "{ return dma_map_sgtable(m->dev, m->sgt, 0, 0); }\n")
    _write(str(d / "b.c"), "#include <linux/pin.h>\n"
           "void b(struct pin_map *m)\n"
           "{ dma_unmap_sgtable(m->dev, m->sgt, 0, 0); }\n")
    # Names the struct, and is no candidate: it goes to spatch all the same.
    _write(str(d / "c.c"), "int c(struct pin_map *m) { return !m; }\n")
    for i in range(extra):
        _write(str(d / ("x%d.c" % i)), "struct pin_map *x%d;\n" % i)
    if outside:
        _write(str(tmp_path / "sound" / "s.c"), "struct pin_map *s;\n")
    return str(tmp_path), migrate.candidates(str(tmp_path), "drivers",
                                             r"struct sg_table|dma_map_sgtable")


def test_a_struct_under_include_goes_with_every_file_that_names_it(tmp_path):
    tree, cands = _shared_tree(tmp_path)
    links, notes = migrate.shared_links(tree, "drivers", "struct sg_table",
                                        ["dma_map_sgtable"], cands)
    assert notes == ["struct pin_map (include/linux/pin.h): scanned as one "
                     "group with the 4 files that name it"]
    groups = migrate.group_by_header(list(cands), cands, "struct sg_table",
                                     links=links)
    assert [sorted(os.path.relpath(f, tree) for f in g) for g in groups] == \
        [["drivers/pin/a.c", "drivers/pin/b.c", "drivers/pin/c.c",
          "include/linux/pin.h"]]
    # Its includers are built after the migration changed it.
    assert migrate.includers(tree, "include/linux/pin.h") == \
        ["drivers/pin/a.c", "drivers/pin/b.c"]


@pytest.mark.parametrize("outside, extra, why", [
    (True, 0, "not extended: files outside drivers/ name it too "
              "(sound/s.c)"),
    (False, migrate.SHARED_MAX, "not extended: %d files name it, more than "
     "the %d scanned as one group" % (migrate.SHARED_MAX + 4,
                                      migrate.SHARED_MAX)),
])
def test_a_struct_under_include_is_left_with_the_reason(tmp_path, outside,
                                                        extra, why):
    tree, cands = _shared_tree(tmp_path, outside, extra)
    links, notes = migrate.shared_links(tree, "drivers", "struct sg_table",
                                        ["dma_map_sgtable"], cands)
    assert links == []
    assert notes == ["struct pin_map (include/linux/pin.h): " + why]


def test_containers_are_structs_under_include_that_embed_the_object(
        tmp_path):
    tree, _ = _shared_tree(tmp_path)
    # pin_map holds a pointer: X->sgt is a member of its own; pin_append
    # embeds the table, so a driver struct holding one has X->F.sgt.
    assert migrate.containers(tree, "struct sg_table") == \
        ["struct pin_append"]


DEAD_H = """\
struct task_data {
	struct dmab data_dma_body;
	struct dmab_managed data_dma_h;
	dma_addr_t data_dma;	/* kept by the raw code */
	int count;
};
"""

DEAD_C = """\
#include "task.h"

int task_map(struct task_data *t, struct device *dev, void *p)
{
	t->data_dma_h = dmab_map_new(&t->data_dma_body, dev, p, 4,
				     DMA_TO_DEVICE, 0);
	if (dmab_is_err(t->data_dma_h))
		return -ENOMEM;
	t->data_dma = dmab_dma_addr(t->data_dma_h);
	return 0;
}
"""


def _dead_tree(tmp_path, other=None, header="drivers/task/task.h"):
    d = tmp_path / "drivers" / "task"
    _write(str(tmp_path / header), DEAD_H)
    _write(str(d / "task.c"), DEAD_C.replace(
        '"task.h"', '"task.h"' if header.startswith("drivers/task/")
        else "<%s>" % header[len("include/"):]))
    if other:
        _write(str(tmp_path / other[0]), other[1])
    files = [str(tmp_path / header), str(d / "task.c")]
    return files, migrate.drop_dead_members(
        str(tmp_path), files, "dmab_dma_addr", "dma_addr_t",
        lambda line: line.replace(str(tmp_path) + "/", ""))


def test_a_raw_member_nothing_reads_goes_with_its_write_back(tmp_path):
    files, out = _dead_tree(tmp_path)
    assert out == ["drivers/task/task.h:4: member 'data_dma' dropped: "
                   "nothing reads it once handle 'data_dma_h' holds the "
                   "object (dmab_dma_addr() gives it); its 1 write-back "
                   "went with it"]
    h, c = (open(f, encoding="utf-8").read() for f in files)
    assert h == DEAD_H.replace("\tdma_addr_t data_dma;\t/* kept by the raw "
                               "code */\n", "")
    assert c == DEAD_C.replace("\tt->data_dma = dmab_dma_addr("
                               "t->data_dma_h);\n", "")
    # A second pass finds nothing more to drop.
    assert migrate.drop_dead_members(
        str(tmp_path), files, "dmab_dma_addr", "dma_addr_t", str) == []


@pytest.mark.parametrize("other", [
    # Read in the same directory, through the header.
    ("drivers/task/use.c", '#include "task.h"\n'
     "u64 f(struct task_data *t) { return t->data_dma; }\n"),
    # Read from another directory that reaches the header by a path.
    ("drivers/other/use.c", '#include "../task/task.h"\n'
     "u64 f(struct task_data *t) { return t->data_dma; }\n"),
    # Through a header that includes it.
    ("drivers/task/more.h", '#include "task.h"\n'
     "#define TASK_ADDR(t) ((t)->data_dma)\n"),
])
def test_a_raw_member_something_may_read_stays(tmp_path, other):
    files, out = _dead_tree(tmp_path, other)
    assert out == []
    assert open(files[0], encoding="utf-8").read() == DEAD_H


def test_a_raw_member_of_a_struct_under_include_stays(tmp_path):
    files, out = _dead_tree(tmp_path, header="include/linux/task.h")
    assert out == []
    assert open(files[0], encoding="utf-8").read() == DEAD_H


def test_a_header_of_the_same_name_elsewhere_does_not_see_the_struct(
        tmp_path):
    # sound/foo/ has a task.h of its own; its user's data_dma is another
    # struct's.
    _write(str(tmp_path / "sound" / "foo" / "task.h"), "struct t;\n")
    files, out = _dead_tree(tmp_path, (
        "sound/foo/use.c", '#include "task.h"\n'
        "u64 f(struct other *t) { return t->data_dma; }\n"))
    assert len(out) == 1 and "member 'data_dma' dropped" in out[0]
    assert migrate._seers(str(tmp_path), "drivers/task/task.h") == \
        ["drivers/task/task.c", "drivers/task/task.h"]


def test_two_dead_members_of_one_struct_both_go(tmp_path):
    # The second drop must see the text the first one left.
    d = tmp_path / "drivers" / "two"
    _write(str(d / "two.c"), """\
struct two {
	struct dmab a_dma_body;
	struct dmab_managed a_dma_h;
	dma_addr_t a_dma;
	struct dmab b_dma_body;
	struct dmab_managed b_dma_h;
	dma_addr_t b_dma;
};

int two_map(struct two *t, struct device *dev, void *p)
{
	t->a_dma_h = dmab_map_new(&t->a_dma_body, dev, p, 4, 1, 0);
	if (dmab_is_err(t->a_dma_h))
		return -ENOMEM;
	t->a_dma = dmab_dma_addr(t->a_dma_h);
	t->b_dma_h = dmab_map_new(&t->b_dma_body, dev, p, 4, 1, 0);
	if (dmab_is_err(t->b_dma_h))
		return -ENOMEM;
	t->b_dma = dmab_dma_addr(t->b_dma_h);
	return 0;
}
""")
    out = migrate.drop_dead_members(
        str(tmp_path), [str(d / "two.c")], "dmab_dma_addr", "dma_addr_t",
        lambda line: line.replace(str(tmp_path) + "/", ""))
    assert [x.split(": ")[0] for x in out] == ["drivers/two/two.c:4",
                                               "drivers/two/two.c:6"]
    text = open(str(d / "two.c"), encoding="utf-8").read()
    assert "a_dma;" not in text and "b_dma;" not in text
    assert "t->a_dma =" not in text and "t->b_dma =" not in text
    assert "t->b_dma_h = dmab_map_new(&t->b_dma_body" in text
    assert text.count("\n") == 21 - 4
