// SPDX-License-Identifier: GPL-2.0
/* Shape c, an exporter: .map_dma_buf maps a table of the attachment's
 * private data and returns it; the dma-buf core gives it back to
 * .unmap_dma_buf as a parameter (as in drivers/dma-buf/heaps/cma_heap.c).
 * The spec's given_back names that contract, so the unmap of the
 * parameter is the release of the handle stored beside the table.
 * exp2 has no local of its private data in .unmap_dma_buf (as in
 * drivers/misc/fastrpc.c): the one .map_dma_buf declares is added there. */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

struct exp_attachment {
	struct device *dev;
	struct sg_table table;
	bool mapped;
	struct sgt table_body;
	struct sgt_borrowed_managed table_dma;
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
	sgt_release_if_live(a->table_dma);
}

static const struct dma_buf_ops exp_ops = {
	.map_dma_buf = exp_map_dma_buf,
	.unmap_dma_buf = exp_unmap_dma_buf,
};

struct exp2_attachment {
	struct device *dev;
	struct sgt sgt_body;
	struct sgt_borrowed_managed sgt_dma;
	struct sg_table sgt;
};

static struct sg_table *exp2_map_dma_buf(struct dma_buf_attachment *attachment,
					 enum dma_data_direction dir)
{
	struct sgt_borrowed_unmapped sgt_u;
	struct exp2_attachment *a = attachment->priv;
	struct sg_table *table;
	int ret;

	table = &a->sgt;

	sgt_u = sgt_borrow_unmapped(&a->sgt_body, table);
	a->sgt_dma = sgt_map(sgt_u, attachment->dev, dir, 0);
	ret = sgt_err(a->sgt_dma);
	if (ret)
		table = ERR_PTR(ret);
	return table;
}

static void exp2_unmap_dma_buf(struct dma_buf_attachment *attach,
			       struct sg_table *table,
			       enum dma_data_direction dir)
{
	struct exp2_attachment *a = attach->priv;

	sgt_release_if_live(a->sgt_dma);
}

static const struct dma_buf_ops exp2_ops = {
	.map_dma_buf = exp2_map_dma_buf,
	.unmap_dma_buf = exp2_unmap_dma_buf,
};
