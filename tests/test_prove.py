# SPDX-License-Identifier: GPL-2.0
"""migcheck/prove.py, the check apart from the rules: on the fixtures'
before/after pairs it shows every typed release, and it refuses each way a
rewrite can name the wrong object or arguments (the tegra shape first)."""

import glob
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from migcheck import prove  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "cocci")
SPECS = {s.name: s for s in prove.patching_specs()}
TYPED = re.compile(r"\b(?:sgt|dmab)_(?:release|release_if_live|unmap|"
                   r"sync_for_cpu|sync_for_device)\(")


def trees(tmp_path, before, after, name="x.c"):
    """A pristine and a migrated tree, each with drivers/t/<name>."""
    out = []
    for top, text in (("pristine", before), ("migrated", after)):
        d = tmp_path / top / "drivers" / "t"
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(text)
        out.append(str(tmp_path / top))
    return out


def run(spec, tmp_path, before, after):
    p, m = trees(tmp_path, before, after)
    return prove.prove(SPECS[spec], p, m, "drivers")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def pairs():
    out = []
    for spec, pat in (("sg_table", "*.before.c"),
                      ("dma_single", "dma_single/*.before.c")):
        for b in sorted(glob.glob(os.path.join(FIXTURES, pat))):
            a = b.replace(".before.c", ".after.c")
            if os.path.exists(a):
                out.append((spec, b, a))
    return out


@pytest.mark.parametrize("spec,before,after", pairs(),
                         ids=lambda x: os.path.basename(str(x)))
def test_every_fixture_rewrite_is_shown(spec, before, after, tmp_path):
    """Each typed release or operation of a fixture's output is shown to
    undo its acquire, none is left out, nothing is unproven."""
    text = read(after)
    pr = run(spec, tmp_path, read(before), text)
    assert pr.unproven == []
    want = len(TYPED.findall(re.sub(r"/\*.*?\*/", "", text, flags=re.S)))
    assert pr.proven == want


def test_tegra_shape_is_unproven(tmp_path):
    """The rewrite that landed before 1793fc8: the unmap of the table
    .unmap_dma_buf is given back became the release of the buffer
    object's own mapping."""
    before = read(os.path.join(FIXTURES, "exporter_own_table.before.c"))
    after = read(os.path.join(FIXTURES, "exporter_own_table.after.c"))
    bad = after.replace("\t\tdma_unmap_sgtable(attach->dev, sgt, dir, 0);",
                        "\t\tsgt_release(bo->sgt_dma);")
    assert bad != after
    pr = run("sg_table", tmp_path, before, bad)
    assert len(pr.unproven) == 1, pr.unproven
    path, line, why = pr.unproven[0]
    assert bad.splitlines()[line - 1].strip() == "sgt_release(bo->sgt_dma);"
    assert "of 'sgt', but the handle holds 'bo->sgt'" in why


def test_another_instance_is_unproven(tmp_path):
    """A handle of another struct variable than the one the raw unmap
    named: the same member, the wrong object."""
    before = read(os.path.join(FIXTURES, "dma_single", "member.before.c"))
    after = read(os.path.join(FIXTURES, "dma_single", "member.after.c"))
    before = before.replace("static void bar_close(struct bar_dev *priv)\n{",
                            "static void bar_close(struct bar_dev *priv,\n"
                            "\t\t      struct bar_dev *other)\n{")
    after = after.replace("static void bar_close(struct bar_dev *priv)\n{",
                          "static void bar_close(struct bar_dev *priv,\n"
                          "\t\t      struct bar_dev *other)\n{")
    bad = after.replace("\tdmab_release_if_live(priv->ring_dma_h);",
                        "\tdmab_release_if_live(other->ring_dma_h);")
    assert bad != after
    assert run("dma_single", tmp_path / "ok", before, after).unproven == []
    pr = run("dma_single", tmp_path / "bad", before, bad)
    assert [w for _, _, w in pr.unproven] == [
        "dmab_release_if_live(other->ring_dma_h) releases the handle of "
        "'other', but the raw dma_unmap_single() named 'priv->ring_dma'"]


def test_other_arguments_are_unproven(tmp_path):
    """A raw unmap with another size than the map's: the typed release
    would change it."""
    before = read(os.path.join(FIXTURES, "dma_single", "local.before.c"))
    after = read(os.path.join(FIXTURES, "dma_single", "local.after.c"))
    bad = before.replace("dma_unmap_single(fd->dev, a, 64, DMA_TO_DEVICE);",
                         "dma_unmap_single(fd->dev, a, 32, DMA_TO_DEVICE);")
    assert bad != before
    pr = run("dma_single", tmp_path, bad, after)
    assert len(pr.unproven) == 1, pr.unproven
    assert "with size '32', but the acquire at" in pr.unproven[0][2]


