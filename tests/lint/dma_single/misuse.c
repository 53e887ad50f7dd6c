// SPDX-License-Identifier: GPL-2.0
/*
 * Lint fixture: each marked line is a misuse the generated lint for the
 * dma_single spec must report, with the marked words in its message; no
 * other line may be reported.  Never built: the lint reads it.
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

/* Unmapped and then synced: the sync reads an emptied handle. */
static void sync_after_unmap(struct foo_dev *fd)
{
	struct dmab_unmapped u = dmab_unmap(fd->addr_h);

	dmab_sync_for_cpu(fd->addr_h); /* expect: use of fd -> addr_h after dmab_unmap() */
	fd->addr = 0;
}

/* A member released in close, then synced. */
static void close_then_sync(struct foo_dev *fd)
{
	dmab_release(fd->addr_h);
	dmab_sync_for_device(fd->addr_h); /* expect: use of fd -> addr_h after dmab_release() */
}

/* Mapped twice over the same buffer handle, the first result untested. */
static int map_twice(struct foo_dev *fd, struct dmab *body)
{
	struct dmab_unmapped u = dmab_wrap_buffer(body, fd->buf, 64);
	struct dmab_managed m = dmab_map(u, fd->dev, DMA_TO_DEVICE, 0);

	fd->addr = dmab_dma_addr(m); /* expect: m from dmab_map() on line 38 used before */
	if (dmab_is_err(m))
		return dmab_err(m);
	dmab_release(m);
	dmab_release(m); /* expect: double release of m */
	return 0;
}

/* A copy of a mapped handle unmapped raw, and then released. */
static void raw_unmap(struct foo_dev *fd, struct dmab_managed m)
{
	struct dmab_managed c = m;
	dma_addr_t a = dmab_dma_addr(m);

	dma_unmap_single(fd->dev, dmab_dma_addr(c), 64, DMA_TO_DEVICE); /* expect: dma_unmap_single() on dmab_dma_addr(c), which holds the mapping */
	dma_unmap_single_attrs(fd->dev, a, 64, DMA_TO_DEVICE, 0); /* expect: dma_unmap_single_attrs() on a, which is dmab_dma_addr(m) */
	dmab_release(m);
	dmab_sync_for_cpu(c); /* expect: c is a copy of m */
}

/* Mapped raw behind an unmapped handle. */
static dma_addr_t raw_map(struct foo_dev *fd, struct dmab_unmapped u)
{
	return dma_map_single(fd->dev, dmab_cpu_addr(u), 64, DMA_TO_DEVICE); /* expect: dma_map_single() on dmab_cpu_addr(u): the handle does not know */
}

/* A __free() handle returned whole. */
static struct dmab_managed map_scoped(struct foo_dev *fd, struct dmab *body)
{
	struct dmab_managed m __free(dmab_managed) =
		dmab_map_new(body, fd->dev, fd->buf, 64, DMA_TO_DEVICE, 0);

	return m; /* expect: m is declared __free(dmab_managed) */
}

/* A constructor result ignored. */
static void lost(struct foo_dev *fd, struct dmab *body)
{
	dmab_map_new(body, fd->dev, fd->buf, 64, DMA_TO_DEVICE, 0); /* expect: result of dmab_map_new() ignored */
}

/* Unmapped through an assignment, then synced before the result is known. */
static void sync_after_unmap_assign(struct dmab_managed m)
{
	struct dmab_unmapped u;

	u = dmab_unmap(m);
	dmab_sync_for_cpu(m); /* expect: use of m after dmab_unmap() on line 86 consumed it$ */
	pr_info("%p\n", dmab_cpu_addr(u));
}

/* The source of a successful map read afterwards. */
static int read_after_map(struct foo_dev *fd, struct dmab_unmapped u)
{
	struct dmab_managed m = dmab_map(u, fd->dev, DMA_TO_DEVICE, 0);

	if (dmab_is_err(m))
		return dmab_err(m);
	pr_info("%p\n", dmab_cpu_addr(u)); /* expect: use of u after dmab_map() on line 94 consumed it$ */
	dmab_release(m);
	return 0;
}

/* A copy made by assignment, used after the original was released. */
static void copy_assigned(struct dmab_managed m)
{
	struct dmab_managed c;

	c = m;
	dmab_release(m);
	dmab_sync_for_device(c); /* expect: c is a copy of m, which line 109 moved on */
}

/* The original used after its declared copy was released. */
static void original_after_declared_copy(struct dmab_managed m)
{
	struct dmab_managed c = m;

	dmab_release(c);
	dmab_sync_for_cpu(m); /* expect: m is a copy of c, which line 118 moved on */
}

/* A result assigned, then used before its test. */
static int untested_assign(struct foo_dev *fd, struct dmab *body)
{
	struct dmab_managed m;

	m = dmab_map_new(body, fd->dev, fd->buf, 64, DMA_TO_DEVICE, 0);
	dmab_sync_for_device(m); /* expect: m from dmab_map_new() on line 127 used before */
	dmab_release(m);
	return 0;
}

/* An error path after the map's test that forgets the mapping: leaked. */
static int leak_on_error(struct foo_dev *fd, struct dmab *body)
{
	struct dmab_managed m = dmab_map_new(body, fd->dev, fd->buf, 64,
					     DMA_TO_DEVICE, 0);

	if (dmab_is_err(m))
		return dmab_err(m);
	fd->addr = dmab_dma_addr(m); /* expect: m from dmab_map_new() on line 136 still holds what it acquired when leak_on_error() returns */
	if (!fd->buf)
		return -EIO;
	dmab_release(m);
	return 0;
}
