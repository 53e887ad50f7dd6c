// SPDX-License-Identifier: GPL-2.0
/* A nested member: the table is the sgt of a struct sg_append_table in a
 * driver struct (as in drivers/vfio/pci/mlx5/cmd.c).  The handle goes in
 * the driver struct, beside the append table.
 * kernel_tests/migrated_kunit.c runs the rewritten functions on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

struct nest_buf {
	struct sg_append_table table;
	struct device *dev;
	enum dma_data_direction dma_dir;
	bool dmaed;
	struct sgt table_sgt_body;
	struct sgt_borrowed_managed table_sgt_dma;
};

static int nest_buf_dma(struct nest_buf *buf, int (*setup)(struct nest_buf *buf))
{
	struct sgt_borrowed_unmapped table_sgt_u;
	int ret;

	if (buf->dmaed)
		return -EINVAL;

	table_sgt_u = sgt_borrow_unmapped(&buf->table_sgt_body,
					  &buf->table.sgt);
	buf->table_sgt_dma = sgt_map(table_sgt_u, buf->dev, buf->dma_dir, 0);
	ret = sgt_err(buf->table_sgt_dma);
	if (ret)
		return ret;

	ret = setup(buf);
	if (ret)
		goto err;

	buf->dmaed = true;
	return 0;
err:
	sgt_release_if_live(buf->table_sgt_dma);
	return ret;
}

static void nest_buf_free(struct nest_buf *buf)
{
	if (buf->dmaed) {
		sgt_release_if_live(buf->table_sgt_dma);
		buf->dmaed = false;
	}
}
