# SPDX-License-Identifier: GPL-2.0
"""scripts/series.py: the pure parts of `make patches` (subject prefixes,
patch grouping, the `< 0` fix, kernel-doc for added members, MAINTAINERS,
commit-message facts)."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, ROOT)
import series  # noqa: E402


@pytest.mark.parametrize("path, prefix", [
    ("drivers/gpu/drm/tegra/gem.c", "drm/tegra:"),
    ("drivers/gpu/drm/drm_prime.c", "drm:"),
    ("drivers/crypto/sa2ul.c", "crypto: sa2ul -"),
    ("drivers/crypto/qce/aead.c", "crypto: qce -"),
    ("drivers/crypto/intel/qat/qat_common/qat_bl.c", "crypto: qat -"),
    ("drivers/vfio/pci/pds/dirty.c", "vfio/pds:"),
    ("drivers/accel/qaic/qaic_data.c", "accel/qaic:"),
    ("drivers/infiniband/hw/mthca/mthca_memfree.c", "RDMA/mthca:"),
    ("drivers/net/ethernet/mellanox/mlx5/core/en_tx.c", "net/mlx5:"),
    ("drivers/net/ethernet/intel/ice/ice_txrx.c", "ice:"),
    ("drivers/net/ethernet/broadcom/bnxt/bnxt.c", "net: bnxt:"),
    ("drivers/spi/spi-pl022.c", "spi: pl022:"),
    ("drivers/media/platform/nvidia/tegra-vde/vde.c", "media: tegra-vde:"),
    ("drivers/hwtracing/intel_th/msu.c", "intel_th: msu:"),
    ("drivers/rapidio/devices/rio_mport_cdev.c", "rapidio: rio_mport_cdev:"),
    ("drivers/foo/bar/baz.c", "foo: bar:"),
    ("drivers/foo/baz.c", "foo: baz:"),
    ("drivers/fpga/zynq-fpga.c", "fpga: zynq-fpga:"),
    ("drivers/nvme/host/pci.c", "nvme-pci:"),
])
def test_subject_prefix(path, prefix):
    assert series.subject_prefix(path) == prefix


def test_groups_follow_prefix_and_keep_a_header_with_its_users():
    files = ["drivers/gpu/drm/tegra/gem.c", "drivers/gpu/drm/tegra/gem.h",
             "drivers/crypto/sa2ul.c", "drivers/foo/bar/a.c",
             "drivers/foo/baz/x.h"]
    texts = {f: "" for f in files}
    texts["drivers/foo/bar/a.c"] = '#include "../baz/x.h"\n'
    groups = series.group_files(files, texts)
    assert groups == [
        ("crypto: sa2ul -", ["drivers/crypto/sa2ul.c"]),
        ("drm/tegra:", ["drivers/gpu/drm/tegra/gem.c",
                        "drivers/gpu/drm/tegra/gem.h"]),
        ("foo: bar:", ["drivers/foo/bar/a.c", "drivers/foo/baz/x.h"]),
    ]


MSU = """\
static int alloc(struct msc *msc, unsigned int order)
{
	struct page *page;
	int ret;

	page = alloc_pages(GFP_KERNEL, order);
	split_page(page, order);

	ret = dma_map_sg(dev, msc->sgt.sgl, 1,
			 DMA_FROM_DEVICE);
	if (ret < 0)
		goto err_free_pages;

	return 0;

err_free_pages:
	__free_pages(page, order);
	return ret;
}
"""


def test_negative_test_of_the_function_result_sets_an_errno():
    hits = series.find_negative_map_tests(MSU)
    assert [(h[0], h[1]) for h in hits] == [(11, "ret")]
    new, errno = series.fix_negative_map_test(MSU, hits[0][2], hits[0][3],
                                              "ret")
    assert errno == "-ENOMEM"
    assert "\tif (!ret) {\n\t\tret = -ENOMEM;\n\t\tgoto err_free_pages;\n" \
        "\t}\n" in new
    fixed = series.fix_split_page_free(new, "alloc")
    assert "free_pages_exact(page_address(page), PAGE_SIZE << order);" \
        in fixed
    assert "__free_pages" not in fixed
    assert series.find_negative_map_tests(fixed) == []


def test_negative_test_copying_the_count_uses_the_functions_errno():
    text = """\
