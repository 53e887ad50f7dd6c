// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the KUnit harness (kernel_tests/run_kunit.py): with
 * harness_selftest_kunit.wrong_unmap=1 on the kernel command line, map a
 * table and unmap it with another direction, the classic driver bug; with
 * harness_selftest_kunit.leak=1, map a page through the suites' own test
 * device and never unmap it.  Every KUnit assertion here passes; only
 * DMA-API debug notices, in the kernel log (the leak when the device goes
 * away at the end of the case), and the harness must turn each into a
 * failed run.  Without the parameters the cases are skipped.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>

#include "typestate_kunit.h"

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

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leave a mapping when the device goes (harness self-test)");

static void leaked_mapping(struct kunit *test)
{
	struct device *dev;
	struct page *page;
	dma_addr_t addr;

	if (!leak)
		kunit_skip(test, "boot with harness_selftest_kunit.leak=1");

	dev = typestate_kunit_dma_device(test, "harness-selftest-leak", 0);
	typestate_kunit_alloc_pages(test, &page, 1);
	addr = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, addr));
	/* The bug: no dma_unmap_page() before the device goes away. */
}

static struct kunit_case harness_selftest_cases[] = {
	KUNIT_CASE(wrong_direction_unmap),
	KUNIT_CASE(leaked_mapping),
	{}
};

static struct kunit_suite harness_selftest_suite = {
	.name = "harness_selftest_typestate",
	.test_cases = harness_selftest_cases,
};

kunit_test_suite(harness_selftest_suite);

MODULE_DESCRIPTION("Self-test of the typestate KUnit harness");
MODULE_LICENSE("GPL");
