// SPDX-License-Identifier: GPL-2.0
/* Pattern d: dma_map_sg() on the sgl of tables embedded in a driver
 * struct (as in drivers/hwtracing/intel_th/msu.c).  The unmaps pass a
 * count of their own, which the typed unmap replaces with orig_nents, and
 * the test for a negative result, which dma_map_sg() never returns, starts
 * to see failures.  kernel_tests/migrated_kunit.c runs the rewritten
 * functions on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct msc {
	struct device *dev;
	struct sg_table single_sgt;
	struct sg_table ring;
	void *base;
};

static int msc_alloc(struct msc *msc, void *buf, size_t size)
{
	int ret;

	ret = sg_alloc_table(&msc->single_sgt, 1, GFP_KERNEL);
	if (ret)
		goto err_out;

	sg_set_buf(msc->single_sgt.sgl, buf, size);

	ret = dma_map_sg(msc->dev, msc->single_sgt.sgl, 1, DMA_FROM_DEVICE);
	if (ret < 0)
		goto err_free_sgt;

	msc->base = buf;
	return 0;

err_free_sgt:
	sg_free_table(&msc->single_sgt);
err_out:
	return ret;
}

static void msc_free(struct msc *msc)
{
	dma_unmap_sg(msc->dev, msc->single_sgt.sgl, 1, DMA_FROM_DEVICE);
	sg_free_table(&msc->single_sgt);
}

static int msc_ring_map(struct msc *msc)
{
	int n;

	n = dma_map_sg(msc->dev, msc->ring.sgl, msc->ring.orig_nents,
		       DMA_TO_DEVICE);
	if (!n)
		return -EIO;
	return n;
}

static void msc_ring_unmap(struct msc *msc, bool mapped)
{
	if (mapped)
		dma_unmap_sg(msc->dev, msc->ring.sgl, 2, DMA_TO_DEVICE);
}
