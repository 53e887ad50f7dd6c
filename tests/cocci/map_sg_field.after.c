// SPDX-License-Identifier: GPL-2.0
/* Pattern d: dma_map_sg() on the sgl of tables embedded in a driver
 * struct (as in drivers/hwtracing/intel_th/msu.c).  The unmaps pass a
 * count of their own, which the typed unmap replaces with orig_nents, and
 * the test for a negative result, which dma_map_sg() never returns, starts
 * to see failures.  kernel_tests/migrated_kunit.c runs the rewritten
 * functions on UML. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

struct msc {
	struct device *dev;
	struct sg_table single_sgt;
	struct sg_table ring;
	void *base;
	struct sgt single_sgt_body;
	struct sgt_borrowed_managed single_sgt_dma;
	struct sgt ring_body;
	struct sgt_borrowed_managed ring_dma;
};

static int msc_alloc(struct msc *msc, void *buf, size_t size)
{
	struct sgt_borrowed_unmapped single_sgt_u;
	int ret;

	ret = sg_alloc_table(&msc->single_sgt, 1, GFP_KERNEL);
	if (ret)
		goto err_out;

	sg_set_buf(msc->single_sgt.sgl, buf, size);

	single_sgt_u = sgt_borrow_unmapped(&msc->single_sgt_body,
					   &msc->single_sgt);
	msc->single_sgt_dma = sgt_map(single_sgt_u, msc->dev, DMA_FROM_DEVICE,
				      0);
	ret = sgt_err(msc->single_sgt_dma) ? : sgt_dma_nents(msc->single_sgt_dma);
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
	sgt_release_if_live(msc->single_sgt_dma);
	sg_free_table(&msc->single_sgt);
}

static int msc_ring_map(struct msc *msc)
{
	struct sgt_borrowed_unmapped ring_u;
	int n;

	ring_u = sgt_borrow_unmapped(&msc->ring_body, &msc->ring);
	msc->ring_dma = sgt_map(ring_u, msc->dev, DMA_TO_DEVICE, 0);
	n = sgt_is_err(msc->ring_dma) ? 0 : sgt_dma_nents(msc->ring_dma);
	if (!n)
		return -EIO;
	return n;
}

static void msc_ring_unmap(struct msc *msc, bool mapped)
{
	if (mapped)
		sgt_release_if_live(msc->ring_dma);
}
