// SPDX-License-Identifier: GPL-2.0
/* Shape b through a local alias of the member (sgt = &buf->table, as in
 * drivers/media/common/videobuf2/videobuf2-dma-sg.c): mapped in one
 * function and unmapped in another, each through its own alias. */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>

struct vb_buf {
	struct device *dev;
	enum dma_data_direction dma_dir;
	struct sg_table table;		/* the pages, mapped for the device */
};

static int vb_map(struct vb_buf *buf)
{
	struct sg_table *sgt;

	sgt = &buf->table;
	if (dma_map_sgtable(buf->dev, sgt, buf->dma_dir,
			    DMA_ATTR_SKIP_CPU_SYNC))
		return -EIO;
	return 0;
}

static void vb_unmap(struct vb_buf *buf)
{
	struct sg_table *sgt = &buf->table;

	dma_unmap_sgtable(buf->dev, sgt, buf->dma_dir,
			  DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
}

/*
 * The same for a table the caller passes in and the function stores in
 * the member, before the map (drivers/gpu/drm/exynos/exynos_drm_g2d.c) or
 * after it (drivers/accel/qaic/qaic_control.c).
 */
struct vb_xfer {
	struct device *dev;
	struct sg_table *sgt;
};

static int vb_xfer_map_first(struct vb_xfer *x, struct sg_table *sgt)
{
	int ret;

	ret = dma_map_sgtable(x->dev, sgt, DMA_TO_DEVICE, 0);
	if (ret)
		return ret;
	x->sgt = sgt;
	return 0;
}

static int vb_xfer_store_first(struct vb_xfer *x, struct sg_table *sgt)
{
	int ret;

	x->sgt = sgt;
	ret = dma_map_sgtable(x->dev, sgt, DMA_TO_DEVICE, 0);
	return ret;
}

static void vb_xfer_unmap(struct vb_xfer *x)
{
	dma_unmap_sgtable(x->dev, x->sgt, DMA_TO_DEVICE, 0);
}
