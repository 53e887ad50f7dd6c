#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Verify the migration on real code: copy the pristine linux-source-6.12
# of the cache, apply the generated semantic patches to the copy's drivers/
# tree, build every rewritten file with kbuild (x86_64 allmodconfig,
# CONFIG_WERROR=y), show that every rewritten release undoes the acquire it
# replaces (migcheck/prove.py), run the migration again to show it changes
# nothing, and print the summary.
#
# The copy, its build directory and the logs are this checkout's own, in
# its directory of the cache ($MIGRATE_WORK, default
# `scripts/kernel-tree.sh checkout`/migrate): another checkout's run cannot
# replace the tree under this one.  The copy is a real one (cp -a, same
# mtimes as the tarball, so the prepared build directory stays valid):
# the migration writes the files it rewrites.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/progress.sh"
"$here/deps.sh" cocci
src=$("$here/kernel-tree.sh" src)
cache=${MIGRATE_WORK:-$("$here/kernel-tree.sh" checkout)/migrate}
tree=$cache/migrate-tree
build=$cache/build-x86-migrate
dir=${DIR:-drivers}
mkdir -p "$cache"

rm -rf "$tree" "$tree.tmp"
echo "migrate-check: copying $src to $tree"
progress "migrate-check: copying the pristine tree" cp -a "$src" "$tree.tmp"
progress "migrate-check: making the copy writable" chmod -R u+w "$tree.tmp"
mv "$tree.tmp" "$tree"

if [ ! -f "$build/.typestate-prepared" ]; then
	echo "migrate-check: preparing $build (x86_64 allmodconfig)"
	mkdir -p "$build"
	progress "migrate-check: make allmodconfig" make -s -C "$tree" O="$build" allmodconfig
	progress "migrate-check: make prepare" make -s -C "$tree" O="$build" -j"$(nproc)" prepare
	touch "$build/.typestate-prepared"
fi

start=$(date +%s)
progress "migrate-check: migrating $dir/" /usr/bin/python3 "$here/migrate.py" "$tree" "$dir" --summary "$cache/migrate-summary.json"
echo "migrate-check: migration of $dir/ took $(( $(date +%s) - start )) s"

objs=$(/usr/bin/python3 "$here/migrate.py" --objects "$tree" "$cache/migrate-summary.json")
# One kbuild run builds them all (-k: past a broken one); each object is
# then judged by whether kbuild wrote it after the migration.  An object
# that does not build and that x86_64 allmodconfig leaves out (another
# architecture's driver: its asm/ headers do not exist here) is listed
# with the Kconfig symbol, not counted as built or broken.
stamp=$cache/migrate-build.stamp
touch "$stamp"
for obj in $objs; do rm -f "$build/$obj"; done
echo "migrate-check: building $(echo "$objs" | wc -w) objects"
# kbuild's output goes to the log, the heartbeat (stderr of progress) not.
build_objs() {
	make -s -k -C "$tree" O="$build" -j"$(nproc)" "$@" >"$cache/migrate-build.log" 2>&1
}
progress "migrate-check: building the migrated objects" build_objs $objs || true
broken=0
compiled=0
other=0
for obj in $objs; do
	if [ "$build/$obj" -nt "$stamp" ]; then
		compiled=$((compiled + 1))
		echo "  CC      $obj: ok"
	elif off=$(/usr/bin/python3 "$here/migrate.py" --left-out "$tree" "$build/.config" "$obj"); then
		other=$((other + 1))
		echo "  CC      $obj: not built for x86_64 ($off)"
	else
		broken=$((broken + 1))
		echo "  CC      $obj: BROKEN"
		grep -A5 "${obj%.o}\.c.*error" "$cache/migrate-build.log" | head -20 || true
	fi
done

# The migrated code is legal for the lints too: each spec's lint over the
# files of $dir that now use a handle API reports nothing.
lintn=0
/usr/bin/python3 "$here/lint.py" "$tree" "$dir" >"$cache/migrate-lint.log" 2>&1 || lintn=$?
if [ "$lintn" -ne 0 ]; then
	grep -v '^lint: ' "$cache/migrate-lint.log" | head -20 || true
	lintn=$(grep -c ':[0-9]*:[0-9]*-[0-9]*: ' "$cache/migrate-lint.log" || true)
	[ "$lintn" -gt 0 ] || { tail -1 "$cache/migrate-lint.log"; lintn=1; }
fi
tail -1 "$cache/migrate-lint.log" | sed 's/^lint:/migrate-check: lint of the migrated tree:/'

# Apart from the rules that made the rewrite: every rewritten release and
# operation is shown, from the pristine tree, to act on the object and
# arguments of the acquire it replaces (migcheck/prove.py).
unproven=0
PYTHONPATH="$here/.." /usr/bin/python3 -m migcheck.prove "$src" "$tree" "$dir" >"$cache/migrate-prove.log" 2>&1 || unproven=$?
grep -v ': behaviour change if the values differ: ' "$cache/migrate-prove.log" | sed 's/^/migrate-check: /' || true
n=$(grep -c ': behaviour change if the values differ: ' "$cache/migrate-prove.log" || true)
echo "migrate-check: $n release arguments equal to the acquire's by name only (a behaviour change where the values differ): $cache/migrate-prove.log"
if [ "$unproven" -ne 0 ]; then
	unproven=$(grep -c ': unproven: ' "$cache/migrate-prove.log" || true)
	[ "$unproven" -gt 0 ] || unproven=1
fi

echo "migrate-check: migrating $dir/ again (must change nothing)"
( cd "$tree" && progress "migrate-check: migrating $dir/ again" /usr/bin/python3 "$here/migrate.py" "$tree" "$dir" --again "$cache/migrate-summary.json" >"$cache/migrate-again.log" )
rerun=$(grep -o '[0-9]* files and [0-9]* functions migrated' "$cache/migrate-again.log" | awk '{s+=$1} END {print s+0}')
noreason=$(/usr/bin/python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["specs"].values()
print(sum(len(x.get("sites_without_reason", [])) for x in s))' "$cache/migrate-summary.json")
echo "migrate-check: files compiled $compiled, files broken $broken, other architectures' files not built $other, files changed by a second run $rerun, acquire sites not handled without a reason $noreason, lint findings on migrated code $lintn, unproven rewrites $unproven"
[ "$broken" -eq 0 ] && [ "$rerun" -eq 0 ] && [ "$noreason" -eq 0 ] && [ "$lintn" -eq 0 ] && [ "$unproven" -eq 0 ] && [ -n "$objs" ]
