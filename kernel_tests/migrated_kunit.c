// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the code the semantic patch writes, run for real.
 *
 * tests/cocci/local_lifecycle.after.c, pin_unpin.after.c and
 * map_sg_field.after.c are what generated/coccinelle/sg_table.cocci makes
 * of pattern a (a table allocated, mapped, walked, unmapped and freed in
 * one function), pattern b (a table in a driver struct, mapped in a pin
 * function and unmapped in unpin) and pattern d (dma_map_sg() on such a
 * table's sgl); member_alias.after.c, return_map.after.c and
 * acquire_only_attrs.after.c are pattern b reached through a local pointer
 * to the member, with the map's result returned (shape e), and with an
 * attr that only the map passes (shape f); exporter.after.c is a dma-buf
 * exporter's map and unmap callbacks (shape c), one of them without a
 * local of its private data in the unmap; param_map.after.c is a
 * table its caller owns, mapped and unmapped in one function (shape d);
 * nested_member.after.c is pattern b for the table of a struct
 * sg_append_table in a driver struct (&buf->table.sgt).
 * tests/cocci/dma_single/kunit.after.c and member.after.c are what the
 * semantic patch generated from specs/dma_single.yaml makes
 * of buffers mapped and unmapped in one function (shape a) and of buffers
 * kept in a driver struct, mapped in open() and unmapped in close()
 * (shape b).  pytest checks that spatch writes exactly them, and
 * kernel_tests/tree.py installs them next to this file.  Here their
 * functions run against a KUnit device that maps for real, with
 * CONFIG_DMA_API_DEBUG checking the count and direction of every unmap and
 * reporting double unmaps; kernel_tests/run_kunit.py fails the run on any
 * such report.
 */
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "typestate_kunit.h"

/* What the driver's own setup step returns after the pin has mapped. */
static int foo_setup_result;

#include "cocci_local_lifecycle.after.inc"
#include "cocci_pin_unpin.after.inc"
#include "cocci_map_sg_field.after.inc"
#include "cocci_member_alias.after.inc"
#include "cocci_return_map.after.inc"
#include "cocci_exporter.after.inc"
#include "cocci_acquire_only_attrs.after.inc"
#include "cocci_param_map.after.inc"
#include "cocci_nested_member.after.inc"
#include "cocci_dma_single_kunit.after.inc"
#include "cocci_dma_single_member.after.inc"
#include "cocci_dma_single_cleanup.after.inc"

static int foo_setup(struct foo_bo *bo)
{
	return foo_setup_result;
}

#define NPAGES 6

struct migrated_test {
	struct device *dev;
	struct device *narrow_dev;
	struct page *pages[NPAGES];
	/* Every other page: never physically contiguous, so never merged. */
	struct page *sparse[NPAGES / 2];
	struct sg_table table;
};

static int migrated_test_init(struct kunit *test)
{
	struct migrated_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	t->dev = typestate_kunit_dma_device(test, "migrated-test", 0);
	t->narrow_dev = typestate_kunit_dma_device(test, "migrated-test-narrow",
						   DMA_BIT_MASK(12));
	typestate_kunit_alloc_pages(test, t->pages, NPAGES);
	for (i = 0; i < NPAGES / 2; i++)
		t->sparse[i] = t->pages[2 * i];
	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&t->table, t->sparse, NPAGES / 2, 0,
							NPAGES / 2 * PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, t->table.orig_nents, NPAGES / 2);
	foo_setup_result = 0;
	return 0;
}

static void migrated_test_exit(struct kunit *test)
{
	struct migrated_test *t = test->priv;

	sg_free_table(&t->table);
}

/* Pattern a: each page's DMA address written, the entry count returned. */
static void migrated_local_lifecycle(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	u64 descs[NPAGES / 2] = {};
	int i;

	KUNIT_ASSERT_EQ(test, push_pages(t->dev, t->sparse, NPAGES / 2, descs), NPAGES / 2);
	for (i = 0; i < NPAGES / 2; i++)
		KUNIT_EXPECT_EQ(test, descs[i],
				phys_to_dma(t->dev, page_to_phys(t->sparse[i])));
}

