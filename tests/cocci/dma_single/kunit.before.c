// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture that KUnit runs: kernel_tests/migrated_kunit.c
 * includes what the semantic patch makes of it (kunit.after.c) and calls
 * these functions against a device that maps for real, under DMA-API
 * debugging.
 */
#include <linux/dma-mapping.h>

struct dsf_dev {
	struct device *dev;
	dma_addr_t last;
	u32 sum;
};

static int dsf_send(struct dsf_dev *d, void *buf, size_t len)
{
	dma_addr_t addr;

	addr = dma_map_single(d->dev, buf, len, DMA_TO_DEVICE);
	if (dma_mapping_error(d->dev, addr))
		return -ENOMEM;
	d->last = addr;
	dma_sync_single_for_device(d->dev, addr, len, DMA_TO_DEVICE);
	dma_unmap_single(d->dev, addr, len, DMA_TO_DEVICE);
	return 0;
}

static int dsf_sum(struct dsf_dev *d, u8 *buf, size_t len)
{
	dma_addr_t addr;
	size_t i;
	int ret;

	addr = dma_map_single_attrs(d->dev, buf, len, DMA_FROM_DEVICE,
				    DMA_ATTR_SKIP_CPU_SYNC);
	ret = dma_mapping_error(d->dev, addr);
	if (ret)
		goto out;
	d->last = addr;
	dma_sync_single_for_cpu(d->dev, addr, len, DMA_FROM_DEVICE);
	d->sum = 0;
	for (i = 0; i < len; i++)
		d->sum += buf[i];
	dma_unmap_single_attrs(d->dev, addr, len, DMA_FROM_DEVICE,
			       DMA_ATTR_SKIP_CPU_SYNC);
out:
	return ret;
}

static int dsf_many(struct dsf_dev *d, void **bufs, int n, size_t len)
{
	dma_addr_t a;
	int i;

	for (i = 0; i < n; i++) {
		a = dma_map_single(d->dev, bufs[i], len, DMA_BIDIRECTIONAL);
		if (unlikely(dma_mapping_error(d->dev, a)))
			break;
		d->last = a;
		dma_unmap_single(d->dev, a, len, DMA_BIDIRECTIONAL);
	}
	return i;
}
