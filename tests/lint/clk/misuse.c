// SPDX-License-Identifier: GPL-2.0
/*
 * Lint fixture: each marked line is a misuse the generated lint for the
 * clk spec must report, with the marked words in its message; no other
 * line may be reported.  Never built: the lint reads it.
 */
#include <linux/clk.h>
#include <linux/typestate/clk.h>

/* Disabled, then the enabled handle released again. */
static void release_after_disable(struct clkh_prepared_enabled e)
{
	struct clkh_prepared_disabled p = clkh_disable(e);

	clkh_release(e); /* expect: use of e after clkh_disable() */
	clkh_release(p);
}

/* prepare_enable's result used before it was tested. */
static unsigned long rate_untested(struct clk *c, struct clkh *body)
{
	struct clkh_unprepared_disabled u = clkh_wrap(body, c);
	struct clkh_prepared_enabled e = clkh_prepare_enable(u);
	unsigned long r = clkh_rate(e); /* expect: e from clkh_prepare_enable() on line 23 used before */

	clkh_release(e);
	return r;
}

/* Released twice. */
static void twice(struct clkh_prepared_disabled p)
{
	clkh_release(p);
	clkh_release(p); /* expect: double release of p */
}

/* The raw API behind an enabled handle's back. */
static void raw_disable(struct clkh_prepared_enabled e)
{
	clk_disable(clkh_clock(e)); /* expect: clk_disable() on clkh_clock(e) */
	clkh_release(e);
}

/* A result ignored. */
static void lost(struct clkh_prepared_enabled e)
{
	clkh_disable_unprepare(e); /* expect: result of clkh_disable_unprepare() ignored */
}

/* A __free() handle returned whole. */
static struct clkh_prepared_enabled scoped(struct clkh_unprepared_disabled u)
{
	struct clkh_prepared_enabled e __free(clkh_prepared_enabled) = clkh_prepare_enable(u);

	return e; /* expect: e is declared __free(clkh_prepared_enabled) */
}

/* Enabled, read, and returned early on one path: the counts leak. */
static int leak_enable(struct clkh_unprepared_disabled u, unsigned long *rate)
{
	struct clkh_prepared_enabled e = clkh_prepare_enable(u);

	if (clkh_is_err(e))
		return clkh_err(e);
	*rate = clkh_rate(e); /* expect: e from clkh_prepare_enable() on line 61 still holds what it acquired when leak_enable() returns */
	if (!*rate)
		return -EINVAL;
	clkh_release(e);
	return 0;
}