/* Pattern a: a failed map frees the table and returns the map's errno. */
static void migrated_local_lifecycle_map_fails(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	u64 descs[NPAGES / 2] = {};

	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	KUNIT_EXPECT_LT(test, push_pages(t->narrow_dev, t->sparse, NPAGES / 2, descs), 0);
	KUNIT_EXPECT_EQ(test, descs[0], 0);
}

/* Pattern b: pin maps through the stored handle, unpin unmaps it once. */
static void migrated_pin_unpin(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct foo_bo bo = { .dev = t->dev, .sgt = &t->table };

	KUNIT_ASSERT_EQ(test, foo_pin(&bo, DMA_TO_DEVICE), 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(bo.sgt_dma));
	KUNIT_EXPECT_PTR_EQ(test, sgt_raw(bo.sgt_dma), &t->table);
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(bo.sgt_dma), DMA_TO_DEVICE);
	KUNIT_EXPECT_GE(test, t->table.nents, 1);
	KUNIT_EXPECT_LE(test, t->table.nents, t->table.orig_nents);

	foo_unpin(&bo);
	KUNIT_EXPECT_NULL(test, __sgt_body(bo.sgt_dma));
	/*
	 * A second foo_unpin() would be the raw driver's double unmap, which
	 * DMA-API debug reports; the migrated one dereferences the emptied
	 * handle at the release instead.  A caller that cannot know whether
	 * the member is live releases it with sgt_release_if_live().
	 */
	sgt_release_if_live(bo.sgt_dma);
	KUNIT_EXPECT_NULL(test, __sgt_body(bo.sgt_dma));
	/* The table is still the driver's: unpin never frees it. */
	KUNIT_EXPECT_EQ(test, t->table.orig_nents, NPAGES / 2);
}

/*
 * Pattern b: the pin's own error path unmaps and empties the handle; as in
 * the raw driver, a failed pin is not unpinned.
 */
static void migrated_pin_error_path(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct foo_bo bo = { .dev = t->dev, .sgt = &t->table };

	foo_setup_result = -EBUSY;
	KUNIT_EXPECT_EQ(test, foo_pin(&bo, DMA_BIDIRECTIONAL), -EBUSY);
	KUNIT_EXPECT_NULL(test, __sgt_body(bo.sgt_dma));
	sgt_release_if_live(bo.sgt_dma);
}

/* Pattern b: a map that fails leaves nothing for unpin to undo. */
static void migrated_pin_map_fails(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct foo_bo bo = { .dev = t->narrow_dev, .sgt = &t->table };

	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	KUNIT_EXPECT_EQ(test, foo_pin(&bo, DMA_TO_DEVICE), -EFAULT);
	KUNIT_EXPECT_TRUE(test, sgt_is_err(bo.sgt_dma));
	/* Skips the error handle, as the raw driver skips unpin after a failed pin. */
	sgt_release_if_live(bo.sgt_dma);
	KUNIT_EXPECT_TRUE(test, sgt_is_err(bo.sgt_dma));
}

/* Pattern d: one-entry table allocated, mapped with its own count, freed. */
static void migrated_map_sg_single(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct msc msc = { .dev = t->dev };
	void *buf = page_address(t->pages[1]);

	KUNIT_ASSERT_EQ(test, msc_alloc(&msc, buf, PAGE_SIZE), 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(msc.single_sgt_dma));
	KUNIT_EXPECT_EQ(test, sgt_dma_nents(msc.single_sgt_dma), 1);
	KUNIT_EXPECT_EQ(test, sg_dma_len(msc.single_sgt.sgl), PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, msc.base, buf);
	msc_free(&msc);
	KUNIT_EXPECT_NULL(test, __sgt_body(msc.single_sgt_dma));
}

