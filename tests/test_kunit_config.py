# SPDX-License-Identifier: GPL-2.0
"""A spec declares the kernel configuration its KUnit suite needs
(kunit.config); the generator writes it beside the suite and run_kunit.py
composes the .kunitconfig from the harness's and every spec's."""

import os
import sys

import pytest

from conftest import KUNIT, ROOT, run_gen

sys.path.insert(0, os.path.join(ROOT, "kernel_tests"))
import run_kunit  # noqa: E402


def test_spec_config_is_written_beside_its_suite(tmp_path):
    text = open(KUNIT, encoding="utf-8").read().replace(
        "kunit:\n", "kunit:\n  config: [CONFIG_COMMON_CLK, "
        "CONFIG_DEBUG_OBJECTS]\n", 1)
    path = tmp_path / "widget.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    res = run_gen(["--out", str(out), "gen", str(path)])
    assert res.rc == 0, res.err
    lines = [line for line in
             (out / "kunit/widget.kunitconfig").read_text().splitlines()
             if not line.startswith("#")]
    assert lines == ["CONFIG_COMMON_CLK=y", "CONFIG_DEBUG_OBJECTS=y"]


def test_symbol_twice_is_refused(tmp_path):
    text = open(KUNIT, encoding="utf-8").read().replace(
        "kunit:\n", "kunit:\n  config: [CONFIG_KASAN, CONFIG_KASAN]\n", 1)
    path = tmp_path / "widget.yaml"
    path.write_text(text)
    res = run_gen(["lint", str(path)])
    assert res.rc == 2 and "'CONFIG_KASAN' is listed twice" in res.err


def test_compose_keeps_each_symbol_once_in_order():
    text = run_kunit.compose_kunitconfig([
        ("base", "CONFIG_KUNIT=y\n# a comment\nCONFIG_KASAN=y\n"),
        ("a", "# spec a\nCONFIG_DMA_API_DEBUG=y\nCONFIG_KASAN=y\n"),
        ("b", "CONFIG_COMMON_CLK=y\n")])
    assert text == ("CONFIG_KUNIT=y\nCONFIG_KASAN=y\nCONFIG_DMA_API_DEBUG=y\n"
                    "CONFIG_COMMON_CLK=y\n")


def test_compose_refuses_two_values_for_one_symbol():
    with pytest.raises(SystemExit) as e:
        run_kunit.compose_kunitconfig([("base", "CONFIG_KASAN=y\n"),
                                       ("b", "CONFIG_KASAN=n\n")])
    assert "b sets CONFIG_KASAN=n but base sets CONFIG_KASAN=y" in str(e.value)


def test_shipped_configuration_is_the_harness_plus_the_specs(tmp_path):
    """What make kunit builds with: the sg_table spec brings
    CONFIG_DMA_API_DEBUG_SG and the clk spec CONFIG_COMMON_CLK, which the
    harness's file does not have."""
    text = run_kunit.write_kunitconfig(str(tmp_path / "kunitconfig"))
    harness = open(run_kunit.KUNITCONFIG, encoding="utf-8").read()
    assert "CONFIG_DMA_API_DEBUG_SG=y" not in harness
    assert "CONFIG_COMMON_CLK=y" not in harness
    assert set(text.split()) == {
        "CONFIG_KUNIT=y", "CONFIG_TYPESTATE_KUNIT_TEST=y",
        "CONFIG_DMA_API_DEBUG=y", "CONFIG_KASAN=y",
        "CONFIG_DMA_API_DEBUG_SG=y", "CONFIG_COMMON_CLK=y"}
