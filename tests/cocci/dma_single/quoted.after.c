// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: a file whose includes are all local ones
 * gets the typed header before them (kbuild's include order: <...> first).
 */
#include <linux/typestate/dma_single.h>
#include "foo.h"

int foo_ping(struct device *dev, void *buf)
{
	struct dmab a_body __uninitialized;
	struct dmab_managed a_h;
	dma_addr_t a;

	a_h = dmab_map_new(&a_body, dev, buf, 16, DMA_TO_DEVICE, 0);
	if (dmab_is_err(a_h))
		return -ENOMEM;
	a = dmab_dma_addr(a_h);
	dmab_release(a_h);
	return 0;
}
