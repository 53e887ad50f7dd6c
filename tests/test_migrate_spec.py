# SPDX-License-Identifier: GPL-2.0
"""Semantic patches generated from a spec's migrate: section, run with real
spatch on before/after fixtures.

Each spec with a migrate: section has a directory tests/cocci/<spec>/:
patch mode must turn every *.before.c into its *.after.c and change nothing
when run again; report mode must report exactly the lines of each
refused*.c marked "expect:", with the marked words.  tests/migrate_specs/ holds specs
that are not shipped (a third resource), migrated the same way: no SmPL is
written by hand for any of them.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import assert_marked_reports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "cocci")
OPTS = ["--no-includes", "--include-headers"]
MIGRATING = {os.path.basename(p)[:-5]: p
             for p in glob.glob(os.path.join(ROOT, "specs", "*.yaml"))
             if "\nmigrate:" in open(p, encoding="utf-8").read()}
# A chain (result: errno, sg_table's) has its fixtures in tests/cocci/*.c,
# run by test_cocci.py; it has no "sites" mode yet.
SHIPPED = {n: p for n, p in MIGRATING.items()
           if "\n  result: errno" not in open(p, encoding="utf-8").read()}
# Specs whose migrate: section patches nothing (patch: false) have no
# before/after fixtures: test_report_only.py runs their reports.
REPORT_ONLY = {os.path.basename(p)[:-5]: p
               for p in glob.glob(os.path.join(ROOT, "tests",
                                               "migrate_specs", "*.yaml"))
               if "\n  patch: false\n" in open(p, encoding="utf-8").read()}
EXTRA = {os.path.basename(p)[:-5]: p
         for p in glob.glob(os.path.join(ROOT, "tests", "migrate_specs",
                                         "*.yaml"))
         if os.path.basename(p)[:-5] not in REPORT_ONLY}


@pytest.fixture(scope="session")
def cocci(tmp_path_factory):
    """{spec name: generated .cocci}, the shipped ones from generated/, the
    test-only ones rendered by the generator into a temporary tree."""
    out = {n: os.path.join(ROOT, "generated", "coccinelle", n + ".cocci")
           for n in SHIPPED}
    if EXTRA:
        tmp = tmp_path_factory.mktemp("gen")
        proc = subprocess.run([sys.executable, "-m", "generator", "gen",
                               "--out", str(tmp), *EXTRA.values()],
                              cwd=ROOT, capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0, proc.stderr
        for n in EXTRA:
            out[n] = str(tmp / "coccinelle" / (n + ".cocci"))
    return out


def spatch(cocci_file, mode, *files, extra=()):
    return subprocess.run(
        ["spatch", "--very-quiet", "-D", mode, "--cocci-file", cocci_file,
         *OPTS, *extra, *files], capture_output=True, text=True, check=False)


def pairs():
    out = []
    for name in sorted({**SHIPPED, **EXTRA}):
        for before in sorted(glob.glob(os.path.join(FIXTURES, name,
                                                    "*.before.c"))):
            out.append(pytest.param(name, before,
                                    id=f"{name}/{os.path.basename(before)}"))
    return out


def test_every_migrating_spec_has_fixtures():
    for name in {**SHIPPED, **EXTRA}:
        assert glob.glob(os.path.join(FIXTURES, name, "*.before.c")), name


@pytest.mark.parametrize("name,before", pairs())
def test_patch_fixture(cocci, name, before, tmp_path):
    after = before.replace(".before.c", ".after.c")
    if not os.path.exists(after):
        after = before
    work = tmp_path / os.path.basename(before)
    shutil.copy(before, work)
    proc = spatch(cocci[name], "patch", str(work), extra=["--in-place"])
    assert proc.returncode == 0, proc.stderr
    with open(after, encoding="utf-8") as f:
        assert work.read_text() == f.read()
    first = work.read_text()
    proc = spatch(cocci[name], "patch", str(work), extra=["--in-place"])
    assert proc.returncode == 0, proc.stderr
    assert work.read_text() == first, "a second run changed the file"


@pytest.mark.parametrize("name,path", [
    pytest.param(n, p, id=f"{n}/{os.path.basename(p)}")
    for n in sorted({**SHIPPED, **EXTRA})
    for p in sorted(glob.glob(os.path.join(FIXTURES, n, "refused*.c")))])
def test_report_exactly_the_marked_lines(cocci, name, path):
    """Every acquire left alone is reported once, on its line, with its
    reason; bugs are reported where marked; nothing else."""
    proc = spatch(cocci[name], "report", path)
    assert proc.returncode == 0, proc.stderr
    assert_marked_reports(path, proc.stdout)


@pytest.mark.parametrize("name", sorted({**SHIPPED, **EXTRA}))
def test_sites_mode_accounts_for_every_acquire(cocci, name):
    """The "sites" mode that make migrate uses lists each acquire once, as
    migrated or left; a left one always has a report line."""
    for path in glob.glob(os.path.join(FIXTURES, name, "*.c")):
        if path.endswith(".after.c"):
            continue
        proc = spatch(cocci[name], "report", path, extra=["-D", "sites"])
        assert proc.returncode == 0, proc.stderr
        sites = re.findall(r"^\S+:(\d+): acquire site: (migrated|left)$",
                           proc.stdout, re.M)
        assert sites, proc.stdout
        reported = set(re.findall(r"^\S+:(\d+):\d+-\d+: not migrated: ",
                                  proc.stdout, re.M))
        for line, what in sites:
            assert (what == "left") == (line in reported), (path, line)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_kernel_conventions(cocci, name):
    text = open(cocci[name], encoding="utf-8").read()
    lines = text.splitlines()
    assert lines[0] == "// SPDX-License-Identifier: GPL-2.0-only"
    assert lines[1].startswith("/// ")
    assert re.search(r"^// Confidence: (High|Moderate|Low)$", text, re.M)
    assert re.search(r"^// Options: ", text, re.M)
    assert f"from specs/{name}.yaml." in text
    for mode in ("patch", "context", "org", "report"):
        assert f"virtual {mode}\n" in text


@pytest.mark.parametrize("name", sorted(SHIPPED))
@pytest.mark.parametrize("mode", ["context", "org"])
def test_other_modes_run(cocci, name, mode):
    proc = spatch(cocci[name], mode,
                  os.path.join(FIXTURES, name, "refused.c"))
    assert proc.returncode == 0, proc.stderr


def test_no_smpl_or_python_in_specs():
    """A spec says what the raw C is; the SmPL comes from templates."""
    for path in list(MIGRATING.values()) + list(EXTRA.values()) + \
            list(REPORT_ONLY.values()):
        data = yaml.safe_load(open(path, encoding="utf-8"))["migrate"]
        text = yaml.safe_dump(data)
        for word in ("@@", "@script", "coccilib", "cocci.", "<...",
                     "when !=", "\nimport "):
            assert word not in text, (path, word)


BAD = [
    ("forms: [{call: 'dma_map_single(${dev}, ${cpu_addr} + 1, ${size}, "
     "${dir})', defaults: {attrs: '0'}}]",
     "argument 2 of dma_map_single() is '${cpu_addr} + 1'; each argument "
     "of a form is one placeholder"),
    ("forms: [{call: 'dma_map_single(${dev}, ${buf}, ${size}, ${dir})', "
     "defaults: {attrs: '0'}}]",
     "unknown placeholder '${buf}' in dma_map_single()"),
    ("forms: [{call: 'dma_map_single(${dev}, ${cpu_addr}, ${size}, "
     "${dir})'}]",
     "dma_map_single() does not give 'attrs' of dmab_map_new(); pass it or "
     "give a default"),
    ("forms: [{call: 'dma_map_single(${dev}, ${cpu_addr}, ${size}, "
     "${dir})', defaults: {attrs: '0; x'}}]",
     "default for 'attrs' must be a C identifier or an integer"),
]


@pytest.mark.parametrize("forms,message", BAD, ids=range(len(BAD)))
def test_bad_migrate_sections(tmp_path, forms, message):
    """Bad forms are one-line errors at the spec's position; nothing is
    written."""
    text = open(SHIPPED["dma_single"], encoding="utf-8").read()
    start = text.index("  acquire:\n    element: map_new")
    a = text.index("    forms:\n", start)
    b = text.index("    fails:", a)
    bad = text[:a] + "    " + forms + "\n" + text[b:]
    spec = tmp_path / "dma_single.yaml"
    spec.write_text(bad)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "generator", "gen", "--out",
                           str(out), str(spec)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert re.match(re.escape(str(spec)) + r":\d+:\d+: error: ", lines[0])
    assert message in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_checked_report_lists_are_well_formed():
    """tests/reports/<spec>.txt: each finding read by a person, one line
    each, "real" or "false", path:line, and why."""
    paths = glob.glob(os.path.join(ROOT, "tests", "reports", "*.txt"))
    assert paths
    for path in paths:
        assert os.path.basename(path)[:-4] in {**SHIPPED, "sg_table": 1}
        seen = set()
        for line in open(path, encoding="utf-8"):
            if not line.strip() or line.startswith("#"):
                continue
            m = re.fullmatch(r"(real|false) (drivers/\S+?:\d+): \S.*\n", line)
            assert m, (path, line)
            assert m.group(2) not in seen, (path, line)
            seen.add(m.group(2))


def test_precision_counts_only_what_was_reported():
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import migrate  # noqa: E402
    bugs = ["drivers/crypto/qce/aead.c:458:6-15: BUG? x",
            "drivers/new/file.c:1:1-2: BUG? y"]
    got = migrate._precision("sg_table", bugs)
    assert got["bugs_real"] == 1 and got["bugs_false"] == 0
    assert got["bugs_unclassified"] == [bugs[1]]
    assert got["precision"] == "100%"


def test_a_reason_names_the_file_of_a_line_in_another_file(cocci, tmp_path):
    """A member is judged over its file group and refused at its acquire:
    a line in another file of the group is named with that file."""
    (tmp_path / "q.h").write_text(
        "struct q_dev {\n\tstruct device *dev;\n\tvoid *buf;\n"
        "\tdma_addr_t d;\n};\n")
    (tmp_path / "a.c").write_text(
        '#include "q.h"\n\nint q_open(struct q_dev *q)\n{\n'
        "\tq->d = dma_map_single(q->dev, q->buf, 64, DMA_TO_DEVICE);\n"
        "\tif (dma_mapping_error(q->dev, q->d))\n\t\treturn -ENOMEM;\n"
        "\treturn 0;\n}\n\nvoid q_close(struct q_dev *q)\n{\n"
        "\tdma_unmap_single(q->dev, q->d, 64, DMA_TO_DEVICE);\n}\n")
    (tmp_path / "b.c").write_text(
        '#include "q.h"\n\nvoid q_poke(struct q_dev *q)\n{\n'
        "\tq->d += 4;\n}\n")
    groups = tmp_path / "groups"
    groups.write_text("".join(str(tmp_path / f) + "\n"
                              for f in ("a.c", "b.c", "q.h")))
    proc = spatch(cocci["dma_single"], "report", "--file-groups",
                  str(groups))
    assert proc.stdout.splitlines() == [
        f"{tmp_path}/a.c:5:8-22: not migrated: q_open(): struct q_dev, "
        "member d: line 5 of b.c writes 'd' outside its acquire; the "
        "handle would not follow"], proc.stdout + proc.stderr
