// SPDX-License-Identifier: GPL-2.0
/* Shape f: an attr that matters only at the map (DMA_ATTR_NO_WARN quiets
 * its failure message) does not stop a table whose unmap passes 0, as in
 * drivers/nvme/host/pci.c; one that matters at the unmap too
 * (DMA_ATTR_SKIP_CPU_SYNC) still does. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

struct qux_iod {
	struct sgt sgt_body;
	struct sgt_borrowed_managed sgt_dma;
	struct sg_table sgt;		/* NO_WARN at the map only */
	struct sg_table meta;		/* SKIP_CPU_SYNC at the map only */
};

static int qux_map(struct device *dev, struct qux_iod *iod,
		   enum dma_data_direction dir)
{
	struct sgt_borrowed_unmapped sgt_u;
	int rc;

	sgt_u = sgt_borrow_unmapped(&iod->sgt_body, &iod->sgt);
	iod->sgt_dma = sgt_map(sgt_u, dev, dir, DMA_ATTR_NO_WARN);
	rc = sgt_err(iod->sgt_dma);
	if (rc)
		return rc;
	rc = dma_map_sgtable(dev, &iod->meta, dir,
			     DMA_ATTR_NO_WARN | DMA_ATTR_SKIP_CPU_SYNC);
	if (rc)
		goto out_unmap;
	return 0;

out_unmap:
	sgt_release_if_live(iod->sgt_dma);
	return rc;
}

static void qux_unmap(struct device *dev, struct qux_iod *iod,
		      enum dma_data_direction dir)
{
	dma_unmap_sgtable(dev, &iod->meta, dir, 0);
	sgt_release_if_live(iod->sgt_dma);
}
