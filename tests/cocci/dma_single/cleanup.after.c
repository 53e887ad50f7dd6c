// SPDX-License-Identifier: GPL-2.0
/*
 * dma_single migration fixture, the qla4xxx shape (ql4_os.c:
 * qla4xxx_alloc_pdu() and qla4xxx_task_cleanup()): a task's buffer is
 * mapped into a member by one callback, which returns -ENOMEM when the map
 * fails; the core then calls the clean-up callback whatever the first one
 * returned, and it unmaps under a test that is true after a failed map
 * too.  The typed release there must skip the error handle:
 * dmab_release_if_live(), never dmab_release(), which would dereference it.
 */
#include <linux/dma-mapping.h>
#include <linux/typestate/dma_single.h>

struct qt_task {
	struct device *dev;
	void *data;
	size_t data_count;
	dma_addr_t data_dma;
	struct dmab data_dma_body;
	struct dmab_managed data_dma_h;
};

static int qt_alloc_pdu(struct qt_task *task)
{
	if (task->data_count) {
		task->data_dma_h = dmab_map_new(&task->data_dma_body,
						task->dev, task->data,
						task->data_count,
						DMA_TO_DEVICE, 0);
		if (dmab_is_err(task->data_dma_h))
			return -ENOMEM;
		task->data_dma = dmab_dma_addr(task->data_dma_h);
	}
	return 0;
}

/* Called by the core after qt_alloc_pdu(), whether it failed or not. */
static void qt_task_cleanup(struct qt_task *task)
{
	if (task->data_count)
		dmab_release_if_live(task->data_dma_h);
}
