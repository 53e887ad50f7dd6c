#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kernel style of what specs other than specs/*.yaml generate: each spec
# given (tests/style_specs/: names at the limits) is rendered into a
# temporary directory and its header and KUnit suite go through
# scripts/style.sh (checkpatch --strict, kernel-doc -Wall).  An accepted
# spec must give style-clean output; a spec the generator refuses fails
# here too, since these must be accepted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
for spec in "$@"; do
	out="$tmp/$(basename "$spec" .yaml)"
	mkdir -p "$out"
	if ! (cd "$here/.." && /usr/bin/python3 -m generator --out "$out" gen "$spec" >/dev/null); then
		echo "  STYLE   $spec: refused by the generator" >&2
		status=1
		continue
	fi
	for f in "$out"/include/linux/typestate/*.h "$out"/kunit/*.c; do
		[ -e "$f" ] || continue
		rel=${f#"$out"/}
		if "$here/style.sh" "$f" >"$tmp/log" 2>&1; then
			echo "  STYLE   $spec: $rel: checkpatch --strict and kernel-doc -Wall clean"
		else
			sed "s|$out/|$spec: |" "$tmp/log" >&2
			status=1
		fi
	done
done
exit $status
