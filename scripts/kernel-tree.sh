#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel tree cache.  The cache lives outside the repository
# ($TYPESTATE_CACHE, default ~/.cache/typestate-gen), is shared by every
# checkout that uses it, and is only a speed-up: a fresh machine builds it
# from nothing.
#
#   scripts/kernel-tree.sh src       the extracted linux-source-6.12 tree,
#                                    extracting Debian's tarball on first use.
#                                    Read-only once extracted: nothing builds
#                                    or installs in it (chmod -R a-w, and its
#                                    fingerprint is checked by `verify`)
#   scripts/kernel-tree.sh pristine  the same tree (it is never written to)
#   scripts/kernel-tree.sh verify    fail if the tree changed since extraction
#   scripts/kernel-tree.sh fingerprint DIR
#                                    what verify compares, for any directory
#   scripts/kernel-tree.sh checkout  this checkout's own directory in the cache
#                                    (checkouts/<name>-<hash of its path>):
#                                    its overlay trees, build directories and
#                                    work trees, so that two checkouts can run
#                                    `make test` at once against one cache
#   scripts/kernel-tree.sh cache     the cache directory
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/progress.sh"
cache=${TYPESTATE_CACHE:-$HOME/.cache/typestate-gen}
tarball=/usr/src/linux-source-6.12.tar.xz
src=$cache/linux-source-6.12
# Outside the tree, so that the tree holds nothing but the extraction.
stamp=$cache/linux-source-6.12.fingerprint

# The name, type, size, mtime and mode of every file and directory in the
# tree: a file written, added, removed or chmod-ed changes it (and a
# directory's mtime changes when an entry is added or removed in it).
fingerprint() {
	(cd "$1" && find . -printf '%P\t%y\t%s\t%T@\t%m\n') | LC_ALL=C sort |
		sha256sum | cut -d' ' -f1
}

verify() {
	if [ ! -f "$stamp" ] || [ ! -d "$src" ]; then
		echo "kernel-tree: $src is not extracted yet" >&2
		return 1
	fi
	now=$(fingerprint "$src")
	if [ "$now" != "$(cat "$stamp")" ]; then
		echo "kernel-tree: ERROR: the cached tree $src was modified after its" >&2
		echo "  extraction (fingerprint $now, recorded $(cat "$stamp"))." >&2
		echo "  It is shared by every checkout and must stay read-only: something" >&2
		echo "  wrote into it instead of into its checkout's overlay." >&2
		echo "  'rm -rf $src $stamp' to extract it anew." >&2
		return 1
	fi
	echo "kernel-tree: $src unchanged since its extraction"
}

extract() {
	"$here/deps.sh" kernel
	mkdir -p "$cache"
	if [ -e "$src" ]; then
		# An old cache, from before the tree was read-only: the compile
		# and KUnit suites wrote into it.  Start again from the tarball.
		echo "kernel-tree: $src has no fingerprint (an older cache, written into); extracting anew" >&2
		chmod -R u+w "$src"
		rm -rf "$src"
	fi
	tmp=$(mktemp -d "$cache/extract.XXXXXX")
	echo "kernel-tree: extracting $tarball into $cache" >&2
	progress "kernel-tree: extracting linux-source-6.12" tar -xf "$tarball" -C "$tmp"
	progress "kernel-tree: making the tree read-only" chmod -R a-w "$tmp/linux-source-6.12"
	fp=$(progress "kernel-tree: fingerprinting the tree" fingerprint "$tmp/linux-source-6.12")
	chmod u+w "$tmp"
	mv "$tmp/linux-source-6.12" "$src"
	rmdir "$tmp"
	echo "$fp" >"$stamp.tmp"
	mv "$stamp.tmp" "$stamp"
	echo "kernel-tree: $src extracted, read-only, fingerprint $fp" >&2
}

case "${1:-src}" in
cache) mkdir -p "$cache"; echo "$cache"; exit 0 ;;
checkout)
	root=$(cd "$here/.." && pwd -P)
	key=$(printf '%s' "$root" | sha256sum | cut -c1-12)
	dir=$cache/checkouts/$(basename "$root")-$key
	mkdir -p "$dir"
	[ -f "$dir/path" ] || echo "$root" >"$dir/path"
	echo "$dir"
	exit 0 ;;
src | pristine) ;;
verify) verify; exit $? ;;
fingerprint) fingerprint "${2:?usage: kernel-tree.sh fingerprint DIR}"; exit 0 ;;
*) echo "scripts/kernel-tree.sh: unknown request '$1' (use src, pristine, verify, fingerprint, checkout or cache)" >&2; exit 2 ;;
esac

if [ ! -f "$stamp" ] || [ ! -d "$src" ]; then
	mkdir -p "$cache"
	# One extraction, whichever checkout asks first; the others wait.
	exec 9>"$cache/.linux-source-6.12.lock"
	if ! flock -n 9; then
		echo "kernel-tree: another checkout is extracting $src; waiting" >&2
		progress "kernel-tree: waiting for the other extraction" flock 9
	fi
	if [ ! -f "$stamp" ] || [ ! -d "$src" ]; then
		rm -f "$stamp"
		extract
	fi
	exec 9>&-
fi
echo "$src"
