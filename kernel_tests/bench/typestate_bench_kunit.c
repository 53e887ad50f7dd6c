// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit benchmark: the generated typestate handles against the raw DMA API.
 *
 * Each case does the same DMA work twice, once through the raw calls and
 * once through the generated handles, in batches of @iters iterations, for
 * @rounds rounds.  The two alternate, and which one goes first alternates
 * from round to round, so that drift on the host (UML is a host process)
 * falls on both alike.  Every round is printed as
 *
 *   typestate-bench: <case> round=<r> raw_ns=<ns> gen_ns=<ns> iters=<n>
 *
 * and the case ends with
 *
 *   typestate-bench: <case> median_raw_ns=<ns> median_gen_ns=<ns>
 *   median_ratio_x10000=<generated/raw x 10000>
 *
 * on one line.  typestate-gen's `make bench` (bench/run.py) parses them.
 * The cases assert only what the work must produce (a mapping with DMA
 * entries, the same DMA addresses both ways), never a time.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/typestate/dma_single.h>
#include <linux/typestate/sg_table.h>

#include "typestate_kunit.h"

#define BENCH_MAX_ROUNDS 255
#define BENCH_NPAGES 4

static unsigned int rounds = 31;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds of each case, each timing both APIs (at most 255)");

static unsigned int iters = 100000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "iterations per API per round");

/**
 * typedef bench_fn - one batch of the work, through one API
 * @ctx: the case's fixture
 * @n: iterations
 * @sum: set to a checksum of the DMA addresses and lengths seen
 *
 * Return: 0, or the errno of a failed mapping.
 */
typedef int (*bench_fn)(void *ctx, unsigned int n, u64 *sum);

struct bench_sgt {
	struct device *dev;
	struct sg_table table;
	struct page *pages[2 * BENCH_NPAGES];
};

struct bench_single {
	struct device *dev;
	void *buf;
};

/*
 * The raw calls: map, walk the DMA entries, sync both ways, unmap, as a
 * driver that gets the counts right writes them.
 */
static noinline int bench_sgt_raw(void *ctx, unsigned int n, u64 *sum)
{
	struct bench_sgt *b = ctx;
	struct scatterlist *sg;
	u64 acc = 0;
	int i, ret;

	while (n--) {
		ret = dma_map_sgtable(b->dev, &b->table, DMA_BIDIRECTIONAL, 0);
		if (ret)
			return ret;
		for_each_sgtable_dma_sg(&b->table, sg, i)
			acc += sg_dma_address(sg) + sg_dma_len(sg);
		dma_sync_sgtable_for_cpu(b->dev, &b->table, DMA_BIDIRECTIONAL);
		dma_sync_sgtable_for_device(b->dev, &b->table, DMA_BIDIRECTIONAL);
		dma_unmap_sgtable(b->dev, &b->table, DMA_BIDIRECTIONAL, 0);
	}
	*sum = acc;
	return 0;
}

/* The same work through the handles of <linux/typestate/sg_table.h>. */
static noinline int bench_sgt_gen(void *ctx, unsigned int n, u64 *sum)
{
	struct bench_sgt *b = ctx;
	struct sgt_borrowed_unmapped u;
	struct sgt_borrowed_managed m;
	struct scatterlist *sg;
	struct sgt body __uninitialized;
	u64 acc = 0;
	int i;

	while (n--) {
		u = sgt_borrow_unmapped(&body, &b->table);
		m = sgt_map(u, b->dev, DMA_BIDIRECTIONAL, 0);
		if (sgt_is_err(m))
			return sgt_err(m);
		sgt_for_each_dma(m, sg, i)
			acc += sg_dma_address(sg) + sg_dma_len(sg);
		sgt_sync_for_cpu(m);
		sgt_sync_for_device(m);
		u = sgt_unmap(m);
	}
	*sum = acc;
	return 0;
}

static noinline int bench_single_raw(void *ctx, unsigned int n, u64 *sum)
{
	struct bench_single *b = ctx;
	dma_addr_t addr;
	u64 acc = 0;

	while (n--) {
		addr = dma_map_single_attrs(b->dev, b->buf, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
		if (dma_mapping_error(b->dev, addr))
			return -ENOMEM;
		acc += addr;
		dma_sync_single_for_cpu(b->dev, addr, PAGE_SIZE, DMA_BIDIRECTIONAL);
		dma_sync_single_for_device(b->dev, addr, PAGE_SIZE, DMA_BIDIRECTIONAL);
		dma_unmap_single_attrs(b->dev, addr, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	}
	*sum = acc;
	return 0;
}

/* The same work through the handles of <linux/typestate/dma_single.h>. */
static noinline int bench_single_gen(void *ctx, unsigned int n, u64 *sum)
{
	struct bench_single *b = ctx;
	struct dmab_unmapped u;
	struct dmab_managed m;
	struct dmab body __uninitialized;
	u64 acc = 0;

	while (n--) {
		u = dmab_wrap_buffer(&body, b->buf, PAGE_SIZE);
		m = dmab_map(u, b->dev, DMA_BIDIRECTIONAL, 0);
		if (dmab_is_err(m))
			return dmab_err(m);
		acc += dmab_dma_addr(m);
		dmab_sync_for_cpu(m);
		dmab_sync_for_device(m);
		u = dmab_unmap(m);
	}
	*sum = acc;
	return 0;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), bench_cmp_u64, NULL);
	return v[n / 2];
}

