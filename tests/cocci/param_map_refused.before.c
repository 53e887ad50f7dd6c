// SPDX-License-Identifier: GPL-2.0
/* Shape d refused: each function keeps its raw calls, with the reason. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct foo_fpga {
	struct device *dev;
	int (*start)(struct foo_fpga *fpga);
};

void foo_give(struct sg_table *sgt);

/* Left mapped on success: the caller unmaps it. */
static int foo_leave_mapped(struct foo_fpga *fpga, struct sg_table *sgt)
{
	int err;

	err = dma_map_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0); /* expect: leaves foo_leave_mapped() */
	if (err)
		return err;
	err = fpga->start(fpga);
	if (err) {
		dma_unmap_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0);
		return err;
	}
	return 0;
}

/* The failure branch jumps to the unmap. */
static int foo_goto_unmap(struct foo_fpga *fpga, struct sg_table *sgt)
{
	int err;

	err = dma_map_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0); /* expect: failure branch */
	if (err)
		goto out;
	err = fpga->start(fpga);
out:
	dma_unmap_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0);
	return err;
}

/* The parameter is set again. */
static int foo_set_again(struct foo_fpga *fpga, struct sg_table *sgt,
			 struct sg_table *other)
{
	int err;

	if (!sgt)
		sgt = other;
	err = dma_map_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0); /* expect: line 50 sets */
	if (err)
		return err;
	err = fpga->start(fpga);
	dma_unmap_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0);
	return err;
}

/* An unmap a path reaches without the map. */
static int foo_unmap_unmapped(struct foo_fpga *fpga, struct sg_table *sgt)
{
	int err = 0;

	if (fpga->start) {
		err = dma_map_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0); /* expect: line 70: a path reaches */
		if (err)
			return err;
		err = fpga->start(fpga);
	}
	dma_unmap_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0);
	return err;
}

/* The table is handed on to a function that may unmap it. */
static int foo_hand_on(struct foo_fpga *fpga, struct sg_table *sgt)
{
	int err;

	err = dma_map_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0); /* expect: line 82 passes */
	if (err)
		return err;
	foo_give(sgt);
	dma_unmap_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0);
	return 0;
}

/* Mapped in a loop, unmapped once after it: with no turn, unmapped
 * without a map. */
static int foo_loop(struct foo_fpga *fpga, struct sg_table *sgt, int n)
{
	int err, i;

	for (i = 0; i < n; i++) {
		err = dma_map_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0); /* expect: line 98: a path reaches */
		if (err)
			return err;
	}
	dma_unmap_sgtable(fpga->dev, sgt, DMA_TO_DEVICE, 0);
	return 0;
}
