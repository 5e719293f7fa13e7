#!/bin/bash
# Run make targets one after the other, as `make check` does, and print how
# long each took, also when one fails (the table is printed on any exit).
#
# Usage: scripts/timed-stages.sh TARGET...   (MAKE names make, default make)
#
# Stops at the first failing target; exits with its status.
set -uo pipefail

make_cmd=${MAKE:-make}
names=()
secs=()
results=()
t_all=$SECONDS

# Called by the EXIT trap, so also after an interrupt.
# shellcheck disable=SC2317
table() {
	local i
	printf '\n==== make check: time per stage ====\n'
	for i in "${!names[@]}"; do
		printf '  %-14s %6ss  %s\n' "${names[i]}" "${secs[i]}" "${results[i]}"
	done
	printf '  %-14s %6ss\n' total "$((SECONDS - t_all))"
}
trap table EXIT

rc=0
for t in "$@"; do
	printf '\n==== stage %s ====\n' "$t"
	t0=$SECONDS
	$make_cmd --no-print-directory "$t"
	rc=$?
	names+=("$t")
	secs+=("$((SECONDS - t0))")
	if ((rc != 0)); then
		results+=("FAILED (rc $rc)")
		break
	fi
	results+=(ok)
done
exit "$rc"
