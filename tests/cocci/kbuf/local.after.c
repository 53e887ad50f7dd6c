// SPDX-License-Identifier: GPL-2.0
/*
 * kbuf migration fixture (a test-only spec): a buffer allocated, tested,
 * used and freed in one function.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/typestate/kbuf.h>

static int bar_copy(const void *src, size_t len)
{
	struct kbuf tmp_body __uninitialized;
	struct kbuf_owned tmp_h;
	void *tmp;
	int ret;

	tmp_h = kbuf_alloc(&tmp_body, len, GFP_KERNEL);
	if (kbuf_is_err(tmp_h))
		return -ENOMEM;
	tmp = kbuf_mem(tmp_h);
	memcpy(tmp, src, len);
	ret = memcmp(tmp, src, len) ? -EIO : 0;
	kbuf_release(tmp_h);
	return ret;
}

static int bar_leave(size_t len)
{
	void *tmp;

	tmp = kmalloc(len, GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	return 0;
}
