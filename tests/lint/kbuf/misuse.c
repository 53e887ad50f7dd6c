// SPDX-License-Identifier: GPL-2.0
/*
 * Lint fixture for the test-only kbuf spec (tests/migrate_specs/kbuf.yaml),
 * which has nothing to do with DMA: the lint comes from the spec alone.
 * Each marked line must be reported, with the marked words; never built.
 */
#include <linux/slab.h>
#include <linux/typestate/kbuf.h>

static int copy(struct kbuf *body, const void *src, size_t len)
{
	struct kbuf_owned h = kbuf_alloc(body, len, GFP_KERNEL);
	void *p;

	if (kbuf_is_err(h))
		return kbuf_err(h);
	p = kbuf_mem(h);
	memcpy(p, src, len);
	kfree(p); /* expect: kfree() on p, which is kbuf_mem(h) from line 17, and h holds the memory */
	kfree(kbuf_mem(h)); /* expect: kfree() on kbuf_mem(h), which holds the memory */
	kbuf_release(h);
	return memcmp(kbuf_mem(h), src, len); /* expect: use of h after kbuf_release() on line 21 released it */
}

static void lost(struct kbuf *body)
{
	kbuf_alloc(body, 64, GFP_KERNEL); /* expect: result of kbuf_alloc() ignored */
}