/* One timed batch; the test fails if the work fails. */
static u64 bench_batch(struct kunit *test, bench_fn fn, void *ctx, u64 *sum)
{
	u64 t0 = ktime_get_ns();
	int ret = fn(ctx, iters, sum);
	u64 t = ktime_get_ns() - t0;

	KUNIT_ASSERT_EQ(test, ret, 0);
	return t;
}

/**
 * bench_run() - time the raw and the generated version of one piece of work
 * @test: the running case
 * @name: name of the case in the output lines
 * @raw: the work through the raw DMA API
 * @gen: the same work through the generated handles
 * @ctx: fixture passed to both
 *
 * Runs one untimed batch of each, then @rounds rounds of one timed batch of
 * each, alternating which goes first, and prints every round and the medians.
 * The two must see the same DMA addresses and lengths.
 */
static void bench_run(struct kunit *test, const char *name, bench_fn raw, bench_fn gen,
		      void *ctx)
{
	unsigned int n = clamp(rounds, 1U, BENCH_MAX_ROUNDS), r;
	u64 *raw_ns, *gen_ns, *ratio, sum_raw, sum_gen;

	raw_ns = kunit_kcalloc(test, n, sizeof(*raw_ns), GFP_KERNEL);
	gen_ns = kunit_kcalloc(test, n, sizeof(*gen_ns), GFP_KERNEL);
	ratio = kunit_kcalloc(test, n, sizeof(*ratio), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, raw_ns);
	KUNIT_ASSERT_NOT_NULL(test, gen_ns);
	KUNIT_ASSERT_NOT_NULL(test, ratio);
	KUNIT_ASSERT_GT(test, iters, 0U);

	bench_batch(test, raw, ctx, &sum_raw);
	bench_batch(test, gen, ctx, &sum_gen);
	KUNIT_ASSERT_NE(test, sum_raw, 0ULL);
	KUNIT_ASSERT_EQ(test, sum_raw, sum_gen);

	for (r = 0; r < n; r++) {
		if (r & 1) {
			gen_ns[r] = bench_batch(test, gen, ctx, &sum_gen);
			raw_ns[r] = bench_batch(test, raw, ctx, &sum_raw);
		} else {
			raw_ns[r] = bench_batch(test, raw, ctx, &sum_raw);
			gen_ns[r] = bench_batch(test, gen, ctx, &sum_gen);
		}
		KUNIT_EXPECT_EQ(test, sum_raw, sum_gen);
		ratio[r] = div64_u64(gen_ns[r] * 10000, max(raw_ns[r], 1ULL));
		kunit_info(test, "typestate-bench: %s round=%u raw_ns=%llu gen_ns=%llu iters=%u\n",
			   name, r, raw_ns[r], gen_ns[r], iters);
	}
	kunit_info(test,
		   "typestate-bench: %s median_raw_ns=%llu median_gen_ns=%llu median_ratio_x10000=%llu\n",
		   name, bench_median(raw_ns, n), bench_median(gen_ns, n), bench_median(ratio, n));
}

static void bench_sgt_free(void *ctx)
{
	struct bench_sgt *b = ctx;
	int i;

	sg_free_table(&b->table);
	for (i = 0; i < 2 * BENCH_NPAGES; i++)
		if (b->pages[i])
			__free_page(b->pages[i]);
}

/*
 * Map, walk the DMA entries, sync for the CPU and for the device, and unmap
 * a table of four pages that are not physically contiguous, so that the
 * mapping has four entries.
 */
static void typestate_bench_sg_table(struct kunit *test)
{
	struct bench_sgt *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct page *every_other[BENCH_NPAGES];
	int i, ret;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bench_sgt_free, b), 0);
	b->dev = typestate_kunit_dma_device(test, "typestate-bench-sgt", 0);
	for (i = 0; i < 2 * BENCH_NPAGES; i++) {
		b->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, b->pages[i]);
	}
	for (i = 0; i < BENCH_NPAGES; i++)
		every_other[i] = b->pages[2 * i];
	ret = sg_alloc_table_from_pages(&b->table, every_other, BENCH_NPAGES, 0,
					BENCH_NPAGES * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, b->table.orig_nents, BENCH_NPAGES);

	ret = dma_map_sgtable(b->dev, &b->table, DMA_BIDIRECTIONAL, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_GT(test, b->table.nents, 0U);
	dma_unmap_sgtable(b->dev, &b->table, DMA_BIDIRECTIONAL, 0);

	bench_run(test, "sg_table", bench_sgt_raw, bench_sgt_gen, b);
}

/* Map one page-sized kmalloc() buffer, sync both ways and unmap it. */
static void typestate_bench_dma_single(struct kunit *test)
{
	struct bench_single *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->dev = typestate_kunit_dma_device(test, "typestate-bench-single", 0);
	b->buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->buf);
	bench_run(test, "dma_single", bench_single_raw, bench_single_gen, b);
}

static struct kunit_case typestate_bench_cases[] = {
	KUNIT_CASE_SLOW(typestate_bench_sg_table),
	KUNIT_CASE_SLOW(typestate_bench_dma_single),
	{}
};

static struct kunit_suite typestate_bench_suite = {
	.name = "typestate_bench",
	.test_cases = typestate_bench_cases,
};

kunit_test_suite(typestate_bench_suite);

MODULE_DESCRIPTION("KUnit benchmark: generated typestate APIs against the raw DMA API");
MODULE_LICENSE("GPL");
