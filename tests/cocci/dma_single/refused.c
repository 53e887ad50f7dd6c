// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: every acquire here is left alone, and
 * report mode says why on the line marked "expect:"; one test the raw API
 * never signals is reported as a bug.
 */
#include <linux/dma-mapping.h>

/*
 * struct foo_dev comes from a header that is not among the files scanned:
 * its members are judged function by function (a struct declared in the
 * files scanned is judged as a whole: see refused_member.c).
 */

static void foo_size(struct foo_dev *fd, void *buf, size_t len)
{
	dma_addr_t a;

	a = dma_map_single(fd->dev, buf, len, DMA_TO_DEVICE); /* expect: dma_unmap_single() passes size 'PAGE_SIZE', the acquire 'len' */
	if (dma_mapping_error(fd->dev, a))
		return;
	dma_unmap_single(fd->dev, a, PAGE_SIZE, DMA_TO_DEVICE);
}

static int foo_start(struct foo_dev *fd)
{
	fd->rx_dma = dma_map_single(fd->dev, fd->buf, 64, DMA_FROM_DEVICE); /* expect: released in another function */
	if (dma_mapping_error(fd->dev, fd->rx_dma))
		return -ENOMEM;
	return 0;
}

static void foo_stop(struct foo_dev *fd)
{
	dma_unmap_single(fd->dev, fd->rx_dma, 64, DMA_FROM_DEVICE);
}

static void foo_fall(struct foo_dev *fd, void *buf)
{
	dma_addr_t a;

	a = dma_map_single(fd->dev, buf, 8, DMA_TO_DEVICE); /* expect: the failure branch falls through */
	if (dma_mapping_error(fd->dev, a))
		dev_err(fd->dev, "cannot map\n");
	dma_unmap_single(fd->dev, a, 8, DMA_TO_DEVICE);
}

static int foo_failpath(struct foo_dev *fd, void *buf)
{
	dma_addr_t a;

	a = dma_map_single(fd->dev, buf, 8, DMA_TO_DEVICE); /* expect: line 56 reads 'a' on the acquire's failure path */
	if (dma_mapping_error(fd->dev, a))
		goto unmap;
unmap:
	dma_unmap_single(fd->dev, a, 8, DMA_TO_DEVICE);
	return 0;
}

static int foo_write(struct foo_dev *fd)
{
	fd->rx_dma = dma_map_single(fd->dev, fd->buf, 64, DMA_FROM_DEVICE); /* expect: line 65 writes 'fd->rx_dma' before a release or operation uses it */
	if (dma_mapping_error(fd->dev, fd->rx_dma))
		return -ENOMEM;
	fd->rx_dma += 4;
	dma_unmap_single(fd->dev, fd->rx_dma, 64, DMA_FROM_DEVICE);
	return 0;
}

static void foo_page(struct foo_dev *fd, void *buf)
{
	dma_addr_t a;

	a = dma_map_single(fd->dev, buf, 8, DMA_TO_DEVICE); /* expect: line 77 passes 'a' to dma_unmap_page() */
	if (dma_mapping_error(fd->dev, a))
		return;
	dma_unmap_page(fd->dev, a, 8, DMA_TO_DEVICE);
}

static dma_addr_t foo_bug(struct foo_dev *fd, void *buf)
{
	dma_addr_t a;

	a = dma_map_single(fd->dev, buf, 8, DMA_TO_DEVICE); /* expect: the acquire is not a statement followed by its failure test */
	if (!a) /* expect: BUG? dma_map_single()/dma_map_single_attrs() never signals failure this way */
		return 0;
	return dma_map_single(fd->dev, buf, 16, DMA_TO_DEVICE); /* expect: the result is not stored in an object */
}

static void foo_twice(struct foo_dev *fd, void *buf, bool again)
{
	dma_addr_t a;

	a = dma_map_single(fd->dev, buf, 8, DMA_TO_DEVICE); /* expect: line 99 may release the object a second time */
	if (dma_mapping_error(fd->dev, a))
		return;
	dma_unmap_single(fd->dev, a, 8, DMA_TO_DEVICE);
	if (again)
		dma_unmap_single(fd->dev, a, 8, DMA_TO_DEVICE);
}

