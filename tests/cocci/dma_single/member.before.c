// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: buffers kept in a driver struct, mapped in
 * one function and unmapped or synced in others (open / poll / close),
 * through a pointer to the struct and through an array element.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>

struct bar_desc {
	void *buf;
	dma_addr_t addr;
};

struct bar_dev {
	struct device *dev;
	__le32 *hw;		/* descriptor words the device reads */
	void *ring;
	size_t ring_len;
	dma_addr_t ring_dma;
	struct bar_desc desc[4];
};

static int bar_fill(struct bar_dev *bd, int i)
{
	bd->desc[i].addr = dma_map_single(bd->dev, bd->desc[i].buf, 256,
					  DMA_FROM_DEVICE);
	if (dma_mapping_error(bd->dev, bd->desc[i].addr))
		return -ENOMEM;
	bd->hw[2 * i] = cpu_to_le32(lower_32_bits(bd->desc[i].addr));
	return 0;
}

static int bar_open(struct bar_dev *bd)
{
	int i, ret;

	bd->ring_dma = dma_map_single(bd->dev, bd->ring, bd->ring_len,
				      DMA_BIDIRECTIONAL);
	if (dma_mapping_error(bd->dev, bd->ring_dma))
		return -ENOMEM;
	bd->hw[0] = cpu_to_le32(lower_32_bits(bd->ring_dma));
	for (i = 0; i < 4; i++) {
		ret = bar_fill(bd, i);
		if (ret)
			goto unmap;
	}
	return 0;
unmap:
	while (i--)
		dma_unmap_single(bd->dev, bd->desc[i].addr, 256,
				 DMA_FROM_DEVICE);
	dma_unmap_single(bd->dev, bd->ring_dma, bd->ring_len,
			 DMA_BIDIRECTIONAL);
	return ret;
}

static u32 bar_poll(struct bar_dev *bd)
{
	dma_sync_single_for_cpu(bd->dev, bd->ring_dma, bd->ring_len,
				DMA_BIDIRECTIONAL);
	return le32_to_cpu(READ_ONCE(bd->hw[0]));
}

static void bar_close(struct bar_dev *priv)
{
	int i;

	WRITE_ONCE(priv->hw[0], 0);
	for (i = 0; i < 4; i++)
		dma_unmap_single(priv->dev, priv->desc[i].addr, 256,
				 DMA_FROM_DEVICE);
	dma_unmap_single(priv->dev, priv->ring_dma, priv->ring_len,
			 DMA_BIDIRECTIONAL);
	priv->ring_dma = 0;
}

/*
 * As c8sectpfe's free_input_block(), also called on the open's failure
 * path: the unmap is guarded by the driver's own record of the map's
 * failure, which the migrated map no longer stores.
 */
static void bar_teardown(struct bar_dev *bd)
{
	if (!dma_mapping_error(bd->dev, bd->ring_dma))
		dma_unmap_single(bd->dev, bd->ring_dma, bd->ring_len,
				 DMA_BIDIRECTIONAL);
}