/*
 * Pattern d: the raw msc_alloc() tested dma_map_sg() for < 0, which it never
 * returns, so a failed map looked like success and returned 0.  The
 * migrated one returns the errno.
 */
static void migrated_map_sg_failure_seen(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct msc msc = { .dev = t->narrow_dev };

	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	KUNIT_EXPECT_EQ(test, msc_alloc(&msc, page_address(t->pages[1]), PAGE_SIZE), -EIO);
	KUNIT_EXPECT_TRUE(test, sgt_is_err(msc.single_sgt_dma));
	KUNIT_EXPECT_NULL(test, msc.base);
}

/*
 * Pattern d: the raw msc_ring_unmap() passed a count of 2 for a table of 3
 * entries, which DMA-API debug reports; the migrated one unmaps orig_nents.
 */
static void migrated_map_sg_unmap_count_fixed(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct msc msc = { .dev = t->dev };
	int n;

	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&msc.ring, t->sparse, NPAGES / 2, 0,
							NPAGES / 2 * PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, msc.ring.orig_nents, NPAGES / 2);
	n = msc_ring_map(&msc);
	KUNIT_EXPECT_GE(test, n, 1);
	if (n >= 1)
		KUNIT_EXPECT_EQ(test, n, sgt_dma_nents(msc.ring_dma));
	msc_ring_unmap(&msc, n >= 1);
	KUNIT_EXPECT_NULL(test, __sgt_body(msc.ring_dma));
	sg_free_table(&msc.ring);
}

/* dma_single: map, sync and unmap through the handle, with the map's args. */
static void migrated_single_send(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct dsf_dev d = { .dev = t->dev, .last = DMA_MAPPING_ERROR };
	void *buf = page_address(t->pages[2]);

	KUNIT_EXPECT_EQ(test, dsf_send(&d, buf, 256), 0);
	KUNIT_EXPECT_NE(test, d.last, DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, d.last, phys_to_dma(t->dev, virt_to_phys(buf)));
}

/* dma_single: a failed map returns the raw code's errno and maps nothing. */
static void migrated_single_send_fails(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct dsf_dev d = { .dev = t->narrow_dev, .last = 1 };

	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_map_page_attrs\n");
	KUNIT_EXPECT_EQ(test, dsf_send(&d, page_address(t->pages[2]), 256), -ENOMEM);
	KUNIT_EXPECT_EQ(test, d.last, 1);
}

/* dma_single: attrs kept for the unmap; the CPU reads after the sync. */
static void migrated_single_sum(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct dsf_dev d = { .dev = t->dev };
	u8 *buf = page_address(t->pages[3]);

	memset(buf, 3, 100);
	KUNIT_EXPECT_EQ(test, dsf_sum(&d, buf, 100), 0);
	KUNIT_EXPECT_EQ(test, d.sum, 300);
	d.dev = t->narrow_dev;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_map_page_attrs\n");
	KUNIT_EXPECT_EQ(test, dsf_sum(&d, buf, 100), -ENOMEM);
}

/* dma_single: one handle reused across a loop, each mapping released. */
static void migrated_single_many(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct dsf_dev d = { .dev = t->dev };
	void *bufs[3] = {
		page_address(t->pages[0]), page_address(t->pages[1]),
		page_address(t->pages[4]),
	};

	KUNIT_EXPECT_EQ(test, dsf_many(&d, bufs, 3, 512), 3);
	KUNIT_EXPECT_EQ(test, d.last, phys_to_dma(t->dev, virt_to_phys(bufs[2])));
}

/*
 * dma_single, shape b: a ring and four descriptors mapped in open(), the
 * ring synced in poll(), all unmapped in close() through the handles the
 * migration stored beside each member.  DMA-API debug fails the run if an
 * unmap does not match its map or a mapping is left when the device goes.
 */
