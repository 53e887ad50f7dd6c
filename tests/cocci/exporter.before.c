// SPDX-License-Identifier: GPL-2.0
/* Shape c, an exporter: .map_dma_buf maps a table of the attachment's
 * private data and returns it; the dma-buf core gives it back to
 * .unmap_dma_buf as a parameter (as in drivers/dma-buf/heaps/cma_heap.c).
 * The spec's given_back names that contract, so the unmap of the
 * parameter is the release of the handle stored beside the table. */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct exp_attachment {
	struct device *dev;
	struct sg_table table;
	bool mapped;
};

static struct sg_table *exp_map_dma_buf(struct dma_buf_attachment *attachment,
					enum dma_data_direction direction)
{
	struct exp_attachment *a = attachment->priv;
	struct sg_table *table = &a->table;
	int ret;

	ret = dma_map_sgtable(attachment->dev, table, direction, 0);
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
	dma_unmap_sgtable(attachment->dev, table, direction, 0);
}

static const struct dma_buf_ops exp_ops = {
	.map_dma_buf = exp_map_dma_buf,
	.unmap_dma_buf = exp_unmap_dma_buf,
};
