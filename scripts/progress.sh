# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the shell scripts that run long steps:
#
#   progress LABEL CMD [ARG...]
#
# runs CMD and, while it runs, prints "  ... LABEL: N s" to stderr every
# 20 s ($PROGRESS_BEAT), so that `make test` never goes quiet for long.
# Returns CMD's exit status; an interrupt stops CMD too.

progress() {
	_p_label=$1
	shift
	_p_start=$(date +%s)
	"$@" &
	_p_pid=$!
	trap 'kill "$_p_pid" 2>/dev/null; exit 130' INT TERM
	(
		n=0
		while kill -0 "$_p_pid" 2>/dev/null; do
			sleep 1
			n=$((n + 1))
			if [ $((n % ${PROGRESS_BEAT:-20})) -eq 0 ] && kill -0 "$_p_pid" 2>/dev/null; then
				echo "  ... $_p_label: $(( $(date +%s) - _p_start )) s" >&2
			fi
		done
	) &
	_p_beat=$!
	_p_rc=0
	wait "$_p_pid" || _p_rc=$?
	wait "$_p_beat" 2>/dev/null || true
	trap - INT TERM
	return $_p_rc
}
