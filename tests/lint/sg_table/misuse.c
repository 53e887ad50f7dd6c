// SPDX-License-Identifier: GPL-2.0
/*
 * Lint fixture: each marked line is a misuse the generated lint for the
 * sg_table spec must report, with the marked words in its message; no other
 * line may be reported.  Never built: the lint reads it.
 */
#include <linux/dma-mapping.h>
#include <linux/typestate/sg_table.h>

/* A handle used after the transition that consumed it succeeded. */
static int use_after_map(struct device *dev, struct page **pages)
{
	struct sgt_owned body;
	struct sgt_owned_unmapped u;
	struct sgt_owned_managed m;

	u = sgt_alloc_from_pages(&body, dev, pages, 4, 0, 4 * PAGE_SIZE, GFP_KERNEL);
	if (sgt_is_err(u))
		return sgt_err(u);
	m = sgt_map(u, dev, DMA_TO_DEVICE, 0);
	if (sgt_is_err(m)) {
		sgt_release(u);
		return sgt_err(m);
	}
	pr_info("%u\n", sgt_cpu_nents(u)); /* expect: use of u after sgt_map() */
	sgt_release(m);
	return 0;
}

/* A handle used after a transition whose result nobody tested. */
static void use_before_knowing(struct sgt_owned_managed m)
{
	struct sgt_owned_unmapped u = sgt_unmap(m);

	sgt_sync_for_cpu(m); /* expect: use of m after sgt_unmap() on line 33 consumed it$ */
	sgt_release(u);
}

/* Released, then used; released twice. */
static void after_release(struct sgt_owned_managed m, struct sgt_owned_unmapped u)
{
	sgt_release(m);
	pr_info("%u\n", sgt_dma_nents(m)); /* expect: use of m after sgt_release() */
	sgt_release(u);
	sgt_release(u); /* expect: double release of u */
}

/* Moved out with sgt_take(), then used. */
static struct sgt_owned_managed after_take(struct sgt_owned_managed m)
{
	struct sgt_owned_managed out = sgt_take(m);

	sgt_sync_for_device(m); /* expect: use of m after sgt_take() on line 51 moved it out */
	return out;
}

/* A copy released after the original was mapped: freed while mapped. */
static int copy_after_move(struct device *dev, struct sgt_owned_unmapped u)
{
	struct sgt_owned_unmapped c = u;
	struct sgt_owned_managed m;

	m = sgt_map(u, dev, DMA_TO_DEVICE, 0);
	if (sgt_is_err(m))
		return sgt_err(m);
	sgt_release(c); /* expect: c is a copy of u, which line 63 moved on */
	sgt_release(m);
	return 0;
}

/* The original used after its copy was released. */
static void original_after_copy(struct sgt_owned_unmapped u)
{
	struct sgt_owned_unmapped c;

	c = u;
	sgt_release(c);
	pr_info("%u\n", sgt_cpu_nents(u)); /* expect: u is a copy of c, which line 77 moved on */
}

/* A __free() handle returned whole: released as the caller gets it. */
static struct sgt_owned_unmapped free_return(struct device *dev, struct page **pages,
					      struct sgt_owned *body)
{
	struct sgt_owned_unmapped u __free(sgt_owned_unmapped) =
		sgt_alloc_from_pages(body, dev, pages, 4, 0, 4 * PAGE_SIZE, GFP_KERNEL);

	if (sgt_is_err(u))
		return sgt_take(u);
	return u; /* expect: u is declared __free(sgt_owned_unmapped) */
}

/* A result ignored: the mapping is lost. */
static void ignored(struct device *dev, struct sgt_owned_unmapped u)
{
	sgt_map(u, dev, DMA_TO_DEVICE, 0); /* expect: result of sgt_map() ignored */
}

/* A result used before its error test. */
static unsigned int untested(struct device *dev, struct sgt_owned_unmapped u)
{
	struct sgt_owned_managed m = sgt_map(u, dev, DMA_TO_DEVICE, 0);
	unsigned int n = sgt_dma_nents(m); /* expect: m from sgt_map() on line 102 used before */

	if (sgt_is_err(m))
		return 0;
	sgt_release(m);
	return n;
}

/* The raw API unmapping and freeing behind the handle. */
static void raw_calls(struct device *dev, struct sgt_owned_managed m,
		      struct sgt_borrowed_unmapped b)
{
	struct sg_table *t;

	dma_unmap_sgtable(dev, sgt_raw(m), DMA_TO_DEVICE, 0); /* expect: dma_unmap_sgtable() on sgt_raw(m), which holds the dma_mapping */
	sg_free_table(sgt_raw(m)); /* expect: sg_free_table() on sgt_raw(m), which holds the table */
	dma_map_sgtable(dev, sgt_raw(b), DMA_TO_DEVICE, 0); /* expect: dma_map_sgtable() on sgt_raw(b): the handle does not know */
	t = sgt_raw(m);
	sg_free_table(t); /* expect: sg_free_table() on t, which is sgt_raw(m) from line 120 */
	sgt_release(m);
}

/* The source of a map read before anyone knows whether the map succeeded. */
static void map_then_read(struct device *dev, struct sgt_owned_unmapped u)
{
	struct sgt_owned_managed m = sgt_map(u, dev, DMA_TO_DEVICE, 0);

	pr_info("%u\n", sgt_cpu_nents(u)); /* expect: use of u after sgt_map() on line 128 consumed it, before its result was tested */
	sgt_release(m); /* expect: m from sgt_map() on line 128 used before sgt_is_err() or sgt_err() tested it */
}

/* A table mapped and walked, then given back on one path only: leaked. */
static int leak_after_walk(struct sgt_owned *body, struct device *dev,
			   struct page **pages, bool keep)
{
	struct sgt_owned_unmapped u;

	u = sgt_alloc_from_pages(body, dev, pages, 4, 0, 4 * PAGE_SIZE, GFP_KERNEL);
	if (sgt_is_err(u))
		return sgt_err(u);
	pr_info("%u\n", sgt_cpu_nents(u)); /* expect: u from sgt_alloc_from_pages() on line 140 still holds what it acquired when leak_after_walk() returns */
	if (keep)
		return 0;
	sgt_release(u);
	return 0;
}
