// SPDX-License-Identifier: GPL-2.0
/* The tegra shape (drivers/gpu/drm/tegra/gem.c): a buffer object maps
 * its own table (bo->sgt) in one function and unmaps it in another, so
 * that member moves onto a handle.  Its .map_dma_buf maps a new table of
 * the importer's and returns it; .unmap_dma_buf unmaps the table it is
 * given back.  That table is not bo->sgt, though .unmap_dma_buf holds a
 * local of the same struct and its parameter bears the member's name:
 * the unmap stays as it is (a release of bo->sgt_dma there would leave
 * the importer's mapping in place and empty the object's handle). */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/typestate/sg_table.h>

struct own_bo {
	struct device *dev;
	struct page **pages;
	unsigned int num_pages;
	struct sg_table *sgt;
	struct sgt sgt_body;
	struct sgt_borrowed_managed sgt_dma;
};

static int own_bo_get_pages(struct own_bo *bo)
{
	struct sgt_borrowed_unmapped sgt_u;
	int err;

	sgt_u = sgt_borrow_unmapped(&bo->sgt_body, bo->sgt);
	bo->sgt_dma = sgt_map(sgt_u, bo->dev, DMA_FROM_DEVICE, 0);
	err = sgt_err(bo->sgt_dma);
	if (err)
		return err;
	return 0;
}

static void own_bo_free(struct own_bo *bo)
{
	sgt_release_if_live(bo->sgt_dma);
}

static struct sg_table *own_map_dma_buf(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	struct own_bo *bo = attach->dmabuf->priv;
	struct sg_table *sgt;

	sgt = kmalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return NULL;
	if (sg_alloc_table_from_pages(sgt, bo->pages, bo->num_pages, 0,
				      bo->num_pages << PAGE_SHIFT, GFP_KERNEL))
		goto free;
	if (dma_map_sgtable(attach->dev, sgt, dir, 0))
		goto free;
	return sgt;

free:
	sg_free_table(sgt);
	kfree(sgt);
	return NULL;
}

static void own_unmap_dma_buf(struct dma_buf_attachment *attach,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	struct own_bo *bo = attach->dmabuf->priv;

	if (bo->pages)
		dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static const struct dma_buf_ops own_ops = {
	.map_dma_buf = own_map_dma_buf,
	.unmap_dma_buf = own_unmap_dma_buf,
};
