# SPDX-License-Identifier: GPL-2.0
"""The generated semantic patch on before/after fixtures, with real spatch.

Patch mode must turn each *.before.c into its *.after.c exactly, and
change nothing when run again; report mode must report exactly the lines
marked "expect:" in bugs.c, with the marked words in the message.
"""

import glob
import os
import re
import shutil
import subprocess

import pytest

from conftest import assert_marked_reports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COCCI = os.path.join(ROOT, "generated", "coccinelle", "sg_table.cocci")
FIXTURES = os.path.join(ROOT, "tests", "cocci")
OPTS = ["--no-includes", "--include-headers"]


def spatch(mode, *files, extra=()):
    return subprocess.run(
        ["spatch", "--very-quiet", "-D", mode, "--cocci-file", COCCI, *OPTS,
         *extra, *files], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, check=False)


@pytest.mark.parametrize("before", sorted(glob.glob(
    os.path.join(FIXTURES, "*.before.c"))), ids=os.path.basename)
def test_patch_fixture(before, tmp_path):
    """A fixture without an .after.c must be left exactly as it is."""
    after = before.replace(".before.c", ".after.c")
    if not os.path.exists(after):
        after = before
    work = tmp_path / os.path.basename(before)
    shutil.copy(before, work)
    proc = spatch("patch", str(work), extra=["--in-place"])
    assert proc.returncode == 0, proc.stderr
    with open(after, encoding="utf-8") as f:
        assert work.read_text() == f.read()
    first = work.read_text()
    proc = spatch("patch", str(work), extra=["--in-place"])
    assert proc.returncode == 0, proc.stderr
    assert work.read_text() == first, "a second run changed the file"


def test_unknown_use_is_reported_not_migrated():
    path = os.path.join(FIXTURES, "local_lifecycle_unknown_use.before.c")
    proc = spatch("report", path)
    assert re.search(r":20:\d+-\d+: not migrated: push_pages\(\): line 20 "
                     r"uses 'sgt'", proc.stdout), proc.stdout


def test_borrowed_table_written_is_reported_not_migrated():
    """Pattern c: passing a borrowed table on keeps its handle valid, a
    write to one of its members does not (the typed reads would not see
    it, and the rewrite would assign to a function call)."""
    path = os.path.join(FIXTURES, "borrowed_passed_on.before.c")
    proc = spatch("report", path)
    lines = [x for x in proc.stdout.splitlines() if "not migrated" in x]
    assert len(lines) == 1, proc.stdout
    assert re.search(r":39:\d+-\d+: not migrated: importer_trim\(\): line 39 "
                     r"writes a member of 'sgt'", lines[0]), lines[0]


def test_every_map_left_has_a_reason():
    """Each dma_map_sgtable() call that is not migrated is listed on its
    own line with a reason, even where no shape matched at all: the
    shape's own reason where one nearly did (shape d: a parameter mapped
    and unmapped in one function), else that none did."""
    path = os.path.join(FIXTURES, "bugs.c")
    proc = spatch("report", path)
    calls = [n for n, line in enumerate(open(path, encoding="utf-8"), 1)
             if "dma_map_sgtable(" in line]
    for n in calls:
        assert re.search(rf":{n}:\d+-\d+: not migrated: (dma_map_sgtable\(\) "
                         r"in \w+\(\): 't' is neither a local|"
                         r"\w+\(\): line \d+ )", proc.stdout), \
            (n, proc.stdout)
    assert re.search(r":53:\d+-\d+: not migrated: freed_after_failed_map_is_"
                     r"fine\(\): line 55 passes 't' to sg_free_table\(\)",
                     proc.stdout), proc.stdout


def test_report_finds_exactly_the_marked_bugs():
    path = os.path.join(FIXTURES, "bugs.c")
    proc = spatch("report", path)
    # Each map of a raw table gets its reason too: only the bugs count.
    got = assert_marked_reports(path, proc.stdout, skip="not migrated: ")
    assert all(msg.startswith("BUG? ") for msg in got.values()), got


