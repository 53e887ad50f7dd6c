// SPDX-License-Identifier: GPL-2.0
/*
 * Lint fixture: legal uses of the clk handles, on which the generated
 * lint must report nothing.  Never built: the lint reads it.
 */
#include <linux/clk.h>
#include <linux/typestate/clk.h>

struct foo_dev {
	struct clk *clk;
	struct clkh clk_body;
	struct clkh_prepared_enabled clk_h;
};

/* Probe: prepare and enable in one call, kept in the driver struct. */
static int foo_probe(struct foo_dev *fd)
{
	struct clkh_unprepared_disabled u = clkh_wrap(&fd->clk_body, fd->clk);

	fd->clk_h = clkh_prepare_enable(u);
	if (clkh_is_err(fd->clk_h))
		return clkh_err(fd->clk_h);
	return 0;
}

/* Remove: both counts back in one call. */
static void foo_remove(struct foo_dev *fd)
{
	struct clkh_unprepared_disabled u = clkh_disable_unprepare(fd->clk_h);

	(void)u;
}

/* Step by step, with the rate read while prepared, and a scoped release. */
static int foo_rate(struct clk *c, struct clkh *body, unsigned long *rate)
{
	struct clkh_unprepared_disabled u = clkh_wrap(body, c);
	struct clkh_prepared_disabled p __free(clkh_prepared_disabled) = clkh_prepare(u);

	if (clkh_is_err(p))
		return clkh_err(p);
	*rate = clkh_rate(p);
	return 0;
}

/* A failed enable leaves the prepared handle to release. */
static int foo_enable(struct clkh_prepared_disabled p, struct clkh_prepared_enabled *out)
{
	struct clkh_prepared_enabled e = clkh_enable(p);

	if (clkh_is_err(e)) {
		clkh_release(p);
		return clkh_err(e);
	}
	*out = e;
	return 0;
}
