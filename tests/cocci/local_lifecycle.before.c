// SPDX-License-Identifier: GPL-2.0
/* Pattern a: the whole lifecycle of a table in one function (as in
 * drivers/vfio/pci/pds/dirty.c). */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

static int push_pages(struct device *dev, struct page **pages, unsigned int n,
		      u64 *descs)
{
	struct sg_table sgt;
	struct scatterlist *sg;
	int err, i;

	err = sg_alloc_table_from_pages(&sgt, pages, n, 0, n * PAGE_SIZE,
					GFP_KERNEL);
	if (err)
		return err;

	err = dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	if (err)
		goto out_free;

	for_each_sgtable_dma_sg(&sgt, sg, i)
		descs[i] = sg_dma_address(sg);
	err = sgt.nents;

	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
out_free:
	sg_free_table(&sgt);
	return err;
}
