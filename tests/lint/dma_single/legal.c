// SPDX-License-Identifier: GPL-2.0
/*
 * Lint fixture: legal uses of the dma_single handles, each close to a
 * misuse the lint reports; the lint must report nothing here.  Never built.
 */
#include <linux/dma-mapping.h>
#include <linux/typestate/dma_single.h>

struct foo_dev {
	struct device *dev;
	void *buf;
	dma_addr_t addr;
	struct dmab addr_body;
	struct dmab_managed addr_h;
};

/* Shape b: mapped in open, synced in poll, released in close. */
static int foo_open(struct foo_dev *fd)
{
	fd->addr_h = dmab_map_new(&fd->addr_body, fd->dev, fd->buf, 64,
				  DMA_FROM_DEVICE, 0);
	if (dmab_is_err(fd->addr_h))
		return -ENOMEM;
	fd->addr = dmab_dma_addr(fd->addr_h);
	return 0;
}

static void foo_poll(struct foo_dev *fd)
{
	dmab_sync_for_cpu(fd->addr_h);
	dma_sync_single_for_device(fd->dev, fd->addr, 64, DMA_FROM_DEVICE);
}

static void foo_close(struct foo_dev *fd)
{
	dmab_release(fd->addr_h);
	fd->addr = 0;
}

/* Unmapped, then mapped again through the same variable. */
static int remap(struct foo_dev *fd, struct dmab_managed m)
{
	struct dmab_unmapped u = dmab_unmap(m);
	int ret;

	m = dmab_map(u, fd->dev, DMA_TO_DEVICE, 0);
	ret = dmab_err(m);
	if (ret) {
		dmab_release(fd->addr_h);
		return ret;
	}
	dmab_sync_for_device(m);
	dmab_release(m);
	return 0;
}

/* A __free() handle: released at scope exit or handed on. */
static struct dmab_managed map_scoped(struct foo_dev *fd, struct dmab *body, bool keep)
{
	struct dmab_managed m __free(dmab_managed) =
		dmab_map_new(body, fd->dev, fd->buf, 64, DMA_TO_DEVICE, 0);

	if (dmab_is_err(m))
		return dmab_take(m);
	dmab_sync_for_device(m);
	if (!keep)
		return (struct dmab_managed){ .body = NULL };
	return dmab_take(m);
}

/* A raw API call on a handle that holds nothing of it. */
static void sync_raw(struct foo_dev *fd, struct dmab_mapped b)
{
	dma_sync_single_for_cpu(fd->dev, dmab_dma_addr(b), 64, DMA_FROM_DEVICE);
}
