// SPDX-License-Identifier: GPL-2.0
/* Shape b through a local alias of the member (sgt = &buf->table, as in
 * drivers/media/common/videobuf2/videobuf2-dma-sg.c): mapped in one
 * function and unmapped in another, each through its own alias. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/typestate/sg_table.h>

struct vb_buf {
	struct device *dev;
	enum dma_data_direction dma_dir;
	struct sgt table_body;
	struct sgt_borrowed_managed table_dma;
	struct sg_table table;		/* the pages, mapped for the device */
};

static int vb_map(struct vb_buf *buf)
{
	struct sgt_borrowed_unmapped table_u;
	struct sg_table *sgt;

	sgt = &buf->table;
	table_u = sgt_borrow_unmapped(&buf->table_body, sgt);
	buf->table_dma = sgt_map(table_u, buf->dev, buf->dma_dir,
				 DMA_ATTR_SKIP_CPU_SYNC);
	if (sgt_is_err(buf->table_dma))
		return -EIO;
	return 0;
}

static void vb_unmap(struct vb_buf *buf)
{
	struct sg_table *sgt = &buf->table;

	sgt_release_if_live(buf->table_dma);
	sg_free_table(sgt);
}

/* The alias serves the unmap alone: it goes with the call. */
static void vb_unmap_keep(struct vb_buf *buf)
{
	sgt_release_if_live(buf->table_dma);
}

/*
 * The same for a table the caller passes in and the function stores in
 * the member, before the map (drivers/gpu/drm/exynos/exynos_drm_g2d.c) or
 * after it (drivers/accel/qaic/qaic_control.c).
 */
struct vb_xfer {
	struct device *dev;
	struct sg_table *sgt;
	struct sgt sgt_body;
	struct sgt_borrowed_managed sgt_dma;
};

static int vb_xfer_map_first(struct vb_xfer *x, struct sg_table *sgt)
{
	struct sgt_borrowed_unmapped sgt_u;
	int ret;

	sgt_u = sgt_borrow_unmapped(&x->sgt_body, sgt);
	x->sgt_dma = sgt_map(sgt_u, x->dev, DMA_TO_DEVICE, 0);
	ret = sgt_err(x->sgt_dma);
	if (ret)
		return ret;
	x->sgt = sgt;
	return 0;
}

static int vb_xfer_store_first(struct vb_xfer *x, struct sg_table *sgt)
{
	struct sgt_borrowed_unmapped sgt_u;
	int ret;

	x->sgt = sgt;
	sgt_u = sgt_borrow_unmapped(&x->sgt_body, sgt);
	x->sgt_dma = sgt_map(sgt_u, x->dev, DMA_TO_DEVICE, 0);
	ret = sgt_err(x->sgt_dma);
	return ret;
}

static void vb_xfer_unmap(struct vb_xfer *x)
{
	sgt_release_if_live(x->sgt_dma);
}
