/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A clock for the clk typestate KUnit suites (generated and hand-written,
 * installed next to them in lib/typestate/ by kernel_tests/tree.py): a
 * clk_hw registered with the common clock framework for the length of one
 * test, whose prepare and enable callbacks count how often the hardware was
 * really switched on and off, and can be told to fail.
 */
#ifndef _TYPESTATE_CLK_KUNIT_H
#define _TYPESTATE_CLK_KUNIT_H

#include <kunit/clk.h>
#include <kunit/test.h>
#include <linux/clk.h>
#include <linux/clk-provider.h>
#include <linux/slab.h>

/* The rate the clock reports. */
#define TYPESTATE_KUNIT_CLK_RATE 24000000UL

/**
 * struct typestate_kunit_clk - a counting clock
 * @hw: the clock's hardware handle, registered with the framework
 * @clk: a consumer handle on it, put when the test ends
 * @prepared: prepare callbacks minus unprepare callbacks
 * @enabled: enable callbacks minus disable callbacks
 * @prepare_errno: returned (negative) by the prepare callback when not 0
 * @enable_errno: returned (negative) by the enable callback when not 0
 */
struct typestate_kunit_clk {
	struct clk_hw hw;
	struct clk *clk;
	int prepared;
	int enabled;
	int prepare_errno;
	int enable_errno;
};

static inline struct typestate_kunit_clk *typestate_kunit_clk_of(struct clk_hw *hw)
{
	return container_of(hw, struct typestate_kunit_clk, hw);
}

static inline int typestate_kunit_clk_prepare(struct clk_hw *hw)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk_of(hw);

	if (c->prepare_errno)
		return c->prepare_errno;
	c->prepared++;
	return 0;
}

static inline void typestate_kunit_clk_unprepare(struct clk_hw *hw)
{
	typestate_kunit_clk_of(hw)->prepared--;
}

static inline int typestate_kunit_clk_enable(struct clk_hw *hw)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk_of(hw);

	if (c->enable_errno)
		return c->enable_errno;
	c->enabled++;
	return 0;
}

static inline void typestate_kunit_clk_disable(struct clk_hw *hw)
{
	typestate_kunit_clk_of(hw)->enabled--;
}

static inline unsigned long typestate_kunit_clk_recalc_rate(struct clk_hw *hw,
							    unsigned long parent_rate)
{
	return TYPESTATE_KUNIT_CLK_RATE;
}

static const struct clk_ops typestate_kunit_clk_ops = {
	.prepare = typestate_kunit_clk_prepare,
	.unprepare = typestate_kunit_clk_unprepare,
	.enable = typestate_kunit_clk_enable,
	.disable = typestate_kunit_clk_disable,
	.recalc_rate = typestate_kunit_clk_recalc_rate,
};

/**
 * typestate_kunit_clk() - register a counting clock for one test
 * @test: the test that owns the clock; it is put and unregistered when @test ends
 * @name: the clock's name, unique among the clocks registered at a time
 * @prepare_errno: errno (negative) the prepare callback returns, or 0
 * @enable_errno: errno (negative) the enable callback returns, or 0
 *
 * The framework counts prepares and enables of the clock itself
 * (clk_hw_is_prepared(), __clk_is_enabled()); @prepared and @enabled count
 * the callbacks, that is the times the hardware was switched.
 *
 * Context: Process context, from a test or its init.
 * Return: the clock.  The test fails if it cannot be registered.
 */
static inline struct typestate_kunit_clk *typestate_kunit_clk(struct kunit *test,
							      const char *name,
							      int prepare_errno,
							      int enable_errno)
{
	struct typestate_kunit_clk *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct clk_init_data init = {
		.name = name,
		.ops = &typestate_kunit_clk_ops,
	};

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->prepare_errno = prepare_errno;
	c->enable_errno = enable_errno;
	c->hw.init = &init;
	KUNIT_ASSERT_EQ(test, clk_hw_register_kunit(test, NULL, &c->hw), 0);
	c->clk = clk_hw_get_clk_kunit(test, &c->hw, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->clk);
	return c;
}

#endif /* _TYPESTATE_CLK_KUNIT_H */
