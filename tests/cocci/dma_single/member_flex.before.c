// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: where the handle and its storage go in a
 * driver struct.  After the last member when it is a plain one, so that
 * no member the driver has moves; beside the raw member when the struct
 * ends in a flexible array (nothing may follow it) or in a member that is
 * no plain declaration (here an anonymous union).
 */
#include <linux/dma-mapping.h>

struct flex_req {
	struct device *dev;
	void *buf;
	dma_addr_t buf_dma;
	unsigned int n;
	u32 words[] __counted_by(n);
};

struct union_req {
	struct device *dev;
	void *buf;
	dma_addr_t buf_dma;
	union {
		u32 word;
		u8 bytes[4];
	};
};

static int flex_start(struct flex_req *r)
{
	r->buf_dma = dma_map_single(r->dev, r->buf, 64, DMA_TO_DEVICE);
	if (dma_mapping_error(r->dev, r->buf_dma))
		return -ENOMEM;
	return 0;
}

static void flex_done(struct flex_req *r)
{
	dma_unmap_single(r->dev, r->buf_dma, 64, DMA_TO_DEVICE);
}

static int union_start(struct union_req *r)
{
	r->buf_dma = dma_map_single(r->dev, r->buf, 64, DMA_FROM_DEVICE);
	if (dma_mapping_error(r->dev, r->buf_dma))
		return -ENOMEM;
	return 0;
}

static void union_done(struct union_req *r)
{
	dma_unmap_single(r->dev, r->buf_dma, 64, DMA_FROM_DEVICE);
}
