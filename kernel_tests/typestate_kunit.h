/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the typestate KUnit suites, hand-written and generated
 * (installed next to them in lib/typestate/ by kernel_tests/tree.py).
 */
#ifndef _TYPESTATE_KUNIT_H
#define _TYPESTATE_KUNIT_H

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>

/**
 * typestate_kunit_dma_device() - register a KUnit device that maps for real
 * @test: the test that owns the device; it is unregistered when @test ends
 * @name: name of the device
 * @bus_limit: highest bus address the device reaches, or 0 for no limit
 *
 * The device gets a 64-bit DMA mask, so dma-direct maps through it for real
 * on UML.  With @bus_limit set to DMA_BIT_MASK(12) no page is reachable, so
 * every map through it fails; the suites use that to force failures, and
 * dma-direct warns once per call site when it happens.
 *
 * The device is bound to its KUnit driver, and unregistering it at the end
 * of @test unbinds it.  When the suites are built in, DMA-API debug watches
 * the KUnit bus as it watches PCI: it then reports every mapping still held
 * through the device ("device driver has pending DMA allocations"), and the
 * harness fails the run on that report, so a handle that leaks its mapping
 * cannot pass.  (dma_debug_add_bus() is not exported: a modular build of
 * the suites runs without that check.)
 *
 * Context: Process context, from a test or its init.
 * Return: the device.  The test fails if it cannot be registered.
 */
static inline struct device *typestate_kunit_dma_device(struct kunit *test, const char *name,
							u64 bus_limit)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
#if IS_BUILTIN(CONFIG_TYPESTATE_KUNIT_TEST) && IS_ENABLED(CONFIG_DMA_API_DEBUG)
	{
		static bool watched;

		if (!watched)
			dma_debug_add_bus(dev->bus);
		watched = true;
	}
#endif
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	dev->bus_dma_limit = bus_limit;
	return dev;
}

static inline void typestate_kunit_free_page(void *page)
{
	__free_page(page);
}

/**
 * typestate_kunit_alloc_pages() - allocate pages that are freed when the test ends
 * @test: the test that owns the pages
 * @pages: array to fill
 * @n: number of pages to allocate
 *
 * Each page is freed by KUnit after the test and its suite's exit() have
 * run, so a table built over the pages can still be freed in exit().
 *
 * Context: Process context, from a test or its init.  The test fails if a
 * page cannot be allocated.
 */
static inline void typestate_kunit_alloc_pages(struct kunit *test, struct page **pages,
					       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, typestate_kunit_free_page,
								pages[i]), 0);
	}
}

#endif /* _TYPESTATE_KUNIT_H */
