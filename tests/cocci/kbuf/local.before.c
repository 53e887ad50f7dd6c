// SPDX-License-Identifier: GPL-2.0
/*
 * kbuf migration fixture (a test-only spec): a buffer allocated, tested,
 * used and freed in one function.
 */
#include <linux/slab.h>
#include <linux/string.h>

static int bar_copy(const void *src, size_t len)
{
	void *tmp;
	int ret;

	tmp = kmalloc(len, GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, src, len);
	ret = memcmp(tmp, src, len) ? -EIO : 0;
	kfree(tmp);
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
