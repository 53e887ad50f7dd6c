// SPDX-License-Identifier: GPL-2.0
/* Pattern c: a table the GEM shmem helpers own and have mapped (as in
 * drivers/gpu/drm/virtio/virtgpu_object.c). */
#include <drm/drm_gem_shmem_helper.h>

int fill(struct drm_gem_shmem_object *shmem, u64 *addr, unsigned int *n)
{
	struct scatterlist *sg;
	struct sg_table *pages;
	int i;

	pages = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(pages))
		return PTR_ERR(pages);

	*n = pages->nents;
	for_each_sgtable_dma_sg(pages, sg, i)
		addr[i] = sg_dma_address(sg);
	return 0;
}
