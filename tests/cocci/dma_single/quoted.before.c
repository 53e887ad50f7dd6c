// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: a file whose includes are all local ones
 * gets the typed header before them (kbuild's include order: <...> first).
 */
#include "foo.h"

int foo_ping(struct device *dev, void *buf)
{
	dma_addr_t a;

	a = dma_map_single(dev, buf, 16, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, a))
		return -ENOMEM;
	dma_unmap_single(dev, a, 16, DMA_TO_DEVICE);
	return 0;
}
