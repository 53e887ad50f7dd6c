// SPDX-License-Identifier: GPL-2.0
/* A nested member: the table is the sgt of a struct sg_append_table in a
 * driver struct (as in drivers/vfio/pci/mlx5/cmd.c).  The handle goes in
 * the driver struct, beside the append table.
 * kernel_tests/migrated_kunit.c runs the rewritten functions on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct nest_buf {
	struct sg_append_table table;
	struct device *dev;
	enum dma_data_direction dma_dir;
	bool dmaed;
};

static int nest_buf_dma(struct nest_buf *buf, int (*setup)(struct nest_buf *buf))
{
	int ret;

	if (buf->dmaed)
		return -EINVAL;

	ret = dma_map_sgtable(buf->dev, &buf->table.sgt, buf->dma_dir, 0);
	if (ret)
		return ret;

	ret = setup(buf);
	if (ret)
		goto err;

	buf->dmaed = true;
	return 0;
err:
	dma_unmap_sgtable(buf->dev, &buf->table.sgt, buf->dma_dir, 0);
	return ret;
}

static void nest_buf_free(struct nest_buf *buf)
{
	if (buf->dmaed) {
		dma_unmap_sgtable(buf->dev, &buf->table.sgt, buf->dma_dir, 0);
		buf->dmaed = false;
	}
}