int f(void)
{
	n = dma_map_sg(dev, a, 1, dir);
	if (!n) {
		ret = -EIO;
		goto out;
	}
	m = dma_map_sg(dev, b, 1, dir);
	if (m < 0) {
		ret = m;
		goto out;
	}
out:
	return ret;
}
"""
    (_, var, s, e), = series.find_negative_map_tests(text)
    new, errno = series.fix_negative_map_test(text, s, e, var)
    assert errno == "-EIO"
    assert "\tif (!m) {\n\t\tret = -EIO;\n\t\tgoto out;\n\t}\n" in new
    # No split_page(): nothing else to fix.
    assert series.fix_split_page_free(new, "f") is None


def test_a_test_that_is_not_right_after_the_map_is_left_alone():
    text = ("int f(void)\n{\n\tn = dma_map_sg(d, s, 1, r);\n\tfoo();\n"
            "\tif (n < 0)\n\t\treturn n;\n\treturn 0;\n}\n")
    assert series.find_negative_map_tests(text) == []


STRUCT = """\
/**
 * struct msc - MSC device
 * @work:		a work
 * @single_sgt:		single mode buffer
 *			over two lines
 * @nr_pages:		pages
 */
struct msc {
	struct work_struct	work;
	struct sg_table		single_sgt;
	struct sgt single_sgt_body;
	struct sgt_borrowed_managed single_sgt_dma;
	unsigned long		nr_pages;
};
"""


class _State:
    def __init__(self, name):
        self.name = name
        self.cname = "sgt_" + name


class _Spec:
    name = "sg_table"
    prefix = "sgt"
    states = [_State("borrowed_managed")]


def test_added_members_are_described_after_the_member_they_derive_from():
    docs = series.describe_members(STRUCT, "msc", ["single_sgt_body",
                                                   "single_sgt_dma"],
                                   [_Spec()])
    assert docs == {
        "single_sgt_body": "storage behind the typed sg_table handle of "
                           "@single_sgt",
        "single_sgt_dma": "typed sg_table handle of @single_sgt, in state "
                          "borrowed_managed",
    }
    new = series.add_member_docs(STRUCT, "msc", docs)
    lines = new.split("\n")
    i = lines.index(" *\t\t\tover two lines")
    assert lines[i + 1].startswith(" * @single_sgt_body:\tstorage behind")
    assert lines[i + 2].startswith(" * @single_sgt_dma:\ttyped sg_table")
    assert lines[i + 3] == " *\t\t\tborrowed_managed"
    assert lines[i + 4].startswith(" * @nr_pages:")
    assert all(len(ln.expandtabs(8)) <= 80 for ln in lines)
    # Twice changes nothing.
    assert series.add_member_docs(new, "msc", docs) == new


def test_maintainers_entry_is_sorted_in_and_grows():
    text = ("Maintainers List\n----------------\n\nTTY LAYER\nM:\tA <a@b>\n"
            "S:\tMaintained\n\nU-BOOT\nM:\tC <c@d>\nS:\tMaintained\n")
    one = series.maintainers_entry(text, "Me <me@x>", ["include/linux/x.h"])
    assert "TTY LAYER\nM:\tA <a@b>\nS:\tMaintained\n\n" + series.SECTION + \
        "\nM:\tMe <me@x>\nL:\tlinux-kernel@vger.kernel.org\n" \
        "S:\tMaintained\nF:\tinclude/linux/x.h\n\nU-BOOT\n" in one
    two = series.maintainers_entry(one, "Me <me@x>", ["lib/x/",
                                                      "Documentation/x.rst"])
    assert "F:\tDocumentation/x.rst\nF:\tinclude/linux/x.h\nF:\tlib/x/\n\n" \
        "U-BOOT" in two
    assert two.count(series.SECTION) == 1


DIFF = """\
@@ -138,6 +143,8 @@ struct msc {
 	struct sg_table		single_sgt;
+	struct sgt single_sgt_body;
+	struct sgt_borrowed_managed single_sgt_dma;
@@ -912,6 +919,7 @@ static int alloc(struct msc *msc)
+	struct sgt_borrowed_unmapped u;
-	ret = dma_map_sg(dev, msc->single_sgt.sgl, 1, DMA_FROM_DEVICE);
-	if (ret < 0)
+	u = sgt_borrow_unmapped(&msc->single_sgt_body, &msc->single_sgt);
+	msc->single_sgt_dma = sgt_map(u, dev, DMA_FROM_DEVICE, 0);
+	if (sgt_is_err(msc->single_sgt_dma))
"""


def test_diff_facts():
    facts = series.diff_facts(DIFF, ["sgt"])
    assert facts["functions"] == ["alloc"]
    assert facts["removed"] == ["dma_map_sg"]
    assert facts["added"] == ["sgt_borrow_unmapped", "sgt_is_err", "sgt_map"]
    assert facts["members"] == ["msc.single_sgt_body", "msc.single_sgt_dma"]
    assert facts["negative_tests"] == ["ret"]


def test_message_keeps_the_subject_and_wraps_the_body():
    msg = series.message("x: a subject that is long " + "y" * 60,
                         "word " * 40 + "\n\n- item " + "z " * 40)
    lines = msg.split("\n")
    assert lines[0].startswith("x: a subject") and lines[1] == ""
    assert all(len(ln) <= 72 for ln in lines[2:])
    assert any(ln.startswith("- item") for ln in lines)


def test_driver_message_says_what_moved_and_what_changes():
    import glob
    import patches
    from generator.__main__ import build_all
    specs = build_all(sorted(glob.glob(os.path.join(ROOT, "specs",
                                                    "*.yaml"))))
    diff = DIFF + "-\tdma_unmap_sg(dev, msc->single_sgt.sgl, 1, dir);\n" \
        "+\tsgt_release(msc->single_sgt_dma);\n"
    report = ["drivers/x/msu.c:12:1-3: not migrated: f(): line 12 uses "
              "'sgt' in a way the migration does not know"]
    msg, changes = patches.driver_message("intel_th: msu:",
                                          ["drivers/x/msu.c"], diff, specs,
                                          report, [])
    lines = msg.split("\n")
    assert lines[0] == "intel_th: msu: use typed sg_table handles"
    assert all(len(ln) <= 75 for ln in lines)
    assert "struct msc: single_sgt_body, single_sgt_dma" in " ".join(lines)
    assert len(changes) == 2          # the `< 0` test, the unmap count
    assert "- sgt_map(): DMA-map the table for a device." in msg
    assert "- msu.c:12: not migrated: f(): line 12 uses 'sgt'" in msg


def test_driver_message_carries_the_migrations_behaviour_changes():
    """A 'behaviour change:' line the semantic patch printed for a file goes
    into that file's patch, under "Behaviour changes"."""
    import glob
    import patches
    from generator.__main__ import build_all
    specs = build_all(sorted(glob.glob(os.path.join(ROOT, "specs",
                                                    "*.yaml"))))
    summary = {"specs": {"dma_single.cocci": {"behaviour_changes": [
        "drivers/x/foo.c:38:14-34: behaviour change: foo_recv(): "
        "'fd -> rx_dma' outlives foo_recv(); when the acquire fails it "
        "keeps its old value, where the raw code stored the raw failure "
        "value",
        "drivers/y/bar.c:1:1-2: behaviour change: bar(): elsewhere"]}}}
    msg, changes = patches.driver_message(
        "foo:", ["drivers/x/foo.c"], DIFF, specs, [], [], summary)
    mine = [c for c in changes if "outlives" in c]
    assert len(mine) == 1
    assert "foo.c:38: foo_recv(): 'fd -> rx_dma' outlives" in mine[0]
    assert "Behaviour changes:" in msg
    assert "bar()" not in msg


def test_driver_message_names_the_members_the_migration_dropped():
    """A struct member the migration dropped (written back after the
    acquire, read by nothing) is named in the patch of its file."""
    import glob
    import patches
    from generator.__main__ import build_all
    specs = build_all(sorted(glob.glob(os.path.join(ROOT, "specs",
                                                    "*.yaml"))))
    summary = {"specs": {"dma_single.cocci": {"members_dropped": [
        "drivers/x/foo.h:838: member 'data_dma' dropped: nothing reads it "
        "once handle 'data_dma_h' holds the object (dmab_dma_addr() gives "
        "it); its 1 write-back went with it",
        "drivers/y/bar.h:1: member 'b' dropped: elsewhere"]}}}
    msg, _ = patches.driver_message(
        "foo:", ["drivers/x/foo.c", "drivers/x/foo.h"], DIFF, specs, [], [],
        summary)
    text = " ".join(msg.split())
    assert ("foo.h:838: member 'data_dma' dropped: nothing reads it once "
            "handle 'data_dma_h' holds the object (dmab_dma_addr() gives "
            "it); its 1 write-back went with it: no file that can see the "
            "struct names it otherwise.") in text
    assert "member 'b'" not in text


def test_cover_letter_lists_the_drivers_left_out_for_checkpatch():
    """A migrated driver whose change checkpatch refuses is not in the
    series; the cover letter names it, with the checkpatch types."""
    import glob
    import patches
    from generator.__main__ import build_all
    specs = build_all(sorted(glob.glob(os.path.join(ROOT, "specs",
                                                    "*.yaml"))))
    summary = {"specs": {"dma_single.cocci": {
        "files_migrated": ["drivers/atm/fore200e.c"],
        "not_migrated": ["drivers/atm/fore200e.c:179:5-19: not migrated: "
                         "f(): released in another function"],
        "bugs": []}}}
    left = [("atm: fore200e:", ["drivers/atm/fore200e.c"],
             ["WARNING:LEADING_SPACE: please, no spaces at the start of a "
              "line (-:17)"] * 3)]
    subject, body = patches.cover_letter(specs, None, [], [], summary,
                                         "drivers/atm", left)
    text = " ".join(body.split())
    assert "left out of this series" in text
    assert "- atm: fore200e: fore200e.c: 3 checkpatch errors or warnings " \
        "(LEADING_SPACE); the file is indented with spaces" in text
    # Its other report lines are listed too: it has no patch of its own.
    assert "fore200e.c:179: not migrated" in text
