/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the typestate KUnit suites, hand-written and generated
 * (installed next to them in lib/typestate/ by kernel_tests/tree.py).
 */
#ifndef _TYPESTATE_KUNIT_H
#define _TYPESTATE_KUNIT_H

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>

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
 * Context: Process context, from a test or its init.
 * Return: the device.  The test fails if it cannot be registered.
 */
static inline struct device *typestate_kunit_dma_device(struct kunit *test, const char *name,
							u64 bus_limit)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	dev->bus_dma_limit = bus_limit;
	return dev;
}

#endif /* _TYPESTATE_KUNIT_H */
