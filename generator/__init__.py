# SPDX-License-Identifier: GPL-2.0
"""Typestate C API generator: YAML specs -> kernel headers, tests, patches.

The pipeline is load -> validate (schema) -> model -> check -> render, one
module each.  Nothing in this package knows about any particular resource:
every resource-specific word comes from a spec.
"""
