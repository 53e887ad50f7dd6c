// SPDX-License-Identifier: GPL-2.0
/* Shape f: an attr that matters only at the map (DMA_ATTR_NO_WARN quiets
 * its failure message) does not stop a table whose unmap passes 0, as in
 * drivers/nvme/host/pci.c; one that matters at the unmap too
 * (DMA_ATTR_SKIP_CPU_SYNC) still does. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct qux_iod {
	struct sg_table sgt;		/* NO_WARN at the map only */
	struct sg_table meta;		/* SKIP_CPU_SYNC at the map only */
};

static int qux_map(struct device *dev, struct qux_iod *iod,
		   enum dma_data_direction dir)
{
	int rc;

	rc = dma_map_sgtable(dev, &iod->sgt, dir, DMA_ATTR_NO_WARN);
	if (rc)
		return rc;
	rc = dma_map_sgtable(dev, &iod->meta, dir,
			     DMA_ATTR_NO_WARN | DMA_ATTR_SKIP_CPU_SYNC);
	if (rc)
		goto out_unmap;
	return 0;

out_unmap:
	dma_unmap_sgtable(dev, &iod->sgt, dir, 0);
	return rc;
}

static void qux_unmap(struct device *dev, struct qux_iod *iod,
		      enum dma_data_direction dir)
{
	dma_unmap_sgtable(dev, &iod->meta, dir, 0);
	dma_unmap_sgtable(dev, &iod->sgt, dir, 0);
}
