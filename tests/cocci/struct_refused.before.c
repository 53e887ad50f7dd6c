// SPDX-License-Identifier: GPL-2.0
/* Tables in driver structs that the migration must leave alone, each
 * with its reason in report mode. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct baz {
	struct device *dev;
	struct sg_table rx;		/* nents read elsewhere */
	struct sg_table *tt;		/* unmapped with other attrs */
	struct sg_table *odd;		/* mapped in a form not rewritten */
	struct sg_table own;		/* orig_nents set by hand */
};

void baz_fill(struct baz *z, unsigned int n)
{
	z->own.orig_nents = n;
}

int baz_map_own(struct baz *z)
{
	if (!dma_map_sg(z->dev, z->own.sgl, z->own.nents, DMA_TO_DEVICE))
		return -EIO;
	return 0;
}

void baz_unmap_own(struct baz *z)
{
	dma_unmap_sg(z->dev, z->own.sgl, z->own.nents, DMA_TO_DEVICE);
}

int baz_map(struct baz *z)
{
	int n, ret;

	n = dma_map_sg(z->dev, z->rx.sgl, z->rx.nents, DMA_FROM_DEVICE);
	if (!n)
		return -ENOMEM;
	ret = dma_map_sgtable(z->dev, z->tt, DMA_BIDIRECTIONAL,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		return ret;
	return dma_map_sgtable(z->dev, z->odd, DMA_TO_DEVICE, 0) ? -EIO : 0;
}

void baz_sync(struct baz *z)
{
	dma_sync_sg_for_cpu(z->dev, z->rx.sgl, z->rx.nents, DMA_FROM_DEVICE);
}

void baz_unmap(struct baz *z)
{
	dma_unmap_sg(z->dev, z->rx.sgl, z->rx.nents, DMA_FROM_DEVICE);
	dma_unmap_sgtable(z->dev, z->tt, DMA_BIDIRECTIONAL, 0);
	dma_unmap_sgtable(z->dev, z->odd, DMA_TO_DEVICE, 0);
}

/* A struct from a shared header: the migration cannot extend it. */
struct host1x_bo_mapping;

int far_pin(struct host1x_bo_mapping *map)
{
	return dma_map_sgtable(map->dev, map->sgt, map->direction, 0);
}

/* A plain scatterlist in a struct is no table: nothing to say about it. */
struct skcipher_req;

int plain_sgl(struct device *dev, struct skcipher_req *req, int n)
{
	return dma_map_sg(dev, req->src, n, DMA_TO_DEVICE);
}
