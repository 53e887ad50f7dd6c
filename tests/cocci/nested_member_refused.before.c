// SPDX-License-Identifier: GPL-2.0
/* Nested members left alone, each with the reason, at its map. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct nest_leak {
	struct sg_append_table table;
	struct device *dev;
};

/* Never unmapped in the files scanned. */
static int nest_leak_map(struct nest_leak *l)
{
	return dma_map_sgtable(l->dev, &l->table.sgt, DMA_TO_DEVICE, 0); /* expect: never passed to dma_unmap_sgtable() */
}

struct nest_alias {
	struct sg_append_table table;
	struct device *dev;
};

static int nest_alias_map(struct nest_alias *a)
{
	return dma_map_sgtable(a->dev, &a->table.sgt, DMA_TO_DEVICE, 0); /* expect: line 29 reaches table.sgt */
}

static void nest_alias_unmap(struct nest_alias *a)
{
	struct sg_table *sgt = &a->table.sgt;

	dma_unmap_sgtable(a->dev, sgt, DMA_TO_DEVICE, 0);
}

struct nest_attrs {
	struct sg_append_table table;
	struct device *dev;
};

static int nest_attrs_map(struct nest_attrs *n)
{
	return dma_map_sgtable(n->dev, &n->table.sgt, DMA_TO_DEVICE, 0); /* expect: different attrs */
}

static void nest_attrs_unmap(struct nest_attrs *n)
{
	dma_unmap_sgtable(n->dev, &n->table.sgt, DMA_TO_DEVICE,
			  DMA_ATTR_SKIP_CPU_SYNC);
}
