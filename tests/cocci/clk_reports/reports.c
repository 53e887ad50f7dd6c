// SPDX-License-Identifier: GPL-2.0
/*
 * Raw clk calls that give a count back twice or out of order: each marked
 * line must be reported by the script generated from
 * tests/migrate_specs/clk_reports.yaml (patch: false), with the marked
 * words, and no other line.
 */
#include <linux/clk.h>

struct foo {
	struct clk *clk;
	struct clk *bus;
};

static int unprepare_while_enabled(struct foo *f)
{
	int ret;

	ret = clk_prepare_enable(f->clk);
	if (ret)
		return ret;
	clk_unprepare(f->clk);	/* expect: BUG? clk_unprepare() gives back the prepare while the enable that clk_prepare_enable() took at line 19 is still held */
	return 0;
}

static int enable_then_unprepare(struct foo *f)
{
	if (clk_prepare(f->bus))
		return -EIO;
	if (clk_enable(f->bus) < 0) {
		clk_unprepare(f->bus);
		return -EIO;
	}
	clk_unprepare(f->bus);	/* expect: the enable that clk_enable() took at line 30 is still held */
	return 0;
}

static void untested_enable(struct foo *f)
{
	clk_prepare_enable(f->bus);
	clk_unprepare(f->bus);	/* expect: clk_unprepare() gives back the prepare while the enable */
}

static void disabled_twice(struct foo *f)
{
	clk_disable_unprepare(f->clk);
	clk_disable(f->clk);	/* expect: BUG? clk_disable() gives back the enable a second time: clk_disable_unprepare() at line 46 gave it back */
}

static void unprepared_twice(struct foo *f)
{
	clk_unprepare(f->clk);
	if (f->bus)
		clk_disable_unprepare(f->clk);	/* expect: gives back the prepare a second time: clk_unprepare() at line 52 */
}

static int remove(struct foo *f, int err)
{
	if (err)
		goto out;
	clk_disable_unprepare(f->bus);
out:
	clk_disable_unprepare(f->bus);	/* expect: BUG? clk_disable_unprepare() gives back the */
	return err;
}

static void local_clock(struct clk *c)
{
	clk_disable_unprepare(c);
	clk_unprepare(c);	/* expect: BUG? clk_unprepare() gives back the prepare a second time: clk_disable_unprepare() at line 69 gave it back */
}