static void migrated_member_open_close(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	__le32 *hw = kunit_kzalloc(test, 8 * sizeof(*hw), GFP_KERNEL);
	struct bar_dev bd = {
		.dev = t->dev,
		.ring = page_address(t->pages[5]),
		.ring_len = 512,
	};
	int i;

	KUNIT_ASSERT_NOT_NULL(test, hw);
	bd.hw = hw;
	for (i = 0; i < 4; i++)
		bd.desc[i].buf = page_address(t->pages[i]);
	KUNIT_ASSERT_EQ(test, bar_open(&bd), 0);
	KUNIT_EXPECT_EQ(test, bd.ring_dma, phys_to_dma(t->dev, virt_to_phys(bd.ring)));
	for (i = 0; i < 4; i++) {
		dma_addr_t want = phys_to_dma(t->dev, virt_to_phys(bd.desc[i].buf));

		KUNIT_EXPECT_EQ(test, bd.desc[i].addr, want);
		KUNIT_EXPECT_EQ(test, le32_to_cpu(hw[2 * i]), lower_32_bits(want));
	}
	KUNIT_EXPECT_EQ(test, bar_poll(&bd), le32_to_cpu(hw[0]));
	bar_close(&bd);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hw[0]), 0);
	KUNIT_EXPECT_EQ(test, bd.ring_dma, 0);
}

/* dma_single, shape b: a failed ring map returns -ENOMEM and maps nothing. */
static void migrated_member_open_fails(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	__le32 *hw = kunit_kzalloc(test, 8 * sizeof(*hw), GFP_KERNEL);
	struct bar_dev bd = {
		.dev = t->narrow_dev,
		.ring = page_address(t->pages[5]),
		.ring_len = 512,
	};

	KUNIT_ASSERT_NOT_NULL(test, hw);
	bd.hw = hw;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_map_page_attrs\n");
	KUNIT_EXPECT_EQ(test, bar_open(&bd), -ENOMEM);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hw[0]), 0);
	/*
	 * The raw ring_dma would hold DMA_MAPPING_ERROR, which the raw
	 * teardown's guard skips; the migrated one keeps its 0, and the
	 * teardown's dmab_release_if_live() skips the error handle instead.
	 */
	KUNIT_EXPECT_EQ(test, bd.ring_dma, 0);
	KUNIT_EXPECT_TRUE(test, dmab_is_err(bd.ring_dma_h));
	bar_teardown(&bd);
	KUNIT_EXPECT_TRUE(test, dmab_is_err(bd.ring_dma_h));
}

/*
 * dma_single, shape b, the qla4xxx shape: the core calls the clean-up
 * whatever the map callback returned.  After a map, it unmaps.
 */
static void migrated_cleanup_after_map(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct qt_task task = {
		.dev = t->dev,
		.data = page_address(t->pages[4]),
		.data_count = 256,
	};

	KUNIT_ASSERT_EQ(test, qt_alloc_pdu(&task), 0);
	KUNIT_EXPECT_FALSE(test, dmab_is_err(task.data_dma_h));
	KUNIT_EXPECT_EQ(test, task.data_dma,
			phys_to_dma(t->dev, virt_to_phys(task.data)));
	qt_task_cleanup(&task);
	/* Released: a second clean-up would skip the emptied handle. */
	qt_task_cleanup(&task);
}

/*
 * After a failed map the handle holds an error, which the clean-up's
 * dmab_release_if_live() skips (dmab_release() would dereference it).
 */
static void migrated_cleanup_after_failed_map(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct qt_task task = {
		.dev = t->narrow_dev,
		.data = page_address(t->pages[4]),
		.data_count = 256,
	};

	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_map_page_attrs\n");
	KUNIT_EXPECT_EQ(test, qt_alloc_pdu(&task), -ENOMEM);
	KUNIT_EXPECT_TRUE(test, dmab_is_err(task.data_dma_h));
	qt_task_cleanup(&task);
	KUNIT_EXPECT_TRUE(test, dmab_is_err(task.data_dma_h));
}

