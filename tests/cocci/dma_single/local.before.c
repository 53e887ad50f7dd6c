// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: a buffer mapped, tested, used and
 * unmapped in one function, through a local or a struct field, with the
 * failure tested directly or through a result variable.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>

struct foo_dev {
	struct device *dev;
	void __iomem *regs;
	dma_addr_t rx_dma;
	void *buf;
};

static int foo_send(struct foo_dev *fd, void *buf, size_t len)
{
	dma_addr_t addr;
	int ret = 0;

	addr = dma_map_single(fd->dev, buf, len, DMA_TO_DEVICE);
	if (dma_mapping_error(fd->dev, addr))
		return -ENOMEM;

	writel(lower_32_bits(addr), fd->regs);
	dma_sync_single_for_device(fd->dev, addr, len, DMA_TO_DEVICE);
	if (readl(fd->regs))
		ret = -EIO;
	dma_unmap_single(fd->dev, addr, len, DMA_TO_DEVICE);
	return ret;
}

static int foo_recv(struct foo_dev *fd, size_t len)
{
	int ret;

	fd->rx_dma = dma_map_single_attrs(fd->dev, fd->buf, len, DMA_FROM_DEVICE,
					  DMA_ATTR_SKIP_CPU_SYNC);
	ret = dma_mapping_error(fd->dev, fd->rx_dma);
	if (ret) {
		dev_err(fd->dev, "cannot map\n");
		goto err;
	}
	writel(lower_32_bits(fd->rx_dma), fd->regs);
	dma_sync_single_for_cpu(fd->dev, fd->rx_dma, len, DMA_FROM_DEVICE);
	dma_unmap_single_attrs(fd->dev, fd->rx_dma, len, DMA_FROM_DEVICE,
			       DMA_ATTR_SKIP_CPU_SYNC);
	return 0;
err:
	return ret;
}

static int foo_loop(struct foo_dev *fd, void **bufs, int n)
{
	dma_addr_t a;
	int i;

	for (i = 0; i < n; i++) {
		a = dma_map_single(fd->dev, bufs[i], 64, DMA_BIDIRECTIONAL);
		if (unlikely(dma_mapping_error(fd->dev, a)))
			break;
		writel(lower_32_bits(a), fd->regs);
		dma_unmap_single(fd->dev, a, 64, DMA_BIDIRECTIONAL);
	}
	return i;
}

static int foo_clear(struct foo_dev *fd, void *buf)
{
	dma_addr_t a;

	a = dma_map_single(fd->dev, buf, 32, DMA_TO_DEVICE);
	if (dma_mapping_error(fd->dev, a))
		return -ENOMEM;
	dma_unmap_addr_set(fd, rx_dma, a);
	dma_unmap_single(fd->dev, a, 32, DMA_TO_DEVICE);
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
	dma_addr_t a;
	int ret;

	a = dma_map_single(fd->dev, buf, 64, DMA_TO_DEVICE);
	if (dma_mapping_error(fd->dev, a))
		return -ENOMEM;
	ret = foo_kick(fd, a);
	if (ret)
		goto out;
	ret = foo_wait(fd);
out:
	dma_unmap_single(fd->dev, a, 64, DMA_TO_DEVICE);
	return ret;
}
