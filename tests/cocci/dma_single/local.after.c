// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: a buffer mapped, tested, used and
 * unmapped in one function, through a local or a struct field, with the
 * failure tested directly or through a result variable.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/typestate/dma_single.h>

struct foo_dev {
	struct device *dev;
	void __iomem *regs;
	dma_addr_t rx_dma;
	void *buf;
};

static int foo_send(struct foo_dev *fd, void *buf, size_t len)
{
	struct dmab addr_body __uninitialized;
	struct dmab_managed addr_h;
	dma_addr_t addr;
	int ret = 0;

	addr_h = dmab_map_new(&addr_body, fd->dev, buf, len, DMA_TO_DEVICE, 0);
	if (dmab_is_err(addr_h))
		return -ENOMEM;
	addr = dmab_dma_addr(addr_h);

	writel(lower_32_bits(addr), fd->regs);
	dmab_sync_for_device(addr_h);
	if (readl(fd->regs))
		ret = -EIO;
	dmab_release(addr_h);
	return ret;
}

static int foo_recv(struct foo_dev *fd, size_t len)
{
	struct dmab rx_dma_body __uninitialized;
	struct dmab_managed rx_dma_h;
	int ret;

	rx_dma_h = dmab_map_new(&rx_dma_body, fd->dev, fd->buf, len,
				DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	ret = dmab_err(rx_dma_h);
	if (ret) {
		dev_err(fd->dev, "cannot map\n");
		goto err;
	}
	fd->rx_dma = dmab_dma_addr(rx_dma_h);
	writel(lower_32_bits(fd->rx_dma), fd->regs);
	dmab_sync_for_cpu(rx_dma_h);
	dmab_release(rx_dma_h);
	return 0;
err:
	return ret;
}

static int foo_loop(struct foo_dev *fd, void **bufs, int n)
{
	struct dmab a_body __uninitialized;
	struct dmab_managed a_h;
	dma_addr_t a;
	int i;

	for (i = 0; i < n; i++) {
		a_h = dmab_map_new(&a_body, fd->dev, bufs[i], 64,
				   DMA_BIDIRECTIONAL, 0);
		if (dmab_is_err(a_h))
			break;
		a = dmab_dma_addr(a_h);
		writel(lower_32_bits(a), fd->regs);
		dmab_release(a_h);
	}
	return i;
}

static int foo_clear(struct foo_dev *fd, void *buf)
{
	struct dmab a_body __uninitialized;
	struct dmab_managed a_h;
	dma_addr_t a;

	a_h = dmab_map_new(&a_body, fd->dev, buf, 32, DMA_TO_DEVICE, 0);
	if (dmab_is_err(a_h))
		return -ENOMEM;
	a = dmab_dma_addr(a_h);
	dma_unmap_addr_set(fd, rx_dma, a);
	dmab_release(a_h);
	a = 0;
	return 0;
}

/*
 * Every path from the map's success reaches the unmap under "out", the
 * failure branch returns before it: moved (the rule that refuses a
 * mapping outliving its function looks at the success paths only).
 */
static int foo_kick_wait(struct foo_dev *fd, void *buf)
{
	struct dmab a_body __uninitialized;
	struct dmab_managed a_h;
	dma_addr_t a;
	int ret;

	a_h = dmab_map_new(&a_body, fd->dev, buf, 64, DMA_TO_DEVICE, 0);
	if (dmab_is_err(a_h))
		return -ENOMEM;
	a = dmab_dma_addr(a_h);
	ret = foo_kick(fd, a);
	if (ret)
		goto out;
	ret = foo_wait(fd);
out:
	dmab_release(a_h);
	return ret;
}
