// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: where the handle and its storage go in a
 * driver struct.  After the last member when it is a plain one, so that
 * no member the driver has moves; beside the raw member when the struct
 * ends in a flexible array (nothing may follow it) or in a member that is
 * no plain declaration (here an anonymous union).
 */
#include <linux/dma-mapping.h>
#include <linux/typestate/dma_single.h>

struct flex_req {
	struct device *dev;
	void *buf;
	struct dmab buf_dma_body;
	struct dmab_managed buf_dma_h;
	dma_addr_t buf_dma;
	unsigned int n;
	u32 words[] __counted_by(n);
};

struct union_req {
	struct device *dev;
	void *buf;
	struct dmab buf_dma_body;
	struct dmab_managed buf_dma_h;
	dma_addr_t buf_dma;
	union {
		u32 word;
		u8 bytes[4];
	};
};

static int flex_start(struct flex_req *r)
{
	r->buf_dma_h = dmab_map_new(&r->buf_dma_body, r->dev, r->buf, 64,
				    DMA_TO_DEVICE, 0);
	if (dmab_is_err(r->buf_dma_h))
		return -ENOMEM;
	r->buf_dma = dmab_dma_addr(r->buf_dma_h);
	return 0;
}

static void flex_done(struct flex_req *r)
{
	dmab_release_if_live(r->buf_dma_h);
}

static int union_start(struct union_req *r)
{
	r->buf_dma_h = dmab_map_new(&r->buf_dma_body, r->dev, r->buf, 64,
				    DMA_FROM_DEVICE, 0);
	if (dmab_is_err(r->buf_dma_h))
		return -ENOMEM;
	r->buf_dma = dmab_dma_addr(r->buf_dma_h);
	return 0;
}

static void union_done(struct union_req *r)
{
	dmab_release_if_live(r->buf_dma_h);
}
