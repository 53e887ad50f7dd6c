// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-written KUnit tests for <linux/typestate/sg_table.h> with real pages
 * mapped through a KUnit device on UML.
 *
 * What KUnit assertions cannot see, the harness (kernel_tests/run_kunit.py)
 * does: CONFIG_DMA_API_DEBUG reports an unmap or sync whose count or
 * direction differs from the map, a double unmap and a leaked mapping;
 * KASAN reports a table freed before it is unmapped.  Any such report fails
 * `make kunit` even when every case here passes.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/typestate/sg_table.h>
#include <linux/vmalloc.h>

#include "typestate_kunit.h"

#define NPAGES 8

struct sgt_test {
	struct device *dev;
	struct device *narrow_dev;
	struct page *pages[NPAGES];
	/* Every other page: never physically contiguous, so never merged. */
	struct page *sparse[NPAGES / 2];
};

static int sgt_test_init(struct kunit *test)
{
	struct sgt_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	t->dev = typestate_kunit_dma_device(test, "sgt-test", 0);
	/* A bus that reaches only the first 4 KiB: every map through it fails. */
	t->narrow_dev = typestate_kunit_dma_device(test, "sgt-test-narrow", DMA_BIT_MASK(12));
	typestate_kunit_alloc_pages(test, t->pages, NPAGES);
	for (i = 0; i < NPAGES / 2; i++)
		t->sparse[i] = t->pages[2 * i];
	return 0;
}

/* Layouts of data over the sparse pages, for the table-driven cases. */
struct sgt_layout {
	const char *name;
	unsigned int n_pages;
	unsigned int offset;
	unsigned long size;
};

static const struct sgt_layout sgt_layouts[] = {
	{ "one whole page", 1, 0, PAGE_SIZE },
	{ "four whole pages", 4, 0, 4 * PAGE_SIZE },
	{ "offset into the first page", 2, 100, 2 * PAGE_SIZE - 100 },
	{ "short tail in the last page", 3, 0, 2 * PAGE_SIZE + 17 },
};

static void sgt_layout_desc(const struct sgt_layout *l, char *desc)
{
	strscpy(desc, l->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sgt_layout, sgt_layouts, sgt_layout_desc);

/*
 * The (address, length) pairs sgt_for_each_dma() yields are the mapping's
 * entries, nents of them, and cover exactly the data; sgt_for_each_dma_page()
 * yields one DMA address per page, each inside its entry.
 */
static void sgt_dma_iteration_matches_mapping(struct kunit *test)
{
	const struct sgt_layout *l = test->param_value;
	struct sgt_test *t = test->priv;
	struct sg_dma_page_iter diter;
	struct scatterlist *sg, *raw_sg;
	unsigned long total = 0;
	unsigned int n = 0, pages = 0;
	struct sgt_owned body;
	int i;
	struct sgt_owned_managed h __free(sgt_owned_managed) =
		sgt_new_mapped(&body, t->dev, t->sparse, l->n_pages, l->offset, l->size,
			       DMA_BIDIRECTIONAL, 0, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(h));
	KUNIT_EXPECT_EQ(test, sgt_cpu_nents(h), l->n_pages);
	KUNIT_EXPECT_GE(test, sgt_dma_nents(h), 1U);
	KUNIT_EXPECT_LE(test, sgt_dma_nents(h), sgt_cpu_nents(h));

	raw_sg = sgt_raw(h)->sgl;
	sgt_for_each_dma(h, sg, i) {
		KUNIT_EXPECT_PTR_EQ(test, sg, raw_sg);
		KUNIT_EXPECT_NE(test, sg_dma_address(sg), DMA_MAPPING_ERROR);
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg), sg_dma_address(raw_sg));
		KUNIT_EXPECT_EQ(test, sg_dma_len(sg), sg_dma_len(raw_sg));
		total += sg_dma_len(sg);
		raw_sg = sg_next(raw_sg);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, sgt_dma_nents(h));
	KUNIT_EXPECT_EQ(test, total, l->size);

	sgt_for_each_dma_page(h, &diter, 0) {
		KUNIT_EXPECT_NE(test, sg_page_iter_dma_address(&diter), DMA_MAPPING_ERROR);
		pages++;
	}
	KUNIT_EXPECT_EQ(test, pages, l->n_pages);
}

