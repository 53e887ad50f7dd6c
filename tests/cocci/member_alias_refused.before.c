// SPDX-License-Identifier: GPL-2.0
/* Members the alias shape leaves alone, with the reason: one mapped
 * through an alias and unmapped through a pointer the caller gives back
 * (an exporter's unmap_dma_buf callback, as in
 * drivers/dma-buf/heaps/cma_heap.c), one never unmapped. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct exp_attachment {
	struct device *dev;
	struct sg_table table;
};

struct leak {
	struct device *dev;
	struct sg_table table;
};

static struct sg_table *exp_map(struct exp_attachment *a,
				enum dma_data_direction dir)
{
	struct sg_table *table = &a->table;

	if (dma_map_sgtable(a->dev, table, dir, 0))
		return ERR_PTR(-ENOMEM);
	return table;
}

static void exp_unmap(struct exp_attachment *a, struct sg_table *table,
		      enum dma_data_direction dir)
{
	dma_unmap_sgtable(a->dev, table, dir, 0);
}

static int leak_map(struct leak *l)
{
	int ret;

	ret = dma_map_sgtable(l->dev, &l->table, DMA_TO_DEVICE, 0);
	return ret;
}

/* A local set from the member on one path and from elsewhere on another. */
struct two {
	struct device *dev;
	struct sg_table a;
	struct sg_table *other;
};

static int two_map(struct two *t, bool which)
{
	struct sg_table *sgt = &t->a;

	if (!which)
		sgt = t->other;
	if (dma_map_sgtable(t->dev, sgt, DMA_TO_DEVICE, 0))
		return -EIO;
	return 0;
}

static void two_unmap(struct two *t)
{
	dma_unmap_sgtable(t->dev, &t->a, DMA_TO_DEVICE, 0);
}
