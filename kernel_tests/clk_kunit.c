// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-written KUnit tests for <linux/typestate/clk.h>: a clock registered
 * with the common clock framework on UML, whose callbacks count how often
 * the hardware was prepared and enabled (kernel_tests/typestate_clk_kunit.h).
 * Each step of a handle must move the framework's counts and the hardware
 * exactly as the raw clk_prepare()/clk_enable() calls would, and give back
 * what it holds once.  A second unprepare or disable would WARN in the clock
 * framework, and `make kunit` fails on any WARNING in the log.
 */
#include <kunit/test.h>
#include <linux/clk.h>
#include <linux/clk-provider.h>
#include <linux/typestate/clk.h>

#include "typestate_clk_kunit.h"

static void clkh_expect(struct kunit *test, struct typestate_kunit_clk *c,
			bool prepared, bool enabled)
{
	KUNIT_EXPECT_EQ(test, clk_hw_is_prepared(&c->hw), prepared);
	KUNIT_EXPECT_EQ(test, clk_hw_is_enabled(&c->hw), enabled);
	KUNIT_EXPECT_EQ(test, __clk_is_enabled(c->clk), enabled);
	KUNIT_EXPECT_EQ(test, c->prepared, prepared ? 1 : 0);
	KUNIT_EXPECT_EQ(test, c->enabled, enabled ? 1 : 0);
}

/* Every step moves exactly the count it names, and the rate is the clock's. */
static void clkh_steps_move_the_counts(struct kunit *test)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk(test, "clkh-steps", 0, 0);
	struct clkh_unprepared_disabled u;
	struct clkh_prepared_disabled p;
	struct clkh_prepared_enabled e;
	struct clkh body;

	u = clkh_wrap(&body, c->clk);
	KUNIT_EXPECT_PTR_EQ(test, clkh_clock(u), c->clk);
	clkh_expect(test, c, false, false);

	p = clkh_prepare(u);
	KUNIT_ASSERT_FALSE(test, clkh_is_err(p));
	KUNIT_EXPECT_NULL(test, __clkh_body(u));
	clkh_expect(test, c, true, false);
	KUNIT_EXPECT_EQ(test, clkh_rate(p), TYPESTATE_KUNIT_CLK_RATE);

	e = clkh_enable(p);
	KUNIT_ASSERT_FALSE(test, clkh_is_err(e));
	KUNIT_EXPECT_NULL(test, __clkh_body(p));
	clkh_expect(test, c, true, true);

	p = clkh_disable(e);
	KUNIT_EXPECT_NULL(test, __clkh_body(e));
	clkh_expect(test, c, true, false);

	u = clkh_unprepare(p);
	KUNIT_EXPECT_NULL(test, __clkh_body(p));
	clkh_expect(test, c, false, false);
}

/* The release of an enabled handle disables, then unprepares, once. */
static void clkh_release_gives_back_both(struct kunit *test)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk(test, "clkh-release", 0, 0);
	struct clkh_unprepared_disabled u;
	struct clkh_prepared_disabled p;
	struct clkh body;

	u = clkh_wrap(&body, c->clk);
	p = clkh_prepare(u);
	KUNIT_ASSERT_FALSE(test, clkh_is_err(p));
	{
		struct clkh_prepared_enabled e __free(clkh_prepared_enabled) = clkh_enable(p);

		KUNIT_ASSERT_FALSE(test, clkh_is_err(e));
		clkh_expect(test, c, true, true);
	}
	clkh_expect(test, c, false, false);
}

/*
 * Two handles on one clock hold two counts: releasing one leaves the clock
 * running for the other, as two raw users would.
 */
static void clkh_two_handles_two_counts(struct kunit *test)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk(test, "clkh-two", 0, 0);
	struct clkh_unprepared_disabled ua, ub;
	struct clkh_prepared_disabled pa, pb;
	struct clkh_prepared_enabled a, b;
	struct clkh body_a, body_b;

	ua = clkh_wrap(&body_a, c->clk);
	ub = clkh_wrap(&body_b, c->clk);
	pa = clkh_prepare(ua);
	pb = clkh_prepare(ub);
	KUNIT_ASSERT_FALSE(test, clkh_is_err(pa));
	KUNIT_ASSERT_FALSE(test, clkh_is_err(pb));
	a = clkh_enable(pa);
	b = clkh_enable(pb);
	KUNIT_ASSERT_FALSE(test, clkh_is_err(a));
	KUNIT_ASSERT_FALSE(test, clkh_is_err(b));
	clkh_expect(test, c, true, true);

	clkh_release(a);
	KUNIT_EXPECT_NULL(test, __clkh_body(a));
	clkh_expect(test, c, true, true);

	clkh_release(b);
	clkh_expect(test, c, false, false);
}

/*
 * A clock that fails to enable: the error is the provider's, the prepared
 * handle is left as it was and still holds its prepare count, which its
 * release gives back.
 */
