#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of a pristine linux-source-6.12 tree, extracting Debian's
# tarball into the cache on first use.  The cache lives outside the
# repository ($TYPESTATE_CACHE, default ~/.cache/typestate-gen) and is only a
# speed-up: a fresh machine builds it from nothing.
#
#   scripts/kernel-tree.sh src       the extracted source tree (never built in;
#                                    the compile and KUnit suites install the
#                                    generated files into it)
#   scripts/kernel-tree.sh pristine  a second extraction that nothing writes
#                                    to, for `make patches-check`
#   scripts/kernel-tree.sh cache     the cache directory
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${TYPESTATE_CACHE:-$HOME/.cache/typestate-gen}
tarball=/usr/src/linux-source-6.12.tar.xz
src=$cache/linux-source-6.12

case "${1:-src}" in
cache) mkdir -p "$cache"; echo "$cache"; exit 0 ;;
src) ;;
pristine) src=$cache/pristine/linux-source-6.12 ;;
*) echo "scripts/kernel-tree.sh: unknown request '$1' (use src, pristine or cache)" >&2; exit 2 ;;
esac

if [ ! -f "$src/.typestate-extracted" ]; then
	"$here/deps.sh" kernel
	mkdir -p "$(dirname "$src")"
	tmp=$(mktemp -d "$cache/extract.XXXXXX")
	echo "kernel-tree: extracting $tarball into $cache" >&2
	tar -xf "$tarball" -C "$tmp"
	rm -rf "$src"
	mv "$tmp/linux-source-6.12" "$src"
	rmdir "$tmp"
	touch "$src/.typestate-extracted"
fi
echo "$src"
