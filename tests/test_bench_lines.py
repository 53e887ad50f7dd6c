# SPDX-License-Identifier: GPL-2.0
"""bench/per_line.py: every byte of an object's .text charged to a source
line of a header, to the driver's own function, or to padding; the
charges add up to the .text size, and a before/after difference to the
.text difference."""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import per_line  # noqa: E402
from size import sizes  # noqa: E402

HEADER = """\
struct xh { int dev; int dir; };
static inline void xh_record(struct xh *h, int dev, int dir)
{
	h->dev = dev;
	h->dir = dir;
}
"""

DRIVER = """\
#include <linux/typestate/x.h>
extern void use(struct xh *h);
extern void use_raw(int dev, int dir);
int foo(int a)
{
	struct xh h;

%s
	return 0;
}
static int bar(int b) { return b * 7 + 1; }
int baz(int c) { return bar(c) + foo(c); }
"""


def _build(tmp_path, body):
    (tmp_path / "include" / "linux" / "typestate").mkdir(parents=True,
                                                          exist_ok=True)
    (tmp_path / "include" / "linux" / "typestate" / "x.h").write_text(HEADER)
    (tmp_path / "drivers").mkdir(exist_ok=True)
    (tmp_path / "drivers" / "foo.c").write_text(DRIVER % body)
    subprocess.run(["gcc", "-O2", "-g", "-falign-functions=16", "-Iinclude",
                    "-c", "drivers/foo.c", "-o", "drivers/foo.o"],
                   cwd=tmp_path, check=True)
    obj = str(tmp_path / "drivers" / "foo.o")
    return obj, per_line.line_bytes(obj, str(tmp_path))


@pytest.mark.skipif(not shutil.which("gcc") or not shutil.which("objdump"),
                    reason="needs gcc and objdump")
def test_every_byte_has_one_source(tmp_path):
    obj, before = _build(tmp_path, "\tuse_raw(a, a * 3);")
    assert sum(before.values()) == sizes(obj)[".text"]
    # No header code yet: the driver's functions and padding only.
    assert {k[0] for k in before} <= {"function", "padding"}
    assert ("function", "foo") in before and ("function", "baz") in before
    obj, after = _build(tmp_path, "\txh_record(&h, a, a * 3);\n\tuse(&h);")
    assert sum(after.values()) == sizes(obj)[".text"]
    # The stores of the inlined header function are charged to its lines.
    stores = {k[2]: v for k, v in after.items() if k[0] == "line"}
    assert all(k[1] == "include/linux/typestate/x.h"
               for k in after if k[0] == "line")
    assert set(stores) == {4, 5} and all(v > 0 for v in stores.values())
    d = per_line.delta({"before": before, "after": after})
    assert sum(d.values()) == sum(after.values()) - sum(before.values())
    assert per_line._label(str(tmp_path), (
        "line", "include/linux/typestate/x.h", 4)) == \
        "`include/linux/typestate/x.h:4` in `xh_record()`: `h->dev = dev;`"


# Lines of the generated headers as _label() quotes them, and what their
# code does.
REASONS = [
    ("`include/linux/typestate/dma_single.h:344` in `dmab_map_new()`: "
     "`body->attrs = attrs;`", "record"),
    ("`include/linux/typestate/sg_table.h:495` in `sgt_alloc_from_pages()`: "
     "`body->common.sgt = &body->table;`", "record"),
    ("`include/linux/typestate/dma_single.h:461` in "
     "`dmab_managed_release()`: `ACCESS_PRIVATE(h, body) = NULL;`", "empty"),
    ("`include/linux/typestate/dma_single.h:459` in "
     "`dmab_managed_release()`: "
     "`struct dmab *body = __dmab_managed_body(*h);`", "load"),
    ("`include/linux/typestate/sg_table.h:1041` in `__sgt_dma_nents()`: "
     "`return body->sgt->nents;`", "load"),
    ("`include/linux/typestate/sg_table.h:183` in `__sgt_assume_errno()`: "
     "`if (ret && !IS_ERR_VALUE(ret))`", "hint"),
    ("`include/linux/typestate/sg_table.h:641` in "
     "`sgt_borrowed_unmapped_map()`: `__sgt_assume_errno(ret);`", "hint"),
    ("`include/linux/typestate/sg_table.h:640` in "
     "`sgt_borrowed_unmapped_map()`: "
     "`ret = dma_map_sgtable(dev, body->sgt, dir, attrs);`", "call"),
    ("`include/linux/typestate/sg_table.h:795` in "
     "`sgt_borrowed_managed_release()`: "
     "`dma_unmap_sgtable(body->dev, body->sgt, body->dir,`", "call"),
    ("`include/linux/typestate/sg_table.h:796` in "
     "`sgt_borrowed_managed_release()`: `body->attrs);`", "call"),
    ("`include/linux/typestate/dma_single.h:338` in `dmab_map_new()`: "
     "`return (struct dmab_managed){ .body = ERR_PTR(ret) };`", "frame"),
    ("`include/linux/typestate/dma_single.h:464` in "
     "`dmab_managed_release()`: `}`", "frame"),
    ("`include/linux/typestate/dma_single.h:325` in `dmab_map_new()`: "
     "`static inline __must_check struct dmab_managed dmab_map_new("
     "struct dmab *body, struct device *dev,`", "frame"),
]


@pytest.mark.parametrize("label,kind", REASONS)
def test_reason_of_a_generated_line(label, kind):
    path, n = label.split("`")[1].rsplit(":", 1)
    assert per_line.reason(("line", path, int(n)), label) == kind


def test_reason_of_other_sources():
    assert per_line.reason(("padding",), "alignment padding") == "padding"
    assert per_line.reason(("function", "foo"), None) == "driver"
    assert per_line.reason(
        ("line", "include/linux/dma-mapping.h", 381),
        "`include/linux/dma-mapping.h:381`: `body->x = 1;`") == "kernel"
    # Every kind has its reason and its name in the tables.
    assert set(per_line.WHY) == set(per_line.WHAT)
    assert {k for k, _ in per_line.GENERATED_KINDS} | {
        "frame", "kernel", "driver", "padding"} == set(per_line.WHY)
