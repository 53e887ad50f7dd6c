// SPDX-License-Identifier: GPL-2.0
/* Pattern b: a table held by pointer in a driver struct, mapped in a pin
 * function and unmapped in the unpin one and on the pin's error path (as
 * in drivers/accel/qaic/qaic_data.c).  kernel_tests/migrated_kunit.c runs
 * the rewritten functions on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

struct foo_bo {
	struct device *dev;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	struct sgt sgt_body;
	struct sgt_borrowed_managed sgt_dma;
};

static int foo_setup(struct foo_bo *bo);

static int foo_pin(struct foo_bo *bo, enum dma_data_direction dir)
{
	struct sgt_borrowed_unmapped sgt_u;
	int ret;

	sgt_u = sgt_borrow_unmapped(&bo->sgt_body, bo->sgt);
	bo->sgt_dma = sgt_map(sgt_u, bo->dev, dir, 0);
	ret = sgt_err(bo->sgt_dma);
	if (ret)
		return -EFAULT;
	bo->dir = dir;
	ret = foo_setup(bo);
	if (ret)
		sgt_release_if_live(bo->sgt_dma);
	return ret;
}

static void foo_unpin(struct foo_bo *bo)
{
	sgt_release_if_live(bo->sgt_dma);
}
