// SPDX-License-Identifier: GPL-2.0
/* Pattern c: a table the GEM shmem helpers own and have mapped (as in
 * drivers/gpu/drm/virtio/virtgpu_object.c). */
#include <drm/drm_gem_shmem_helper.h>
#include <linux/typestate/sg_table.h>

int fill(struct drm_gem_shmem_object *shmem, u64 *addr, unsigned int *n)
{
	struct scatterlist *sg;
	struct sg_table *pages;
	struct sgt pages_body __uninitialized;
	struct sgt_borrowed_mapped pages_h;
	int i;

	pages = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(pages))
		return PTR_ERR(pages);
	pages_h = sgt_borrow_mapped(&pages_body, pages);

	*n = sgt_dma_nents(pages_h);
	sgt_for_each_dma(pages_h, sg, i)
		addr[i] = sg_dma_address(sg);
	return 0;
}