/* Pattern b, shape e: the map's result returned is the typed map's errno. */
static void migrated_return_map(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct foo_tt tt = { .dev = t->dev };

	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&tt.sgt, t->sparse, NPAGES / 2, 0,
							NPAGES / 2 * PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, foo_tt_map(&tt), 0);
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(tt.sgt_dma), DMA_BIDIRECTIONAL);
	foo_tt_unmap(&tt);
	KUNIT_EXPECT_NULL(test, __sgt_body(tt.sgt_dma));
	tt.dev = t->narrow_dev;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	KUNIT_EXPECT_LT(test, foo_tt_map(&tt), 0);
	KUNIT_EXPECT_TRUE(test, sgt_is_err(tt.sgt_dma));
	sg_free_table(&tt.sgt);
}

/*
 * Shape d: the caller's table is mapped for the device's run and unmapped
 * on every way out; DMA-API debug would report an unmap of a table not
 * mapped, and the next map of a table still mapped.
 */
static int fpga_seen_nents;

static int fpga_start_ok(struct foo_fpga *fpga)
{
	fpga_seen_nents = sg_dma_len(fpga->cur) ? fpga->nelms : 0;
	return 0;
}

static int fpga_start_fails(struct foo_fpga *fpga)
{
	return -EIO;
}

static void migrated_param_map(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct foo_fpga fpga = { .dev = t->dev, .start = fpga_start_ok };

	fpga_seen_nents = 0;
	KUNIT_ASSERT_EQ(test, foo_fpga_write(&fpga, &t->table), 0);
	KUNIT_EXPECT_EQ(test, fpga_seen_nents, t->table.nents);
	KUNIT_EXPECT_GE(test, fpga_seen_nents, 1);
	/* Unmapped on the way out: the table maps again. */
	fpga.start = fpga_start_fails;
	KUNIT_EXPECT_EQ(test, foo_fpga_write(&fpga, &t->table), -EIO);
	fpga.start = fpga_start_ok;
	KUNIT_EXPECT_EQ(test, foo_fpga_write(&fpga, &t->table), 0);
}

/* Shape d: a failed map returns its errno, and nothing is unmapped. */
static void migrated_param_map_fails(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct foo_fpga fpga = { .dev = t->narrow_dev, .start = fpga_start_ok };

	fpga_seen_nents = -1;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	KUNIT_EXPECT_LT(test, foo_fpga_write(&fpga, &t->table), 0);
	KUNIT_EXPECT_EQ(test, fpga_seen_nents, -1);
}

static int nest_setup_ok(struct nest_buf *buf)
{
	return 0;
}

static int nest_setup_fails(struct nest_buf *buf)
{
	return -EIO;
}

/*
 * A nested member: the append table's sgt mapped through the handle stored
 * in the driver struct, unmapped once by the error path or by free.
 */
static void migrated_nested_member(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct nest_buf buf = { .dev = t->dev, .dma_dir = DMA_FROM_DEVICE };
	int ret;

	ret = sg_alloc_append_table_from_pages(&buf.table, t->sparse, NPAGES / 2, 0,
					       NPAGES / 2 * PAGE_SIZE, UINT_MAX, 0, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, nest_buf_dma(&buf, nest_setup_ok), 0);
	KUNIT_EXPECT_TRUE(test, buf.dmaed);
	KUNIT_EXPECT_PTR_EQ(test, sgt_raw(buf.table_sgt_dma), &buf.table.sgt);
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(buf.table_sgt_dma), DMA_FROM_DEVICE);
	nest_buf_free(&buf);
	KUNIT_EXPECT_NULL(test, __sgt_body(buf.table_sgt_dma));
	/* The error path unmaps through the handle too. */
	KUNIT_EXPECT_EQ(test, nest_buf_dma(&buf, nest_setup_fails), -EIO);
	KUNIT_EXPECT_FALSE(test, buf.dmaed);
	KUNIT_EXPECT_NULL(test, __sgt_body(buf.table_sgt_dma));
	buf.dev = t->narrow_dev;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	KUNIT_EXPECT_LT(test, nest_buf_dma(&buf, nest_setup_ok), 0);
	KUNIT_EXPECT_TRUE(test, sgt_is_err(buf.table_sgt_dma));
	sg_free_append_table(&buf.table);
}

