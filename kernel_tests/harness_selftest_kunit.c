// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the KUnit harness (kernel_tests/run_kunit.py): with
 * harness_selftest_kunit.wrong_unmap=1 on the kernel command line, map a
 * table and unmap it with another direction, the classic driver bug.
 * Every KUnit assertion here passes; only DMA-API debug notices, in the
 * kernel log, and the harness must turn that into a failed run.  Without
 * the parameter the case is skipped.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>

static bool wrong_unmap;
module_param(wrong_unmap, bool, 0444);
MODULE_PARM_DESC(wrong_unmap, "unmap with the wrong direction (harness self-test)");

static void wrong_direction_unmap(struct kunit *test)
{
	struct device *dev;
	struct sg_table sgt;
	struct page *page;

	if (!wrong_unmap)
		kunit_skip(test, "boot with harness_selftest_kunit.wrong_unmap=1");

	dev = kunit_device_register(test, "harness-selftest");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&sgt, &page, 1, 0, PAGE_SIZE,
							GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), 0);
	/* The bug: DMA_FROM_DEVICE does not match the map's direction. */
	dma_unmap_sgtable(dev, &sgt, DMA_FROM_DEVICE, 0);
	sg_free_table(&sgt);
	__free_page(page);
}

static struct kunit_case harness_selftest_cases[] = {
	KUNIT_CASE(wrong_direction_unmap),
	{}
};

static struct kunit_suite harness_selftest_suite = {
	.name = "harness_selftest_typestate",
	.test_cases = harness_selftest_cases,
};

kunit_test_suite(harness_selftest_suite);

MODULE_DESCRIPTION("Self-test of the typestate KUnit harness");
MODULE_LICENSE("GPL");
