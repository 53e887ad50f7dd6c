// SPDX-License-Identifier: GPL-2.0
/* Shape e for a member: the map's result returned as it is (as in
 * drivers/gpu/drm/vmwgfx/vmwgfx_ttm_buffer.c).  kernel_tests/migrated_kunit.c
 * runs the rewritten functions on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct foo_tt {
	struct device *dev;
	struct sg_table sgt;
};

static int foo_tt_map(struct foo_tt *tt)
{
	struct device *dev = tt->dev;

	return dma_map_sgtable(dev, &tt->sgt, DMA_BIDIRECTIONAL, 0);
}

static void foo_tt_unmap(struct foo_tt *tt)
{
	dma_unmap_sgtable(tt->dev, &tt->sgt, DMA_BIDIRECTIONAL, 0);
}