/* Pattern b through an alias: map and unmap reach the member by a pointer. */
static void migrated_member_alias(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct vb_buf buf = { .dev = t->dev, .dma_dir = DMA_TO_DEVICE };

	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&buf.table, t->sparse, NPAGES / 2, 0,
							NPAGES / 2 * PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, vb_map(&buf), 0);
	KUNIT_EXPECT_PTR_EQ(test, sgt_raw(buf.table_dma), &buf.table);
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(buf.table_dma), DMA_TO_DEVICE);
	KUNIT_EXPECT_GE(test, buf.table.nents, 1);
	/* Unmaps through the stored handle and keeps the table. */
	vb_unmap_keep(&buf);
	KUNIT_EXPECT_NULL(test, __sgt_body(buf.table_dma));
	KUNIT_ASSERT_EQ(test, vb_map(&buf), 0);
	/* Unmaps through the stored handle, then frees the table. */
	vb_unmap(&buf);
	KUNIT_EXPECT_NULL(test, __sgt_body(buf.table_dma));
}

/*
 * Shape c, an exporter: the dma-buf core's calls, made by hand.  The
 * unmap callback releases the handle the map callback stored, whatever
 * table pointer it is given back.
 */
static void migrated_exporter(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct exp_attachment a = { .dev = t->dev, .table = t->table };
	struct dma_buf_attachment att = { .dev = t->dev, .priv = &a };
	struct sg_table *table;

	KUNIT_ASSERT_TRUE(test, exp_ops.map_dma_buf == exp_map_dma_buf);
	table = exp_ops.map_dma_buf(&att, DMA_FROM_DEVICE);
	KUNIT_ASSERT_PTR_EQ(test, table, &a.table);
	KUNIT_EXPECT_TRUE(test, a.mapped);
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(a.table_dma), DMA_FROM_DEVICE);
	exp_ops.unmap_dma_buf(&att, table, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, a.mapped);
	KUNIT_EXPECT_NULL(test, __sgt_body(a.table_dma));

	att.dev = t->narrow_dev;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	KUNIT_EXPECT_TRUE(test, IS_ERR(exp_ops.map_dma_buf(&att, DMA_TO_DEVICE)));
	KUNIT_EXPECT_TRUE(test, sgt_is_err(a.table_dma));
}

/*
 * Shape c, an exporter whose .unmap_dma_buf had no local of its private
 * data: the one the rewrite declares there reaches the stored handle.
 */
static void migrated_exporter_no_local(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct exp2_attachment a = { .dev = t->dev, .sgt = t->table };
	struct dma_buf_attachment att = { .dev = t->dev, .priv = &a };
	struct sg_table *table;

	table = exp2_ops.map_dma_buf(&att, DMA_TO_DEVICE);
	KUNIT_ASSERT_PTR_EQ(test, table, &a.sgt);
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(a.sgt_dma), DMA_TO_DEVICE);
	exp2_ops.unmap_dma_buf(&att, table, DMA_TO_DEVICE);
	KUNIT_EXPECT_NULL(test, __sgt_body(a.sgt_dma));

	att.dev = t->narrow_dev;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	table = exp2_ops.map_dma_buf(&att, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, IS_ERR(table));
	KUNIT_EXPECT_TRUE(test, sgt_is_err(a.sgt_dma));
}

