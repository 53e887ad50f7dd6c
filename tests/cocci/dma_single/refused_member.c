// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture: members of structs declared here, mapped
 * in one function and unmapped in another, that the migration must leave
 * alone; report mode says why on the line marked "expect:".  All members
 * are named dma: the rewrite follows members by name, so one refused
 * struct keeps its namesakes as they are too.
 */
#include <linux/dma-mapping.h>

struct w_dev {
	struct device *dev;
	dma_addr_t dma;
	void *buf;
};

static int w_start(struct w_dev *w)
{
	w->dma = dma_map_single(w->dev, w->buf, 64, DMA_TO_DEVICE); /* expect: struct w_dev, member dma: member dma of struct d_dev, a namesake, is left alone */
	if (dma_mapping_error(w->dev, w->dma))
		return -ENOMEM;
	return 0;
}

static void w_stop(struct w_dev *w)
{
	dma_unmap_single(w->dev, w->dma, 64, DMA_TO_DEVICE);
	w->dma = 0;
}

struct s_dev {
	struct device *dev;
	dma_addr_t dma;
	void *buf;
	size_t len;
};

static int s_start(struct s_dev *s)
{
	s->dma = dma_map_single(s->dev, s->buf, s->len, DMA_FROM_DEVICE); /* expect: line 48: dma_unmap_single() passes size '4096', the acquire 's->len' */
	if (dma_mapping_error(s->dev, s->dma))
		return -ENOMEM;
	return 0;
}

static void s_stop(struct s_dev *s)
{
	dma_unmap_single(s->dev, s->dma, 4096, DMA_FROM_DEVICE);
}

struct d_dev {
	struct device *dev;
	dma_addr_t dma;
	void *buf;
};

static int d_start(struct d_dev *d)
{
	d->dma = dma_map_single(d->dev, d->buf, 64, DMA_FROM_DEVICE); /* expect: line 67: dma_unmap_single() passes dir 'DMA_TO_DEVICE', the acquire 'DMA_FROM_DEVICE' */
	if (dma_mapping_error(d->dev, d->dma))
		return -ENOMEM;
	return 0;
}

static void d_stop(struct d_dev *d)
{
	dma_unmap_single(d->dev, d->dma, 64, DMA_TO_DEVICE); /* expect: BUG? dma_unmap_single() passes dir DMA_TO_DEVICE, but the object was acquired with DMA_FROM_DEVICE */
}

struct n_dev {
	struct device *dev;
	dma_addr_t dma;
	void *buf;
};

static int n_start(struct n_dev *n)
{
	n->dma = dma_map_single(n->dev, n->buf, 64, DMA_TO_DEVICE); /* expect: struct n_dev, member dma: never released in the files scanned */
	if (dma_mapping_error(n->dev, n->dma))
		return -ENOMEM;
	return 0;
}

struct p_dev {
	struct device *dev;
	dma_addr_t dma;
	void *buf;
};

static int p_start(struct p_dev *p)
{
	p->dma = dma_map_single(p->dev, p->buf, 64, DMA_TO_DEVICE); /* expect: line 100 passes 'dma' to dma_unmap_page(), which the spec does not describe */
	if (dma_mapping_error(p->dev, p->dma))
		return -ENOMEM;
	return 0;
}

static void p_stop(struct p_dev *p)
{
	dma_unmap_page(p->dev, p->dma, 64, DMA_TO_DEVICE);
	dma_unmap_single(p->dev, p->dma, 64, DMA_TO_DEVICE);
}

struct t_dev {
	struct device *dev;
	dma_addr_t dma;
	void *buf;
};

static void t_start(struct t_dev *t)
{
	t->dma = dma_map_single(t->dev, t->buf, 64, DMA_TO_DEVICE); /* expect: line 112: the acquire is not a statement followed by its failure test */
}

static void t_stop(struct t_dev *t)
{
	dma_unmap_single(t->dev, t->dma, 64, DMA_TO_DEVICE);
}

struct k_dev {
	struct device *dev;
	dma_addr_t dma;
	dma_addr_t aux;
	void *buf;
	size_t len;
};

static int k_start(struct k_dev *k)
{
	size_t sz = k->len;

	k->dma = dma_map_single(k->dev, k->buf, sz, DMA_TO_DEVICE); /* expect: line 148: 'sz' is used only by dma_unmap_single(), and the rewrite would leave it unused */
	if (dma_mapping_error(k->dev, k->dma))
		return -ENOMEM;
	k->aux = dma_map_single(k->dev, k->buf, sz, DMA_TO_DEVICE); /* expect: line 149: 'sz' is used only by dma_unmap_single(), and the rewrite would leave it unused */
	if (dma_mapping_error(k->dev, k->aux)) {
		dma_unmap_single(k->dev, k->dma, sz, DMA_TO_DEVICE);
		return -ENOMEM;
	}
	return 0;
}

/* sz is used by both unmaps and nothing else (caampkc.c's p_sz). */
static void k_stop(struct k_dev *k)
{
	size_t sz = k->len;

	dma_unmap_single(k->dev, k->dma, sz, DMA_TO_DEVICE);
	dma_unmap_single(k->dev, k->aux, sz, DMA_TO_DEVICE);
}

/*
 * The only write outside the acquire is in a function that names no call
 * of the spec: make migrate must still show it to spatch.
 */
struct z_dev {
	struct device *dev;
	dma_addr_t ring;
	void *buf;
};

static int z_start(struct z_dev *z)
{
	z->ring = dma_map_single(z->dev, z->buf, 64, DMA_TO_DEVICE); /* expect: line 172 writes 'ring' outside its acquire */
	if (dma_mapping_error(z->dev, z->ring))
		return -ENOMEM;
	return 0;
}

static void z_rewind(struct z_dev *z)
{
	z->ring += 64;
}

static void z_stop(struct z_dev *z)
{
	dma_unmap_single(z->dev, z->ring, 64, DMA_TO_DEVICE);
}