/*
 * An IOMMU may merge entries, leaving nents < orig_nents.  Simulate that on
 * a table mapped for real: DMA walks must stop at nents, CPU walks must go
 * to orig_nents, and the release must unmap orig_nents entries (DMA-API
 * debug reports "different entry count" otherwise).
 */
static void sgt_nents_and_orig_nents_where_they_belong(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sg_page_iter piter;
	struct scatterlist *sg;
	unsigned int dma = 0, cpu = 0, cpu_pages = 0;
	struct sgt_owned body;
	int i;
	struct sgt_owned_managed h __free(sgt_owned_managed) =
		sgt_new_mapped(&body, t->dev, t->sparse, 4, 0, 4 * PAGE_SIZE,
			       DMA_TO_DEVICE, 0, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(h));
	KUNIT_ASSERT_EQ(test, sgt_cpu_nents(h), 4U);
	KUNIT_ASSERT_EQ(test, sgt_dma_nents(h), 4U);

	sgt_raw(h)->nents = 1;		/* as if an IOMMU had merged them */
	sgt_for_each_dma(h, sg, i)
		dma++;
	sgt_for_each_cpu_sg(h, sg, i)
		cpu++;
	sgt_for_each_cpu_page(h, &piter, 0)
		cpu_pages++;
	KUNIT_EXPECT_EQ(test, dma, 1U);
	KUNIT_EXPECT_EQ(test, cpu, 4U);
	KUNIT_EXPECT_EQ(test, cpu_pages, 4U);
	sgt_sync_for_cpu(h);
	sgt_sync_for_device(h);
}

/*
 * A borrowed table is never unmapped or freed through its handle: after the
 * handle is gone the owner still holds a live, mapped table, which it
 * unmaps and frees itself (a double unmap or free would be reported).
 */
static void sgt_borrowed_never_unmaps_or_frees(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sgt_borrowed_mapped h;
	struct scatterlist *sg;
	struct sg_table table;
	struct sgt body;
	unsigned int n = 0;
	int i;

	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&table, t->sparse, 4, 0,
							4 * PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, dma_map_sgtable(t->dev, &table, DMA_FROM_DEVICE, 0), 0);

	h = sgt_borrow_mapped(&body, &table);
	KUNIT_EXPECT_PTR_EQ(test, sgt_raw(h), &table);
	sgt_for_each_dma(h, sg, i)
		n++;
	KUNIT_EXPECT_EQ(test, n, table.nents);
	/* h is dropped: it has nothing to release */

	KUNIT_EXPECT_NOT_NULL(test, table.sgl);
	KUNIT_EXPECT_EQ(test, table.orig_nents, 4U);
	dma_unmap_sgtable(t->dev, &table, DMA_FROM_DEVICE, 0);
	sg_free_table(&table);
}

/*
 * Mapping a borrowed table through the handle makes the mapping ours: the
 * release unmaps it, but leaves the table to its owner.
 */
static void sgt_borrowed_managed_unmaps_only(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sgt_borrowed_unmapped u;
	struct sgt_borrowed_managed m;
	struct sg_table table;
	struct sgt body;

	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&table, t->sparse, 2, 0,
							2 * PAGE_SIZE, GFP_KERNEL), 0);
	u = sgt_borrow_unmapped(&body, &table);
	m = sgt_map(u, t->dev, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(m));
	KUNIT_EXPECT_NULL(test, __sgt_body(u));
	KUNIT_EXPECT_EQ(test, sgt_dma_dir(m), DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, body.attrs, DMA_ATTR_SKIP_CPU_SYNC);
	sgt_release(m);

	KUNIT_EXPECT_NOT_NULL(test, table.sgl);
	KUNIT_EXPECT_EQ(test, table.orig_nents, 2U);
	sg_free_table(&table);
}

