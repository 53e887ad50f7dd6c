// SPDX-License-Identifier: GPL-2.0
/*
 * Raw clk calls in the right order, each count given back once on every
 * path (failure paths included): the script generated from
 * tests/migrate_specs/clk_reports.yaml must report nothing here.
 */
#include <linux/clk.h>

struct foo {
	struct clk *clk;
	struct clk *bus;
	struct clk **many;
};

static int probe(struct foo *f)
{
	int ret;

	ret = clk_prepare(f->clk);
	if (ret)
		return ret;
	ret = clk_enable(f->clk);
	if (ret) {
		clk_unprepare(f->clk);
		return ret;
	}
	ret = clk_prepare_enable(f->bus);
	if (ret)
		goto err_clk;
	return 0;

err_clk:
	clk_disable(f->clk);
	clk_unprepare(f->clk);
	return ret;
}

static void remove(struct foo *f)
{
	clk_disable_unprepare(f->bus);
	clk_disable_unprepare(f->clk);
}

static int resume(struct foo *f)
{
	clk_disable(f->clk);
	if (clk_enable(f->clk))
		return -EIO;
	clk_disable(f->clk);
	clk_unprepare(f->clk);
	return 0;
}

static void stop_all(struct foo *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		clk_disable_unprepare(f->many[i]);
}

static int suspend(struct foo *f)
{
	clk_disable(f->clk);
	clk_unprepare(f->clk);
	return clk_prepare_enable(f->clk);
}

struct entry {
	struct clk *clk;
	struct entry *next;
	int prepared_only;
};

/* One clock per entry: the path round the loop is on the next one. */
static void stop_entries(struct entry *first)
{
	struct entry *ce;

	for (ce = first; ce; ce = ce->next) {
		if (ce->prepared_only)
			clk_disable_unprepare(ce->clk);
		else
			clk_disable(ce->clk);
	}
}

/* A local taking each clock in turn: the path round the loop is on the next. */
static void stop_array(struct clk **clks, int n)
{
	struct clk *c;
	int i;

	for (i = 0; i < n; i++) {
		c = clks[i];
		clk_disable(c);
		clk_unprepare(c);
	}
}
