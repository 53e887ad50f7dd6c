// SPDX-License-Identifier: GPL-2.0
/*
 * Lint fixture: legal uses of the sg_table handles, each close to a misuse
 * the lint reports; the lint must report nothing here.  Never built.
 */
#include <linux/dma-mapping.h>
#include <linux/typestate/sg_table.h>

/* After a failed transition the source is still valid, and released. */
static int map_or_release(struct device *dev, struct page **pages,
			  struct sgt_owned *body, struct sgt_owned_managed *out)
{
	struct sgt_owned_unmapped u;
	struct sgt_owned_managed m;
	int ret;

	u = sgt_alloc_from_pages(body, dev, pages, 4, 0, 4 * PAGE_SIZE, GFP_KERNEL);
	ret = sgt_err(u);
	if (ret)
		return ret;
	m = sgt_map(u, dev, DMA_TO_DEVICE, 0);
	if (sgt_is_err(m))
		goto fail;
	*out = m;
	return 0;
fail:
	pr_info("%u entries\n", sgt_cpu_nents(u));
	sgt_release(u);
	return sgt_err(m);
}

/* The error tested in the same expression that uses the result. */
static int nents_or_error(struct device *dev, struct sgt_borrowed_unmapped b,
			  struct sgt_borrowed_managed *out)
{
	struct sgt_borrowed_managed m = sgt_map(b, dev, DMA_FROM_DEVICE, 0);
	int n = sgt_err(m) ?: sgt_dma_nents(m);

	*out = m;
	return n;
}

/* A __free() handle handed on with sgt_take(), or released at scope exit. */
static struct sgt_owned_unmapped make(struct device *dev, struct page **pages,
				      struct sgt_owned *body, bool keep)
{
	struct sgt_owned_unmapped u __free(sgt_owned_unmapped) =
		sgt_alloc_from_pages(body, dev, pages, 4, 0, 4 * PAGE_SIZE, GFP_KERNEL);

	if (sgt_is_err(u) || !keep)
		return sgt_take(u);
	pr_info("%u entries\n", sgt_cpu_nents(u));
	return sgt_take(u);
}

/* An error result returned untested: the caller tests it. */
static struct sgt_owned_managed map_for(struct device *dev, struct sgt_owned_unmapped *u)
{
	struct sgt_owned_managed m = sgt_map(*u, dev, DMA_TO_DEVICE, 0);

	return m;
}

/* Released, then given a new value and used again. */
static void reuse(struct device *dev, struct page **pages, struct sgt_owned *body)
{
	struct sgt_owned_unmapped u;
	int i;

	for (i = 0; i < 2; i++) {
		u = sgt_alloc_from_pages(body, dev, pages, 4, 0, 4 * PAGE_SIZE,
					 GFP_KERNEL);
		if (sgt_is_err(u))
			return;
		pr_info("%u entries\n", sgt_cpu_nents(u));
		sgt_release(u);
	}
}

/* Handles in an array, released in a loop. */
static void release_all(struct sgt_owned_managed *hs, int n)
{
	while (n--)
		sgt_release(hs[n]);
}

/* A copy used only while the original is alive; raw calls the handle allows. */
static void copies(struct device *dev, struct sgt_owned_managed m)
{
	struct sgt_owned_managed c = m;
	struct sg_table *t = sgt_raw(c);

	dma_sync_sgtable_for_cpu(dev, t, DMA_TO_DEVICE);
	sgt_sync_for_device(c);
	sgt_release(m);
}

/* sgt_unmap() never fails: its result needs no test. */
static void unmap_then_release(struct sgt_owned_managed m)
{
	struct sgt_owned_unmapped u = sgt_unmap(m);

	sgt_release(u);
}

/* Handles reached through a pointer that each loop pass takes anew (sa2ul). */
struct mapped {
	bool mapped;
	struct sgt_owned_managed h;
};

static void release_each(struct mapped *ms, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct mapped *m = &ms[i];

		if (m->mapped) {
			sgt_sync_for_cpu(m->h);
			sgt_release(m->h);
		}
	}
}

/* A handle declared in a loop body, released at its end. */
static void per_pass(struct device *dev, struct page **pages, struct sgt_owned *body, int n)
{
	while (n--) {
		struct sgt_owned_unmapped u =
			sgt_alloc_from_pages(body, dev, pages, 4, 0, 4 * PAGE_SIZE, GFP_KERNEL);

		if (sgt_is_err(u))
			return;
		pr_info("%u entries\n", sgt_cpu_nents(u));
		sgt_release(u);
	}
}

/* Released through a pointer taken anew in each pass, and nothing else. */
static void release_only(struct mapped *ms, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct mapped *m = &ms[i];

		if (m->mapped)
			sgt_release(m->h);
	}
}