/*
 * The owned release unmaps, then frees.  Done the other way round, the
 * unmap would walk a freed scatterlist and KASAN would report it.
 */
static void sgt_owned_release_unmaps_then_frees(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sgt_owned_unmapped u;
	struct sgt_owned_managed m;
	struct sgt_owned body;

	u = sgt_alloc_from_pages(&body, t->dev, t->sparse, 4, 0, 4 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(u));
	m = sgt_map(u, t->dev, DMA_BIDIRECTIONAL, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(m));
	KUNIT_EXPECT_NOT_NULL(test, body.table.sgl);
	sgt_release(m);
	KUNIT_EXPECT_NULL(test, body.table.sgl);
}

/*
 * A map forced to fail returns an ERR_PTR() and leaves the unmapped handle
 * exactly as it was; the handle then maps for real, unmaps, and is freed,
 * and nothing is leaked (DMA-API debug checks at device release).
 */
static void sgt_failed_map_leaves_unmapped_valid(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sgt_owned_managed m;
	struct sgt_owned body, saved;
	struct sgt_owned_unmapped u __free(sgt_owned_unmapped) =
		sgt_alloc_from_pages(&body, t->dev, t->sparse, 4, 0, 4 * PAGE_SIZE,
				     GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(u));
	saved = body;
	kunit_info(test, "typestate-expect-warning: kernel/dma/direct\\.h:\\d+ dma_direct_map_sg\n");
	m = sgt_map(u, t->narrow_dev, DMA_TO_DEVICE, 0);
	KUNIT_ASSERT_TRUE(test, sgt_is_err(m));
	KUNIT_EXPECT_EQ(test, sgt_err(m), -EIO);
	KUNIT_ASSERT_NOT_NULL(test, __sgt_body(u));
	KUNIT_EXPECT_EQ(test, memcmp(&saved, &body, sizeof(body)), 0);

	m = sgt_map(u, t->dev, DMA_TO_DEVICE, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(m));
	KUNIT_EXPECT_NULL(test, __sgt_body(u));
	u = sgt_unmap(m);
	KUNIT_EXPECT_NULL(test, __sgt_body(m));
	KUNIT_EXPECT_PTR_EQ(test, __sgt_body(u), &body);
}

/* A __free() handle is released when its scope ends, mapping and table. */
static void sgt_free_scope_releases(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sgt_owned body;

	{
		struct sgt_owned_managed h __free(sgt_owned_managed) =
			sgt_new_mapped(&body, t->dev, t->sparse, 3, 0, 3 * PAGE_SIZE,
				       DMA_FROM_DEVICE, 0, GFP_KERNEL);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(h));
		KUNIT_EXPECT_NOT_NULL(test, body.table.sgl);
	}
	KUNIT_EXPECT_NULL(test, body.table.sgl);
}

/* sgt_take() hands the handle on: no release at scope exit. */
static struct sgt_owned_unmapped sgt_make(struct sgt_test *t, struct sgt_owned *body)
{
	struct sgt_owned_unmapped h __free(sgt_owned_unmapped) =
		sgt_alloc_from_pages(body, t->dev, t->sparse, 2, 0, 2 * PAGE_SIZE,
				     GFP_KERNEL);

	return sgt_take(h);
}

static void sgt_take_hands_on(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sgt_owned body;
	struct sgt_owned_unmapped h = sgt_make(t, &body);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(h));
	KUNIT_EXPECT_NOT_NULL(test, body.table.sgl);
	KUNIT_EXPECT_EQ(test, sgt_cpu_nents(h), 2U);
	sgt_release(h);
}

/*
 * Syncing a managed mapping uses its own device, direction and orig_nents;
 * DMA-API debug checks each sync against the map.  Data written by the CPU
 * is in the pages the entries point to.
 */
