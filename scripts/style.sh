#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kernel style of the generated headers, with the 6.12 tree's own tools:
#   scripts/checkpatch.pl --strict --no-tree -f   0 errors, 0 warnings, and
#       no CHECK but one: checkpatch reads the C11 keyword _Generic as a
#       CamelCase identifier (CAMELCASE), as it does for every kernel header
#       that uses it; any other CHECK fails.
#   scripts/kernel-doc -none -Wall                no output at all
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$("$here/kernel-tree.sh" src)
status=0
for f in "$@"; do
	ok=1
	out=$("$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types -f "$f" 2>/dev/null || true)
	bad=$(printf '%s\n' "$out" | grep -E ': (ERROR|WARNING|CHECK):' |
		grep -v -E 'CHECK:CAMELCASE: Avoid CamelCase: <_Generic>$' || true)
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad" >&2
		ok=0
	fi
	doc=$("$src/scripts/kernel-doc" -none -Wall "$f" 2>&1 || true)
	if [ -n "$doc" ]; then
		printf '%s\n' "$doc" >&2
		ok=0
	fi
	if [ $ok -eq 1 ]; then
		echo "  STYLE   $f: checkpatch --strict and kernel-doc -Wall clean"
	else
		status=1
	fi
done
exit $status
