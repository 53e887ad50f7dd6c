// SPDX-License-Identifier: GPL-2.0
/* Pattern c: a dma-buf importer that walks the mapped table and also
 * hands it on (as in drivers/infiniband/core/umem_dmabuf.c).  Passing the
 * table on leaves the borrowed handle valid: the walk moves.  An importer
 * that writes a member of the table is left alone. */
#include <linux/dma-buf.h>
#include <linux/typestate/sg_table.h>

struct importer {
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	unsigned int mapped;
};

int importer_map(struct importer *im)
{
	struct scatterlist *sg;
	struct sg_table *sgt;
	struct sgt sgt_body __uninitialized;
	struct sgt_borrowed_mapped sgt_h;
	int i;

	sgt = dma_buf_map_attachment(im->attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	sgt_h = sgt_borrow_mapped(&sgt_body, sgt);

	sgt_for_each_dma(sgt_h, sg, i)
		im->mapped += sg_dma_len(sg);
	im->sgt = sgt;
	return 0;
}

int importer_trim(struct importer *im, unsigned int n)
{
	struct sg_table *sgt;

	sgt = dma_buf_map_attachment(im->attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);

	if (sgt->nents > n)
		sgt->nents = n;
	im->sgt = sgt;
	return 0;
}