/* Pattern b: a table passed in, stored in the member after or before the map. */
static void migrated_member_stored(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct vb_xfer x = { .dev = t->dev };

	KUNIT_ASSERT_EQ(test, vb_xfer_map_first(&x, &t->table), 0);
	KUNIT_EXPECT_PTR_EQ(test, x.sgt, &t->table);
	KUNIT_EXPECT_PTR_EQ(test, sgt_raw(x.sgt_dma), &t->table);
	vb_xfer_unmap(&x);
	KUNIT_EXPECT_NULL(test, __sgt_body(x.sgt_dma));

	KUNIT_ASSERT_EQ(test, vb_xfer_store_first(&x, &t->table), 0);
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(x.sgt_dma), DMA_TO_DEVICE);
	vb_xfer_unmap(&x);
	KUNIT_EXPECT_NULL(test, __sgt_body(x.sgt_dma));
}

/* Pattern b through an alias: a failed map is seen by the typed test. */
static void migrated_member_alias_map_fails(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct vb_buf buf = { .dev = t->narrow_dev, .dma_dir = DMA_TO_DEVICE };

	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&buf.table, t->sparse, NPAGES / 2, 0,
							NPAGES / 2 * PAGE_SIZE, GFP_KERNEL), 0);
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	KUNIT_EXPECT_EQ(test, vb_map(&buf), -EIO);
	KUNIT_EXPECT_TRUE(test, sgt_is_err(buf.table_dma));
	sg_free_table(&buf.table);
}

/*
 * Shape f: mapped with DMA_ATTR_NO_WARN, unmapped through the handle,
 * which passes the map's attrs: DMA-API debug sees one matching unmap.
 */
static void migrated_acquire_only_attrs(struct kunit *test)
{
	struct migrated_test *t = test->priv;
	struct qux_iod iod = { .sgt = t->table };

	/* The meta table is not mapped: its map needs SKIP_CPU_SYNC too. */
	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&iod.meta, t->sparse, NPAGES / 2, 0,
							NPAGES / 2 * PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, qux_map(t->dev, &iod, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(iod.sgt_dma), DMA_FROM_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, sgt_raw(iod.sgt_dma), &iod.sgt);
	qux_unmap(t->dev, &iod, DMA_FROM_DEVICE);
	KUNIT_EXPECT_NULL(test, __sgt_body(iod.sgt_dma));
	sg_free_table(&iod.meta);
}

static struct kunit_case migrated_test_cases[] = {
	KUNIT_CASE(migrated_local_lifecycle),
	KUNIT_CASE(migrated_local_lifecycle_map_fails),
	KUNIT_CASE(migrated_pin_unpin),
	KUNIT_CASE(migrated_pin_error_path),
	KUNIT_CASE(migrated_pin_map_fails),
	KUNIT_CASE(migrated_return_map),
	KUNIT_CASE(migrated_member_alias),
	KUNIT_CASE(migrated_member_alias_map_fails),
	KUNIT_CASE(migrated_member_stored),
	KUNIT_CASE(migrated_exporter),
	KUNIT_CASE(migrated_exporter_no_local),
	KUNIT_CASE(migrated_acquire_only_attrs),
	KUNIT_CASE(migrated_param_map),
	KUNIT_CASE(migrated_param_map_fails),
	KUNIT_CASE(migrated_nested_member),
	KUNIT_CASE(migrated_map_sg_single),
	KUNIT_CASE(migrated_map_sg_failure_seen),
	KUNIT_CASE(migrated_map_sg_unmap_count_fixed),
	KUNIT_CASE(migrated_single_send),
	KUNIT_CASE(migrated_single_send_fails),
	KUNIT_CASE(migrated_single_sum),
	KUNIT_CASE(migrated_single_many),
	KUNIT_CASE(migrated_member_open_close),
	KUNIT_CASE(migrated_member_open_fails),
	KUNIT_CASE(migrated_cleanup_after_map),
	KUNIT_CASE(migrated_cleanup_after_failed_map),
	{}
};

static struct kunit_suite migrated_test_suite = {
	.name = "typestate_migrated",
	.init = migrated_test_init,
	.exit = migrated_test_exit,
	.test_cases = migrated_test_cases,
};

kunit_test_suite(migrated_test_suite);

MODULE_DESCRIPTION("KUnit tests running code the generated semantic patches wrote");
MODULE_LICENSE("GPL");