static void foo_undominated(struct foo_dev *fd, void *buf, bool map)
{
	dma_addr_t a = 0;

	if (map) {
		a = dma_map_single(fd->dev, buf, 8, DMA_TO_DEVICE); /* expect: line 111 reaches a release or sync without the acquire */
		if (dma_mapping_error(fd->dev, a))
			return;
	}
	dma_unmap_single(fd->dev, a, 8, DMA_TO_DEVICE);
}

static void foo_dir(struct foo_dev *fd, void *buf)
{
	dma_addr_t a;

	a = dma_map_single(fd->dev, buf, 8, DMA_TO_DEVICE); /* expect: line 121: dma_unmap_single() passes dir 'DMA_FROM_DEVICE', the acquire 'DMA_TO_DEVICE' */
	if (dma_mapping_error(fd->dev, a))
		return;
	dma_unmap_single(fd->dev, a, 8, DMA_FROM_DEVICE); /* expect: BUG? dma_unmap_single() passes dir DMA_FROM_DEVICE, but the object was acquired with DMA_TO_DEVICE */
}

/*
 * The ath11k shape (ath11k_ce_rx_post_pipe()): the buffer's address is
 * kept in its descriptor for a raw unmap in the completion handler; this
 * function unmaps only when the enqueue fails.  A local handle would be
 * dropped on success while it still holds the mapping: refused.
 */
static int foo_rx_post(struct foo_dev *fd, dma_addr_t *slots, void **bufs,
		       int n)
{
	dma_addr_t paddr;
	int i, ret = 0;

	for (i = 0; i < n; i++) {
		paddr = dma_map_single(fd->dev, bufs[i], 256, DMA_FROM_DEVICE); /* expect: on a path from the acquire's success to the end of foo_rx_post() nothing releases 'paddr' */
		if (dma_mapping_error(fd->dev, paddr)) {
			ret = -EIO;
			goto exit;
		}
		slots[i] = paddr;
		ret = foo_enqueue(fd, i);
		if (ret) {
			dma_unmap_single(fd->dev, paddr, 256, DMA_FROM_DEVICE);
			goto exit;
		}
	}
exit:
	return ret;
}

/*
 * The caam_jr_enqueue() shape: unmapped only on a branch that returns
 * before the descriptor's address is stored in the ring, which a raw
 * unmap in the completion handler gives back.
 */
static int foo_enqueue_desc(struct foo_dev *fd, u32 *desc, int size)
{
	dma_addr_t desc_dma;

	desc_dma = dma_map_single(fd->dev, desc, size, DMA_TO_DEVICE); /* expect: on a path from the acquire's success to the end of foo_enqueue_desc() nothing releases 'desc_dma' */
	if (dma_mapping_error(fd->dev, desc_dma))
		return -EIO;
	if (!fd->ring_avail) {
		dma_unmap_single(fd->dev, desc_dma, size, DMA_TO_DEVICE);
		return -ENOSPC;
	}
	fd->ring[fd->head] = desc_dma;
	return -EINPROGRESS;
}

/*
 * The meson_cipher() shape (amlogic-gxl-cipher.c): the key is mapped,
 * used, and unmapped at the end; a later failure jumps past the unmap.
 * Refused, and the error path reported as a leak.
 */
static int foo_cipher(struct foo_dev *fd, void *key, int len)
{
	dma_addr_t k;
	int err;

	k = dma_map_single(fd->dev, key, len, DMA_TO_DEVICE); /* expect: nothing releases 'k' (it is kept for a release elsewhere, or leaked) */
	err = dma_mapping_error(fd->dev, k);
	if (err)
		goto theend;
	fd->hw_key = cpu_to_le32(k);
	if (foo_map_data(fd)) {
		err = -EINVAL;
		goto theend;
	}
	foo_run(fd);
	dma_unmap_single(fd->dev, k, len, DMA_TO_DEVICE);
theend:
	return err; /* expect: BUG? foo_cipher() returns an error here without releasing 'k', acquired on line */
}
