# SPDX-License-Identifier: GPL-2.0
"""The migration's own checks, apart from the rules that make it.

prove    every typed release or operation in a migrated tree undoes, or
         acts on, exactly the acquire it replaces
changes  behaviour changes the rules do not report: what a spec says its
         typed elements do otherwise, and structs whose size goes outside
csrc     just enough of C, as the kernel writes it, for both
"""
