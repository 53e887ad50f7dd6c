// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture that KUnit runs: kernel_tests/migrated_kunit.c
 * includes what the semantic patch makes of it (kunit.after.c) and calls
 * these functions against a device that maps for real, under DMA-API
 * debugging.
 */
#include <linux/dma-mapping.h>
#include <linux/typestate/dma_single.h>

struct dsf_dev {
	struct device *dev;
	dma_addr_t last;
	u32 sum;
};

static int dsf_send(struct dsf_dev *d, void *buf, size_t len)
{
	struct dmab addr_body __uninitialized;
	struct dmab_managed addr_h;
	dma_addr_t addr;

	addr_h = dmab_map_new(&addr_body, d->dev, buf, len, DMA_TO_DEVICE, 0);
	if (dmab_is_err(addr_h))
		return -ENOMEM;
	addr = dmab_dma_addr(addr_h);
	d->last = addr;
	dmab_sync_for_device(addr_h);
	dmab_release(addr_h);
	return 0;
}

static int dsf_sum(struct dsf_dev *d, u8 *buf, size_t len)
{
	struct dmab addr_body __uninitialized;
	struct dmab_managed addr_h;
	dma_addr_t addr;
	size_t i;
	int ret;

	addr_h = dmab_map_new(&addr_body, d->dev, buf, len, DMA_FROM_DEVICE,
			      DMA_ATTR_SKIP_CPU_SYNC);
	ret = dmab_err(addr_h);
	if (ret)
		goto out;
	addr = dmab_dma_addr(addr_h);
	d->last = addr;
	dmab_sync_for_cpu(addr_h);
	d->sum = 0;
	for (i = 0; i < len; i++)
		d->sum += buf[i];
	dmab_release(addr_h);
out:
	return ret;
}

static int dsf_many(struct dsf_dev *d, void **bufs, int n, size_t len)
{
	struct dmab a_body __uninitialized;
	struct dmab_managed a_h;
	dma_addr_t a;
	int i;

	for (i = 0; i < n; i++) {
		a_h = dmab_map_new(&a_body, d->dev, bufs[i], len,
				   DMA_BIDIRECTIONAL, 0);
		if (dmab_is_err(a_h))
			break;
		a = dmab_dma_addr(a_h);
		d->last = a;
		dmab_release(a_h);
	}
	return i;
}
