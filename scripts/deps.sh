#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what the project needs from Debian's archive, once.
#
#   scripts/deps.sh python   generator and its tests
#   scripts/deps.sh kernel   + linux-source-6.12 and what kbuild needs
#   scripts/deps.sh cocci    + coccinelle
#
# Packages already present are not fetched again, and apt-get update runs
# only when something is missing.
set -eu

python_pkgs="python3 python3-jinja2 python3-yaml python3-jsonschema python3-pytest python3-hypothesis graphviz"
kernel_pkgs="linux-source-6.12 flex bison bc libelf-dev libssl-dev sparse make gcc rsync xz-utils perl"
cocci_pkgs="coccinelle git"

want=""
for set in "$@"; do
	case "$set" in
	python) want="$want $python_pkgs" ;;
	kernel) want="$want $python_pkgs $kernel_pkgs" ;;
	cocci)  want="$want $python_pkgs $kernel_pkgs $cocci_pkgs" ;;
	*) echo "scripts/deps.sh: unknown set '$set' (use python, kernel or cocci)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages$missing; run as root or install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
