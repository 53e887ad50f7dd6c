// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: buffers kept in a driver struct, mapped in
 * one function and unmapped or synced in others (open / poll / close),
 * through a pointer to the struct and through an array element.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/typestate/dma_single.h>

struct bar_desc {
	void *buf;
	dma_addr_t addr;
	struct dmab addr_body;
	struct dmab_managed addr_h;
};

struct bar_dev {
	struct device *dev;
	__le32 *hw;		/* descriptor words the device reads */
	void *ring;
	size_t ring_len;
	struct dmab ring_dma_body;
	struct dmab_managed ring_dma_h;
	dma_addr_t ring_dma;
	struct bar_desc desc[4];
};

static int bar_fill(struct bar_dev *bd, int i)
{
	bd->desc[i].addr_h = dmab_map_new(&bd->desc[i].addr_body, bd->dev,
					  bd->desc[i].buf, 256,
					  DMA_FROM_DEVICE, 0);
	if (dmab_is_err(bd->desc[i].addr_h))
		return -ENOMEM;
	bd->desc[i].addr = dmab_dma_addr(bd->desc[i].addr_h);
	bd->hw[2 * i] = cpu_to_le32(lower_32_bits(bd->desc[i].addr));
	return 0;
}

static int bar_open(struct bar_dev *bd)
{
	int i, ret;

	bd->ring_dma_h = dmab_map_new(&bd->ring_dma_body, bd->dev, bd->ring,
				      bd->ring_len, DMA_BIDIRECTIONAL, 0);
	if (dmab_is_err(bd->ring_dma_h))
		return -ENOMEM;
	bd->ring_dma = dmab_dma_addr(bd->ring_dma_h);
	bd->hw[0] = cpu_to_le32(lower_32_bits(bd->ring_dma));
	for (i = 0; i < 4; i++) {
		ret = bar_fill(bd, i);
		if (ret)
			goto unmap;
	}
	return 0;
unmap:
	while (i--)
		dmab_release_if_live(bd->desc[i].addr_h);
	dmab_release_if_live(bd->ring_dma_h);
	return ret;
}

static u32 bar_poll(struct bar_dev *bd)
{
	dmab_sync_for_cpu(bd->ring_dma_h);
	return le32_to_cpu(READ_ONCE(bd->hw[0]));
}

static void bar_close(struct bar_dev *priv)
{
	int i;

	WRITE_ONCE(priv->hw[0], 0);
	for (i = 0; i < 4; i++)
		dmab_release_if_live(priv->desc[i].addr_h);
	dmab_release_if_live(priv->ring_dma_h);
	priv->ring_dma = 0;
}

/*
 * As c8sectpfe's free_input_block(), also called on the open's failure
 * path: the unmap is guarded by the driver's own record of the map's
 * failure, which the migrated map no longer stores.
 */
static void bar_teardown(struct bar_dev *bd)
{
	dmab_release_if_live(bd->ring_dma_h);
}
