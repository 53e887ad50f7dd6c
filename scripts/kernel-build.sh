#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of a prepared x86_64 allmodconfig build directory for the
# cached 6.12 tree, configuring and preparing it on first use (about a
# minute on two cores).  Objects built against it get the flags real kernel
# code gets, including CONFIG_WERROR=y.
#
# It is shared by every checkout, and like the tree it is only read once
# prepared: the compile suite builds against it as an external module
# (make O=<this> M=<the checkout's own directory>), which writes only into
# M=.  Its stamp names the tree it was prepared for; a tree extracted anew
# prepares it again.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/progress.sh"
src=$("$here/kernel-tree.sh" src)
cache=$("$here/kernel-tree.sh" cache)
build=$cache/build-x86
want=$(cat "$cache/linux-source-6.12.fingerprint")

if [ "$(cat "$build/.typestate-prepared" 2>/dev/null)" != "$want" ]; then
	exec 9>"$cache/.build-x86.lock"
	if ! flock -n 9; then
		echo "kernel-build: another checkout is preparing $build; waiting" >&2
		progress "kernel-build: waiting for the other checkout" flock 9
	fi
	if [ "$(cat "$build/.typestate-prepared" 2>/dev/null)" != "$want" ]; then
		echo "kernel-build: configuring and preparing $build (x86_64 allmodconfig)" >&2
		rm -rf "$build"
		mkdir -p "$build"
		progress "kernel-build: make allmodconfig" make -s -C "$src" O="$build" allmodconfig >&2
		progress "kernel-build: make prepare" make -s -C "$src" O="$build" -j"$(nproc)" prepare >&2
		echo "$want" >"$build/.typestate-prepared"
	fi
	exec 9>&-
fi
echo "$build"