static void clkh_failed_enable_keeps_prepare(struct kunit *test)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk(test, "clkh-bad-enable", 0, -EIO);
	struct clkh_unprepared_disabled u;
	struct clkh_prepared_disabled p;
	struct clkh_prepared_enabled e;
	struct clkh body;

	u = clkh_wrap(&body, c->clk);
	p = clkh_prepare(u);
	KUNIT_ASSERT_FALSE(test, clkh_is_err(p));
	e = clkh_enable(p);
	KUNIT_EXPECT_TRUE(test, clkh_is_err(e));
	KUNIT_EXPECT_EQ(test, clkh_err(e), -EIO);
	KUNIT_EXPECT_PTR_EQ(test, __clkh_body(p), &body);
	clkh_expect(test, c, true, false);
	clkh_release_if_live(e);	/* an error handle holds nothing */
	clkh_release(p);
	clkh_expect(test, c, false, false);
}

/* A clock that fails to prepare: nothing held, nothing to give back. */
static void clkh_failed_prepare_holds_nothing(struct kunit *test)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk(test, "clkh-bad-prepare", -ENODEV, 0);
	struct clkh_unprepared_disabled u;
	struct clkh_prepared_disabled p;
	struct clkh body;

	u = clkh_wrap(&body, c->clk);
	p = clkh_prepare(u);
	KUNIT_EXPECT_TRUE(test, clkh_is_err(p));
	KUNIT_EXPECT_EQ(test, clkh_err(p), -ENODEV);
	KUNIT_EXPECT_PTR_EQ(test, __clkh_body(u), &body);
	clkh_expect(test, c, false, false);
}

/*
 * clkh_prepare_enable() takes both counts in one call and
 * clkh_disable_unprepare() gives both back, as their raw namesakes do.
 */
static void clkh_prepare_enable_in_one_call(struct kunit *test)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk(test, "clkh-one-call", 0, 0);
	struct clkh_unprepared_disabled u;
	struct clkh_prepared_enabled e;
	struct clkh body;

	u = clkh_wrap(&body, c->clk);
	e = clkh_prepare_enable(u);
	KUNIT_ASSERT_FALSE(test, clkh_is_err(e));
	KUNIT_EXPECT_NULL(test, __clkh_body(u));
	KUNIT_EXPECT_PTR_EQ(test, __clkh_body(e), &body);
	clkh_expect(test, c, true, true);

	u = clkh_disable_unprepare(e);
	KUNIT_EXPECT_NULL(test, __clkh_body(e));
	KUNIT_EXPECT_PTR_EQ(test, __clkh_body(u), &body);
	clkh_expect(test, c, false, false);
}

/*
 * The enable fails after the prepare succeeded: the generated undo
 * unprepares (the hardware was prepared once and unprepared once), the
 * source handle is valid again, and the error is the provider's.
 */
static void clkh_prepare_enable_undoes_prepare(struct kunit *test)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk(test, "clkh-undo", 0, -EIO);
	struct clkh_unprepared_disabled u;
	struct clkh_prepared_enabled e;
	struct clkh_prepared_disabled p;
	struct clkh body;

	u = clkh_wrap(&body, c->clk);
	e = clkh_prepare_enable(u);
	KUNIT_EXPECT_TRUE(test, clkh_is_err(e));
	KUNIT_EXPECT_EQ(test, clkh_err(e), -EIO);
	KUNIT_EXPECT_PTR_EQ(test, __clkh_body(u), &body);
	clkh_expect(test, c, false, false);

	/* The source is usable again. */
	p = clkh_prepare(u);
	KUNIT_ASSERT_FALSE(test, clkh_is_err(p));
	clkh_expect(test, c, true, false);
	clkh_release(p);
	clkh_expect(test, c, false, false);
}

/* The prepare fails: nothing was acquired, so nothing is undone. */
static void clkh_prepare_enable_fails_at_prepare(struct kunit *test)
{
	struct typestate_kunit_clk *c = typestate_kunit_clk(test, "clkh-no-prep", -EBUSY, 0);
	struct clkh_unprepared_disabled u;
	struct clkh_prepared_enabled e;
	struct clkh body;

	u = clkh_wrap(&body, c->clk);
	e = clkh_prepare_enable(u);
	KUNIT_EXPECT_TRUE(test, clkh_is_err(e));
	KUNIT_EXPECT_EQ(test, clkh_err(e), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, __clkh_body(u), &body);
	clkh_expect(test, c, false, false);
}

static struct kunit_case clkh_test_cases[] = {
	KUNIT_CASE(clkh_prepare_enable_in_one_call),
	KUNIT_CASE(clkh_prepare_enable_undoes_prepare),
	KUNIT_CASE(clkh_prepare_enable_fails_at_prepare),
	KUNIT_CASE(clkh_steps_move_the_counts),
	KUNIT_CASE(clkh_release_gives_back_both),
	KUNIT_CASE(clkh_two_handles_two_counts),
	KUNIT_CASE(clkh_failed_enable_keeps_prepare),
	KUNIT_CASE(clkh_failed_prepare_holds_nothing),
	{}
};

static struct kunit_suite clkh_test_suite = {
	.name = "typestate_clk",
	.test_cases = clkh_test_cases,
};

kunit_test_suite(clkh_test_suite);

MODULE_DESCRIPTION("KUnit tests for the clk typestate API");
MODULE_LICENSE("GPL");
