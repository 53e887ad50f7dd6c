// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-written KUnit tests for <linux/typestate/dma_single.h>: a kmalloc'd
 * buffer mapped for real through a KUnit device on UML.  DMA-API debug and
 * KASAN reports in the kernel log fail `make kunit` (kernel_tests/run_kunit.py)
 * even when these cases pass.
 */
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/slab.h>
#include <linux/typestate/dma_single.h>

#include "typestate_kunit.h"

struct dmab_test {
	struct device *dev;
	struct device *narrow_dev;
	u8 *buf;
};

static int dmab_test_init(struct kunit *test)
{
	struct dmab_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	t->dev = typestate_kunit_dma_device(test, "dmab-test", 0);
	t->narrow_dev = typestate_kunit_dma_device(test, "dmab-test-narrow", DMA_BIT_MASK(12));
	t->buf = kunit_kmalloc(test, 512, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->buf);
	return 0;
}

/* Each direction maps, syncs both ways and unmaps with what it mapped. */
static const enum dma_data_direction dmab_dirs[] = {
	DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
};

static void dmab_dir_desc(const enum dma_data_direction *dir, char *desc)
{
	static const char * const names[] = {
		[DMA_BIDIRECTIONAL] = "bidirectional",
		[DMA_TO_DEVICE] = "to device",
		[DMA_FROM_DEVICE] = "from device",
	};

	strscpy(desc, names[*dir], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dmab_dir, dmab_dirs, dmab_dir_desc);

/*
 * The DMA address is the one dma-direct gives the buffer, the sync calls
 * use the mapping's own device, size and direction (DMA-API debug checks
 * them), and the unmap leaves the CPU handle as it was before the map.
 */
static void dmab_map_sync_unmap(struct kunit *test)
{
	const enum dma_data_direction *dir = test->param_value;
	struct dmab_test *t = test->priv;
	struct dmab_unmapped u;
	struct dmab_managed m;
	struct dmab body;

	u = dmab_wrap_buffer(&body, t->buf, 512);
	KUNIT_EXPECT_PTR_EQ(test, dmab_cpu_addr(u), (void *)t->buf);
	m = dmab_map(u, t->dev, *dir, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __dmab_body(m));
	KUNIT_EXPECT_NULL(test, __dmab_body(u));
	KUNIT_EXPECT_EQ(test, dmab_dma_addr(m),
			phys_to_dma(t->dev, virt_to_phys(t->buf)));
	KUNIT_EXPECT_EQ(test, dmab_size(m), 512);
	dmab_sync_for_cpu(m);
	dmab_sync_for_device(m);
	u = dmab_unmap(m);
	KUNIT_EXPECT_NULL(test, __dmab_body(m));
	KUNIT_EXPECT_PTR_EQ(test, dmab_cpu_addr(u), (void *)t->buf);
	KUNIT_EXPECT_EQ(test, dmab_size(u), 512);
}

/*
 * A borrowed mapping is never unmapped through its handle: its owner
 * unmaps it afterwards, once (DMA-API debug reports a double unmap).
 */
static void dmab_borrowed_mapping_never_unmapped(struct kunit *test)
{
	struct dmab_test *t = test->priv;
	struct dmab_mapped h;
	struct dmab body;
	dma_addr_t addr;

	addr = dma_map_single(t->dev, t->buf, 512, DMA_TO_DEVICE);
	KUNIT_ASSERT_EQ(test, dma_mapping_error(t->dev, addr), 0);
	h = dmab_wrap_mapped(&body, addr, 512);
	KUNIT_EXPECT_EQ(test, dmab_dma_addr(h), addr);
	KUNIT_EXPECT_EQ(test, dmab_size(h), 512);
	dma_unmap_single(t->dev, addr, 512, DMA_TO_DEVICE);
}

/* A failed map leaves the unmapped handle valid and unchanged. */
static void dmab_failed_map_leaves_unmapped_valid(struct kunit *test)
{
	struct dmab_test *t = test->priv;
	struct dmab body, saved;
	struct dmab_unmapped u = dmab_wrap_buffer(&body, t->buf, 512);
	struct dmab_managed m;

	saved = body;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_map_page_attrs\n");
	m = dmab_map(u, t->narrow_dev, DMA_FROM_DEVICE, 0);
	KUNIT_ASSERT_TRUE(test, dmab_is_err(m));
	KUNIT_EXPECT_EQ(test, dmab_err(m), -ENOMEM);
	KUNIT_ASSERT_NOT_NULL(test, __dmab_body(u));
	KUNIT_EXPECT_EQ(test, memcmp(&saved, &body, sizeof(body)), 0);

	m = dmab_map(u, t->dev, DMA_FROM_DEVICE, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __dmab_body(m));
	dmab_release(m);
}

/* A __free() handle unmaps when its scope ends; dmab_take() hands it on. */
static struct dmab_managed dmab_make(struct dmab_test *t, struct dmab *body)
{
	struct dmab_managed m __free(dmab_managed) =
		dmab_map_new(body, t->dev, t->buf, 512, DMA_TO_DEVICE, 0);

	return dmab_take(m);
}

static void dmab_free_scope_releases(struct kunit *test)
{
	struct dmab_test *t = test->priv;
	struct dmab body;

	{
		struct dmab_managed m __free(dmab_managed) = dmab_make(t, &body);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __dmab_body(m));
		dmab_sync_for_cpu(m);
	}
	/* Mapping the same buffer again after the scope: the first one is gone. */
	{
		struct dmab_managed m __free(dmab_managed) = dmab_make(t, &body);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __dmab_body(m));
	}
}

static struct kunit_case dmab_test_cases[] = {
	KUNIT_CASE_PARAM(dmab_map_sync_unmap, dmab_dir_gen_params),
	KUNIT_CASE(dmab_borrowed_mapping_never_unmapped),
	KUNIT_CASE(dmab_failed_map_leaves_unmapped_valid),
	KUNIT_CASE(dmab_free_scope_releases),
	{}
};

static struct kunit_suite dmab_test_suite = {
	.name = "typestate_dma_single",
	.init = dmab_test_init,
	.test_cases = dmab_test_cases,
};

kunit_test_suite(dmab_test_suite);

MODULE_DESCRIPTION("KUnit tests for the dma_single typestate API");
MODULE_LICENSE("GPL");
