// SPDX-License-Identifier: GPL-2.0
/* Report mode: each line marked "expect:" must be reported, and nothing
 * else. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

void unmap_with_nents(struct device *dev, struct sg_table *t)
{
	t->nents = dma_map_sg(dev, t->sgl, t->orig_nents, DMA_TO_DEVICE);
	if (!t->nents)
		return;
	dma_unmap_sg(dev, t->sgl, t->nents, DMA_TO_DEVICE); /* expect: with nents */
}

/* nents never took a mapped count here: misnamed, not broken. */
void unmap_with_nents_never_overwritten(struct device *dev, struct sg_table *t)
{
	dma_unmap_sg(dev, t->sgl, t->nents, DMA_TO_DEVICE);
}

void sync_with_nents(struct device *dev, struct sg_table *t)
{
	if (dma_map_sgtable(dev, t, DMA_FROM_DEVICE, 0))
		return;
	dma_sync_sg_for_cpu(dev, t->sgl, t->nents, DMA_FROM_DEVICE); /* expect: with nents */
}

void dma_walk_over_orig_nents(struct sg_table *t, u64 *out)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(t->sgl, sg, t->orig_nents, i) { /* expect: walked over orig_nents */
		out[i] = sg_dma_address(sg);
	}
}

int freed_while_mapped(struct device *dev, struct sg_table *t)
{
	int ret;

	ret = dma_map_sgtable(dev, t, DMA_TO_DEVICE, 0);
	if (ret)
		return ret;
	sg_free_table(t); /* expect: sg_free_table() before dma_unmap_sgtable() undid */
	return 0;
}

int freed_after_failed_map_is_fine(struct device *dev, struct sg_table *t)
{
	int ret;

	ret = dma_map_sgtable(dev, t, DMA_TO_DEVICE, 0);
	if (ret) {
		sg_free_table(t);
		return ret;
	}
	dma_unmap_sgtable(dev, t, DMA_TO_DEVICE, 0);
	sg_free_table(t);
	return 0;
}

void double_unmap(struct device *dev, struct sg_table *t)
{
	dma_unmap_sgtable(dev, t, DMA_TO_DEVICE, 0);
	dma_unmap_sgtable(dev, t, DMA_TO_DEVICE, 0); /* expect: dma_unmap_sgtable() twice */
}

int other_direction(struct device *dev, struct sg_table *t)
{
	int ret = dma_map_sgtable(dev, t, DMA_TO_DEVICE, 0);

	if (ret)
		return ret;
	dma_unmap_sgtable(dev, t, DMA_FROM_DEVICE, 0); /* expect: with DMA_FROM_DEVICE where */
	return 0;
}

int correct(struct device *dev, struct sg_table *t)
{
	int ret = dma_map_sgtable(dev, t, DMA_BIDIRECTIONAL, 0);

	if (ret)
		return ret;
	dma_sync_sgtable_for_cpu(dev, t, DMA_BIDIRECTIONAL);
	dma_unmap_sgtable(dev, t, DMA_BIDIRECTIONAL, 0);
	return 0;
}

int map_sg_negative(struct device *dev, struct scatterlist *sgl, int n)
{
	int ret = dma_map_sg(dev, sgl, n, DMA_TO_DEVICE);

	if (ret < 0) /* expect: never a negative errno */
		return ret;
	return 0;
}

int map_sg_zero(struct device *dev, struct scatterlist *sgl, int n)
{
	int ret = dma_map_sg(dev, sgl, n, DMA_TO_DEVICE);

	if (ret <= 0)
		return -EIO;
	return ret;
}