def test_added_release_is_unproven(tmp_path):
    """A typed release where the raw code released nothing."""
    before = read(os.path.join(FIXTURES, "dma_single", "local.before.c"))
    after = read(os.path.join(FIXTURES, "dma_single", "local.after.c"))
    bad = after.replace("\tret = foo_wait(fd);\n",
                        "\tret = foo_wait(fd);\n\tdmab_release(a_h);\n")
    assert bad != after
    pr = run("dma_single", tmp_path, before, bad)
    assert [w for _, _, w in pr.unproven] == [
        "dmab_release() replaces no raw call of the spec in foo_kick_wait()"]


def test_arguments_equal_by_name_are_listed(tmp_path):
    """A size that is a parameter of the same name in the map's function
    and the unmap's: shown by name only, listed, not refused."""
    src = """#include <linux/dma-mapping.h>
#include <linux/typestate/dma_single.h>

struct q_dev {
	struct device *dev;
	dma_addr_t d;
};

static int q_setup(struct q_dev *q, void *buf, int len)
{
	q->d = dma_map_single(q->dev, buf, len, DMA_TO_DEVICE);
	if (dma_mapping_error(q->dev, q->d))
		return -ENOMEM;
	return 0;
}

static void q_release(struct q_dev *q, int len)
{
	dma_unmap_single(q->dev, q->d, len, DMA_TO_DEVICE);
}
"""
    after = src.replace(
        "\tq->d = dma_map_single(q->dev, buf, len, DMA_TO_DEVICE);\n"
        "\tif (dma_mapping_error(q->dev, q->d))\n",
        "\tq->d_h = dmab_map_new(&q->d_body, q->dev, buf, len, "
        "DMA_TO_DEVICE, 0);\n\tif (dmab_is_err(q->d_h))\n").replace(
        "\tdma_unmap_single(q->dev, q->d, len, DMA_TO_DEVICE);",
        "\tdmab_release_if_live(q->d_h);")
    pr = run("dma_single", tmp_path, src, after)
    assert pr.unproven == [] and pr.proven == 1
    assert len(pr.by_name) == 1
    assert "passed 'len' of q_release(), the same name in another function" \
        in pr.by_name[0][2]


def test_cli_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "migcheck.prove",
                           str(tmp_path), str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].endswith(
        "no directory drivers in it")
    assert "Traceback" not in proc.stderr


def test_spec_changes_are_listed_where_replaced(tmp_path):
    """sg_table's alloc step says what sgt_alloc_from_pages() does that
    sg_alloc_table_from_pages() did not: each call the migration replaced
    is listed with it, and nothing else is."""
    from migcheck import changes
    before = read(os.path.join(FIXTURES, "local_lifecycle.before.c"))
    after = read(os.path.join(FIXTURES, "local_lifecycle.after.c"))
    path = tmp_path / "x.c"
    path.write_text(after)
    out = changes.listed(SPECS["sg_table"], str(tmp_path),
                         {str(path): before}, [str(path)])
    calls = [n for n, line in enumerate(before.splitlines(), 1)
             if "sg_alloc_table_from_pages(" in line]
    assert calls and [int(x.split(":")[1]) for x in out] == calls
    assert all("caps each segment at dma_max_mapping_size()" in x
               and "fails with -EINVAL on zero pages" in x for x in out)


def test_exported_struct_growth_is_listed(tmp_path):
    """A request context whose whole size is the algorithm's exported
    state (aspeed-hace-hash.c): its growth is listed at the .statesize
    and at the memcpy() of export()."""
    from migcheck import changes
    before = """struct h_ctx {
	void *digest;
	dma_addr_t digest_dma;
};

static int h_export(struct ahash_request *req, void *out)
{
	struct h_ctx *rctx = ahash_request_ctx(req);

	memcpy(out, rctx, sizeof(*rctx));
	return 0;
}

static int h_init(struct crypto_ahash *tfm)
{
	crypto_ahash_set_reqsize(tfm, sizeof(struct h_ctx));
	return 0;
}

static struct ahash_alg h_alg = {
	.halg.statesize = sizeof(struct h_ctx),
};
"""
    after = before.replace("\tdma_addr_t digest_dma;\n",
                           "\tdma_addr_t digest_dma;\n"
                           "\tstruct dmab digest_dma_body;\n"
                           "\tstruct dmab_managed digest_dma_h;\n")
    path = tmp_path / "x.c"
    path.write_text(after)
    out = changes.listed(SPECS["dma_single"], str(tmp_path),
                         {str(path): before}, [str(path)])
    assert [int(x.split(":")[1]) for x in out] == [10, 21], out
    assert "h_export(): struct h_ctx grows" in out[0]
    assert "(.statesize)" in out[1]
