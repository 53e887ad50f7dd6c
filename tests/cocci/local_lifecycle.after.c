// SPDX-License-Identifier: GPL-2.0
/* Pattern a: the whole lifecycle of a table in one function (as in
 * drivers/vfio/pci/pds/dirty.c). */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

static int push_pages(struct device *dev, struct page **pages, unsigned int n,
		      u64 *descs)
{
	struct sgt_owned sgt_body __uninitialized;
	struct sgt_owned_unmapped sgt_u;
	struct sgt_owned_managed sgt_m;
	struct scatterlist *sg;
	int err, i;

	sgt_u = sgt_alloc_from_pages(&sgt_body, dev, pages, n, 0,
				     n * PAGE_SIZE, GFP_KERNEL);
	err = sgt_err(sgt_u);
	if (err)
		return err;

	sgt_m = sgt_map(sgt_u, dev, DMA_TO_DEVICE, 0);
	err = sgt_err(sgt_m);
	if (err)
		goto out_free;

	sgt_for_each_dma(sgt_m, sg, i)
		descs[i] = sg_dma_address(sg);
	err = sgt_dma_nents(sgt_m);

	sgt_u = sgt_unmap(sgt_m);
out_free:
	sgt_release(sgt_u);
	return err;
}