static void sgt_sync_managed_mapping(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sg_page_iter piter;
	struct sgt_owned body;
	u8 *p;
	struct sgt_owned_managed h __free(sgt_owned_managed) =
		sgt_new_mapped(&body, t->dev, t->sparse, 2, 0, 2 * PAGE_SIZE,
			       DMA_BIDIRECTIONAL, 0, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(h));
	sgt_sync_for_cpu(h);
	sgt_for_each_cpu_page(h, &piter, 0) {
		p = page_address(sg_page_iter_page(&piter));
		memset(p, 0xa5, PAGE_SIZE);
	}
	sgt_sync_for_device(h);
	sgt_sync_for_cpu(h);
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(t->sparse[1]))[PAGE_SIZE - 1], 0xa5);
}

/* A vmalloc'd buffer: the CPU pages are the ones behind the buffer. */
static void sgt_vmalloc_buffer(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sg_page_iter piter;
	unsigned long len = 3 * PAGE_SIZE - 200;
	unsigned int k = 0;
	struct sgt_owned body;
	void *buf = vmalloc(3 * PAGE_SIZE);
	struct sgt_owned_unmapped h;
	struct sgt_owned_managed m;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	h = sgt_alloc_from_vmalloc(&body, t->dev, buf + 100, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(h));
	KUNIT_EXPECT_EQ(test, sgt_raw(h)->sgl->offset, 100U);
	sgt_for_each_cpu_page(h, &piter, 0) {
		KUNIT_EXPECT_PTR_EQ(test, sg_page_iter_page(&piter),
				    vmalloc_to_page(buf + k * PAGE_SIZE));
		k++;
	}
	KUNIT_EXPECT_EQ(test, k, 3U);
	m = sgt_map(h, t->dev, DMA_TO_DEVICE, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __sgt_body(m));
	sgt_release(m);

	KUNIT_EXPECT_EQ(test, sgt_err(sgt_alloc_from_vmalloc(&body, t->dev, t, 8,
							     GFP_KERNEL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, sgt_err(sgt_alloc_from_vmalloc(&body, t->dev, buf, 0,
							     GFP_KERNEL)), -EINVAL);
	vfree(buf);
}

/* Empty page lists are refused, as in the Rust API. */
static void sgt_empty_page_list_refused(struct kunit *test)
{
	struct sgt_test *t = test->priv;
	struct sgt_owned body;

	KUNIT_EXPECT_EQ(test, sgt_err(sgt_alloc_from_pages(&body, t->dev, t->sparse, 0, 0, 0,
							   GFP_KERNEL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, sgt_err(sgt_new_mapped(&body, t->dev, t->sparse, 0, 0, 0,
						     DMA_TO_DEVICE, 0, GFP_KERNEL)), -EINVAL);
}

static struct kunit_case sgt_test_cases[] = {
	KUNIT_CASE_PARAM(sgt_dma_iteration_matches_mapping, sgt_layout_gen_params),
	KUNIT_CASE(sgt_nents_and_orig_nents_where_they_belong),
	KUNIT_CASE(sgt_borrowed_never_unmaps_or_frees),
	KUNIT_CASE(sgt_borrowed_managed_unmaps_only),
	KUNIT_CASE(sgt_owned_release_unmaps_then_frees),
	KUNIT_CASE(sgt_failed_map_leaves_unmapped_valid),
	KUNIT_CASE(sgt_free_scope_releases),
	KUNIT_CASE(sgt_take_hands_on),
	KUNIT_CASE(sgt_sync_managed_mapping),
	KUNIT_CASE(sgt_vmalloc_buffer),
	KUNIT_CASE(sgt_empty_page_list_refused),
	{}
};

static struct kunit_suite sgt_test_suite = {
	.name = "typestate_sg_table",
	.init = sgt_test_init,
	.test_cases = sgt_test_cases,
};

kunit_test_suite(sgt_test_suite);

MODULE_DESCRIPTION("KUnit tests for the sg_table typestate API");
MODULE_LICENSE("GPL");