def test_kernel_conventions():
    with open(COCCI, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    assert lines[0] == "// SPDX-License-Identifier: GPL-2.0-only"
    assert lines[1].startswith("/// ")
    assert re.search(r"^// Confidence: (High|Moderate|Low)$", text, re.M)
    assert re.search(r"^// Options: ", text, re.M)
    for mode in ("patch", "context", "org", "report"):
        assert f"virtual {mode}\n" in text


@pytest.mark.parametrize("mode", ["patch", "context", "org", "report"])
def test_every_mode_runs(mode):
    proc = spatch(mode, os.path.join(FIXTURES, "bugs.c"))
    assert proc.returncode == 0, proc.stderr
    if mode in ("context", "org", "report"):
        assert proc.stdout.strip(), f"{mode} mode reported nothing"


def test_struct_tables_left_alone_are_reported_with_reasons():
    """Pattern b/d: a struct field is migrated everywhere in its file or
    nowhere, and each refusal names the line and the reason."""
    path = os.path.join(FIXTURES, "struct_refused.before.c")
    proc = spatch("report", path)
    want = {
        43: "field odd: line 43 calls dma_map_sgtable() on 'odd' in a form "
            "the migration does not rewrite",
        48: "field rx: line 48 uses the nents of 'rx'",
        17: "field own: line 17 uses the nents of 'own' or sets its "
            "orig_nents",
        39: "field tt: 'tt' has different attrs at map and unmap "
            "(0, DMA_ATTR_SKIP_CPU_SYNC)",
    }
    for line, words in want.items():
        assert re.search(rf":{line}:\d+-\d+: not migrated: struct baz, "
                         + re.escape(words), proc.stdout), proc.stdout
    assert re.search(r":63:\d+-\d+: not migrated: dma_map_sgtable\(\) of field 'sgt': "
                     r"its struct is not declared in the files scanned",
                     proc.stdout), proc.stdout
    assert proc.stdout.count("not migrated") == 5, proc.stdout


def test_struct_fixture_split_over_a_header(tmp_path):
    """Pattern b with the driver struct in a local header, as spatch sees
    it through migrate.py's file groups: the header gains the storage, the
    .c file the typed calls."""
    src = os.path.join(FIXTURES, "pin_unpin.before.c")
    text = open(src, encoding="utf-8").read()
    start = text.index("struct foo_bo {")
    end = text.index("};", start) + 3
    header = tmp_path / "foo.h"
    header.write_text("#include <linux/scatterlist.h>\n\n" + text[start:end])
    cfile = tmp_path / "foo.c"
    cfile.write_text(text[:start] + '#include "foo.h"\n\n' + text[end:])
    groups = tmp_path / "groups"
    groups.write_text(f"{cfile}\n{header}\n")
    proc = spatch("patch", extra=["--in-place", "--file-groups", str(groups)])
    assert proc.returncode == 0, proc.stderr
    assert "struct sgt_borrowed_managed sgt_dma;" in header.read_text()
    assert "struct sgt_borrowed_managed" not in cfile.read_text()
    assert "sgt_map(sgt_u, bo->dev, dir, 0)" in cfile.read_text()
    assert "dma_unmap_sgtable" not in cfile.read_text()


def test_acquire_only_flags_do_not_refuse():
    """Shape f: a map with DMA_ATTR_NO_WARN and an unmap with 0 undo each
    other (the spec lists the flag under acquire_only); a map with
    DMA_ATTR_SKIP_CPU_SYNC as well is still refused, for that flag alone."""
    path = os.path.join(FIXTURES, "acquire_only_attrs.before.c")
    proc = spatch("report", path)
    lines = [x for x in proc.stdout.splitlines() if "not migrated" in x]
    assert len(lines) == 1, proc.stdout
    assert re.search(r"field meta: 'meta' has different attrs at map and "
                     r"unmap \(0, DMA_ATTR_SKIP_CPU_SYNC\)", lines[0]), lines


def test_member_alias_left_alone_with_reasons():
    """The alias shape refuses a member whose unmap may come through a
    pointer it cannot follow, one never unmapped at all, and the members
    a local set twice may name."""
    path = os.path.join(FIXTURES, "member_alias_refused.before.c")
    proc = spatch("report", path)
    lines = [x for x in proc.stdout.splitlines() if "not migrated" in x]
    assert len(lines) == 4, proc.stdout
    assert re.search(r":24:\d+-\d+: not migrated: struct exp_attachment, "
                     r"field table: line 32: dma_unmap_sgtable\(\) of "
                     r"'table', a pointer that may point to member table",
                     lines[0]), lines
    assert re.search(r":39:\d+-\d+: not migrated: struct leak, field table: "
                     r"'table' is never passed to dma_unmap_sgtable\(\)",
                     lines[1]), lines
    # A local set twice: the alias is not trusted for either member.
    for line, field in ((lines[2], "a"), (lines[3], "other")):
        assert re.search(rf":56:\d+-\d+: not migrated: struct two, field "
                         rf"{field}: line 55 sets 'sgt' again in two_map\(\)",
                         line), lines


def test_parameter_left_alone_with_reasons():
    """Shape d moves a parameter's map and unmap onto a local handle only
    when every path from the map ends in the unmap, no path reaches the
    unmap without the map, the map's failure branch just returns, and
    nothing else is given the table or sets the parameter; each refusal
    names the line and the reason, and the function is left as it is."""
    path = os.path.join(FIXTURES, "param_map_refused.before.c")
    proc = spatch("report", path)
    assert proc.returncode == 0, proc.stderr
    got = assert_marked_reports(path, proc.stdout)
    assert all("not migrated: foo_" in m for m in got.values()), got


def test_nested_member_left_alone_with_reasons():
    """A nested member (X->F.G) moves only when it is unmapped in the files
    scanned, with the map's attrs, and reached by no local pointer or
    other raw call; each refusal is listed at its map with the reason."""
    path = os.path.join(FIXTURES, "nested_member_refused.before.c")
    proc = spatch("report", path)
    assert proc.returncode == 0, proc.stderr
    got = assert_marked_reports(path, proc.stdout)
    assert all("not migrated: struct nest_" in m for m in got.values()), got
