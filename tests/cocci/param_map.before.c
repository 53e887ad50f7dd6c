// SPDX-License-Identifier: GPL-2.0
/* Shape d: a table its caller owns, mapped and unmapped in one function
 * on every path (as in drivers/fpga/zynq-fpga.c).
 * kernel_tests/migrated_kunit.c runs the rewritten function on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct foo_fpga {
	struct device *dev;
	unsigned int nelms;
	struct scatterlist *cur;
	int (*start)(struct foo_fpga *fpga);
};

static int foo_fpga_write(struct foo_fpga *fpga, struct sg_table *sgt)
{
	struct scatterlist *sg;
	int err, i;

	for_each_sg(sgt->sgl, sg, sgt->nents, i) {
		if (sg->length % 4)
			return -EINVAL;
	}

	err = dma_map_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0);
	if (err) {
		dev_err(fpga->dev, "Unable to DMA map\n");
		return err;
	}
	fpga->nelms = sgt->nents;
	fpga->cur = sgt->sgl;

	err = fpga->start(fpga);
	if (err)
		goto out_unmap;
	err = 0;

out_unmap:
	dma_unmap_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0);
	return err;
}
