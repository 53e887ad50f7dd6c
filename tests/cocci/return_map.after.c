// SPDX-License-Identifier: GPL-2.0
/* Shape e for a member: the map's result returned as it is (as in
 * drivers/gpu/drm/vmwgfx/vmwgfx_ttm_buffer.c).  kernel_tests/migrated_kunit.c
 * runs the rewritten functions on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

struct foo_tt {
	struct device *dev;
	struct sgt sgt_body;
	struct sgt_borrowed_managed sgt_dma;
	struct sg_table sgt;
};

static int foo_tt_map(struct foo_tt *tt)
{
	struct sgt_borrowed_unmapped sgt_u;
	struct device *dev = tt->dev;

	sgt_u = sgt_borrow_unmapped(&tt->sgt_body, &tt->sgt);
	tt->sgt_dma = sgt_map(sgt_u, dev, DMA_BIDIRECTIONAL, 0);
	return sgt_err(tt->sgt_dma);
}

/* Its local device is used by the unmap alone: it goes with the call. */
static void foo_tt_unmap(struct foo_tt *tt)
{
	sgt_release_if_live(tt->sgt_dma);
}
