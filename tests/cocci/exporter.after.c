// SPDX-License-Identifier: GPL-2.0
/* Shape c, an exporter: .map_dma_buf maps a table of the attachment's
 * private data and returns it; the dma-buf core gives it back to
 * .unmap_dma_buf as a parameter (as in drivers/dma-buf/heaps/cma_heap.c).
 * The spec's given_back names that contract, so the unmap of the
 * parameter is the release of the handle stored beside the table. */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

struct exp_attachment {
	struct device *dev;
	struct sgt table_body;
	struct sgt_borrowed_managed table_dma;
	struct sg_table table;
	bool mapped;
};

static struct sg_table *exp_map_dma_buf(struct dma_buf_attachment *attachment,
					enum dma_data_direction direction)
{
	struct sgt_borrowed_unmapped table_u;
	struct exp_attachment *a = attachment->priv;
	struct sg_table *table = &a->table;
	int ret;

	table_u = sgt_borrow_unmapped(&a->table_body, table);
	a->table_dma = sgt_map(table_u, attachment->dev, direction, 0);
	ret = sgt_err(a->table_dma);
	if (ret)
		return ERR_PTR(-ENOMEM);
	a->mapped = true;
	return table;
}

static void exp_unmap_dma_buf(struct dma_buf_attachment *attachment,
			      struct sg_table *table,
			      enum dma_data_direction direction)
{
	struct exp_attachment *a = attachment->priv;

	a->mapped = false;
	sgt_release(a->table_dma);
}

static const struct dma_buf_ops exp_ops = {
	.map_dma_buf = exp_map_dma_buf,
	.unmap_dma_buf = exp_unmap_dma_buf,
};
