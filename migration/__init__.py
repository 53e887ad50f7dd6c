# SPDX-License-Identifier: GPL-2.0
"""The migration's own checks, apart from the rules that make it.

prove: every typed release or operation in a migrated tree undoes, or acts
on, exactly the acquire it replaces (see prove.py).
"""
