// SPDX-License-Identifier: GPL-2.0
/* Pattern b: a table held by pointer in a driver struct, mapped in a pin
 * function and unmapped in the unpin one and on the pin's error path (as
 * in drivers/accel/qaic/qaic_data.c).  kernel_tests/migrated_kunit.c runs
 * the rewritten functions on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct foo_bo {
	struct device *dev;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

static int foo_setup(struct foo_bo *bo);

static int foo_pin(struct foo_bo *bo, enum dma_data_direction dir)
{
	int ret;

	ret = dma_map_sgtable(bo->dev, bo->sgt, dir, 0);
	if (ret)
		return -EFAULT;
	bo->dir = dir;
	ret = foo_setup(bo);
	if (ret)
		dma_unmap_sgtable(bo->dev, bo->sgt, dir, 0);
	return ret;
}

static void foo_unpin(struct foo_bo *bo)
{
	dma_unmap_sgtable(bo->dev, bo->sgt, bo->dir, 0);
}
