#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of a prepared x86_64 allmodconfig build directory for the
# cached 6.12 tree, configuring and preparing it on first use (about a
# minute on two cores).  Objects built in it get the flags real kernel code
# gets, including CONFIG_WERROR=y.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$("$here/kernel-tree.sh" src)
build=$("$here/kernel-tree.sh" cache)/build-x86

if [ ! -f "$build/.typestate-prepared" ]; then
	echo "kernel-build: configuring and preparing $build (x86_64 allmodconfig)" >&2
	mkdir -p "$build"
	make -s -C "$src" O="$build" allmodconfig >&2
	make -s -C "$src" O="$build" -j"$(nproc)" prepare >&2
	touch "$build/.typestate-prepared"
fi
echo "$build"
