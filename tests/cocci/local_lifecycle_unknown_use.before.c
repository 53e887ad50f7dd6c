// SPDX-License-Identifier: GPL-2.0
/* Pattern a, but the table is also handed to a helper: left unchanged. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

void program(struct sg_table *t);

int push_pages(struct device *dev, struct page **pages, unsigned int n)
{
	struct sg_table sgt;
	int err;

	err = sg_alloc_table_from_pages(&sgt, pages, n, 0, n * PAGE_SIZE,
					GFP_KERNEL);
	if (err)
		return err;
	err = dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	if (err)
		goto out_free;
	program(&sgt);
	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
out_free:
	sg_free_table(&sgt);
	return err;
}
